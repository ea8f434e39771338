"""What an admin writing conditions and materials is told when loading: conditions that would fail
or never hold, file types nobody can upload, syntax errors in plain words; and what happens when a
condition fails for one person's answers anyway."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.utils import translation

from yiwang.applications.domain import SNIFFABLE_TYPES
from yiwang.catalogue import domain, validation
from yiwang.catalogue.constants import FILE_TYPES
from yiwang.catalogue.tests.conftest import SERVICES
from yiwang.catalogue.tests.test_loader_errors import rejected
from yiwang.core import cel
from yiwang.core.definition_files import parse_yaml

SIGN = "outdoor-sign-permit.yaml"
SHOP = ("business-registration.yaml", "employer-social-insurance.yaml", SIGN, "open-a-shop.yaml")

FORM = {
    "type": "object",
    "properties": {
        "floor_area": {"type": "number"},
        "storeys": {"type": "integer"},
        "building_structure": {"type": "string", "enum": ["brick", "steel", "concrete"]},
        "has_sprinklers": {"type": "boolean"},
        "water_source": {"type": "string"},
        "uses": {"type": "array", "items": {"type": "string", "enum": ["shop", "office"]}},
        "premises": {"type": "object", "properties": {"city": {"type": "string"}}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "anything": {},
    },
}


def reasons(condition: str, form: dict[str, Any] = FORM) -> list[str]:
    doc = parse_yaml("a: 1", "fire-check.yaml")
    problems = validation.check_condition(doc, ("materials", 1, "condition"), condition, form)
    assert all(p.path == "materials[1].condition" for p in problems)
    return [p.reason for p in problems]


# --- 1. Conditions that would fail on every application --------------------------------------


def test_a_whole_number_beside_a_number_field_is_refused_saying_to_write_a_decimal() -> None:
    (reason,) = reasons("form.floor_area * 2 > 600")
    assert "'form.floor_area * 2 > 600' uses * between a decimal number (double) and a whole " in (
        reason
    )
    assert "write 2.0 rather than 2" in reason
    assert reasons("form.floor_area * 2.0 > 600.0") == []
    assert reasons("form.floor_area > 600") == []  # comparisons alone work
    assert reasons("form.storeys * 2 > 6") == []


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ("form.water_source + 1 == 'x2'", "uses + between text and a whole number (int), which"),
        ("form.floor_area % 2.0 == 0.0", "uses % on a decimal number (double), which it does not"),
        ("size(form.storeys) > 1", "calls a function on a value it does not take"),
        ("form.storeys + 1", "must be true or false"),
    ],
)
def test_operations_that_fail_whatever_the_answers_are_refused(
    condition: str, fragment: str
) -> None:
    (reason,) = reasons(condition)
    assert fragment in reason


def test_a_mistake_that_depends_on_the_answers_is_left_to_run_time() -> None:
    # The trial run divides by zero (every field holds 1), but only 1 storey would.
    assert reasons("form.storeys / (form.storeys - 1) > 10") == []


@pytest.mark.django_db
def test_the_loader_names_the_file_and_path(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    data = fixture_data(SIGN)
    data["materials"][2]["condition"] = "form.width_m * 2 > 6"
    rejected([write(SIGN, data)], actor, [(SIGN, "materials[2].condition", "write 2.0")])


# --- 1. ... and one that fails for some answers only --------------------------------------------

SHAKY = "form.storeys / (form.storeys - 3) > 100"  # a division by zero for 3 storeys


def definition(condition: str) -> dict[str, Any]:
    return {
        "code": "fire-check",
        "form": FORM,
        "materials": [
            {"code": "plan", "file_types": []},
            {"code": "report", "file_types": [], "condition": condition},
        ],
        "process": {
            "stages": [{"id": "review", "steps": [{"code": "inspect", "condition": condition}]}]
        },
    }


def test_a_condition_failing_at_run_time_counts_as_true_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = {"storeys": 3}
    with pytest.raises(cel.ConditionEvaluationError):
        domain.condition_holds(SHAKY, answers, FORM)
    with caplog.at_level(logging.ERROR):
        needed = domain.materials_needed(definition(SHAKY), answers)
        ((_stage, steps),) = domain.steps_applying(definition(SHAKY), answers)
    assert [n.material["code"] for n in needed] == ["plan", "report"]
    assert [s["code"] for s in steps] == ["inspect"]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert all("fire-check" in r.getMessage() and SHAKY in r.getMessage() for r in errors)
    # With answers it can evaluate, the condition decides as usual.
    assert [n.material["code"] for n in domain.materials_needed(definition(SHAKY), {})] == ["plan"]


def test_a_bundle_service_whose_condition_fails_at_run_time_applies(
    caplog: pytest.LogCaptureFixture,
) -> None:
    services = {
        "a": {"code": "a", "form": FORM},
        "b": {"code": "b", "form": {"type": "object", "properties": {}}},
    }
    bundle = {"code": "shop", "services": [{"code": "a"}, {"code": "b", "condition": SHAKY}]}
    merged = domain.merge_bundle(bundle, services)
    with caplog.at_level(logging.ERROR):
        assert merged.services_applying({"storeys": 3}) == ["a", "b"]
    assert "shop/b" in caplog.text
    assert merged.services_applying({"storeys": 4}) == ["a"]


def test_runtime_errors_of_every_kind_are_evaluation_errors() -> None:
    for source, data in [
        ("form.n / 0 > 1", {"n": 1}),
        ("form.l[3] == 'x'", {"l": ["x"]}),
        ("9223372036854775807 + form.n > 0", {"n": 1}),
    ]:
        with pytest.raises(cel.ConditionEvaluationError) as info:
            cel.compile_condition(source).evaluate(data)
        assert info.value.problem == "value"


# --- 2. Comparisons that can never hold ------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        (
            "form.building_structure == 3",
            'compares form.building_structure, a choice field (values: "brick", "steel", '
            '"concrete"), with 3, which is a number',
        ),
        (
            'form.has_sprinklers == "yes"',
            'a yes/no field (true or false), with "yes", which is text; values of different '
            "types never match",
        ),
        ("form.water_source == 1", "a text field, with 1, which is a number"),
        ("1 != form.water_source", "a text field, with 1, which is a number"),
        ('form.floor_area >= "300"', 'a number field, with "300", which is text'),
        ('form["storeys"] < "3"', "compares form.storeys, a number field"),
        ("form.premises.city == 3", "compares form.premises.city, a text field"),
        ('form.water_source in [1, "well"]', "a text field, with 1, which is a number"),
        (
            'form.building_structure == "wood"',
            'compares form.building_structure with "wood", which is not one of its values '
            '("brick", "steel", "concrete")',
        ),
        ('form.building_structure != "wood"', "not one of its values"),
        ('form.building_structure in ["brick", "wood"]', '"wood", which is not one of its'),
        ('"factory" in form.uses', 'compares form.uses with "factory", which is not one of'),
        ("3 in form.notes", "compares form.notes, a text field, with 3"),
        ("form.has_sprinklers && (form.water_source == 1 || form.floor_area > 1.0)", "with 1,"),
        ("form.storeys > 2 ? form.has_sprinklers == 'yes' : true", "with 'yes', which is text"),
    ],
)
def test_a_field_compared_with_a_literal_it_can_never_equal_is_refused(
    condition: str, fragment: str
) -> None:
    found = reasons(condition)
    assert len(found) == 1, found
    assert fragment in found[0]


@pytest.mark.parametrize(
    "condition",
    [
        "form.floor_area > 300",  # numbers compare with numbers, whole or not
        "form.storeys == 3.0",
        'form.building_structure == "brick"',
        'form.building_structure in ["brick", "steel"]',
        'form.building_structure < "c"',  # ordering text is fine
        "form.has_sprinklers == true",
        "!form.has_sprinklers",
        '"shop" in form.uses',
        "form.anything == 3",  # a field without a type: nothing is certain
        "form.water_source == null || form.water_source != 'x'",
        "size(form.water_source) == 3",
        "form.water_source.size() == 3",
        "form.notes.exists(n, n == 3)",  # the loop variable's type is not judged
        'form.water_source == "a\\"b"',
        'form.water_source + "x" == "wx"',
        "form.storeys + 1 == 3",
        "int(form.water_source == 'x') == 1 || true",
        "type(form.storeys) == int",
        '{"a": 1}["a"] == 1',
    ],
)
def test_comparisons_that_may_hold_are_accepted(condition: str) -> None:
    try:
        found = reasons(condition)
    except AssertionError:
        found = ["wrong path"]
    assert not any("never match" in r or "not one of its values" in r for r in found), found


@pytest.mark.django_db
def test_a_bundle_condition_comparing_text_with_a_number_is_refused(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    paths = [write(name, fixture_data(name)) for name in SHOP]
    bundle = fixture_data("open-a-shop.yaml")
    bundle["services"][1]["condition"] = "form.hires_staff == 1"
    paths[-1] = write("open-a-shop.yaml", bundle)
    rejected(
        paths,
        actor,
        [("open-a-shop.yaml", "services[1].condition", "a yes/no field (true or false), with 1")],
    )


# --- 3. File types -------------------------------------------------------------------------


def test_the_accepted_file_types_are_those_the_upload_check_recognises() -> None:
    assert set(FILE_TYPES) == set(SNIFFABLE_TYPES)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_type", "fragment"),
    [
        (
            {"extension": ".heic", "mime_type": "image/heic"},
            "image/heic is not a file type the platform can check when a file is uploaded",
        ),
        ({"extension": ".exe", "mime_type": "application/x-msdownload"}, "accepted types: "),
        (
            {"extension": ".pdf", "mime_type": "image/png"},
            ".pdf files are application/pdf, not image/png; write {extension: .pdf, mime_type: "
            "application/pdf}",
        ),
        ({"extension": ".exe", "mime_type": "application/pdf"}, ".exe is not an extension of"),
    ],
)
def test_a_file_type_nobody_could_upload_is_refused(
    departments: Any,
    actor: Any,
    fixture_data: Any,
    write: Any,
    file_type: dict[str, str],
    fragment: str,
) -> None:
    data = fixture_data(SIGN)
    data["materials"][1]["file_types"].append(file_type)
    where = f"materials[1].file_types[{len(data['materials'][1]['file_types']) - 1}]"
    (problem,) = rejected([write(SIGN, data)], actor, [(SIGN, where, fragment)])
    if "accepted types" in problem.reason:
        assert "application/pdf (.pdf)" in problem.reason and "image/jpeg (.jpg .jpeg)" in (
            problem.reason
        )


def test_every_fixture_file_type_is_accepted() -> None:
    import yaml

    for path in SERVICES.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for material in data.get("materials", []):
            for file_type in material["file_types"]:
                assert file_type["extension"] in FILE_TYPES[file_type["mime_type"]]


# --- 4. Syntax errors in plain words --------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            "form.floor_area > || form.has_sprinklers",
            "at line 1, column 19 of the expression there is an unexpected '||'",
        ),
        ("form.floor_area >", "the expression ends too early (line 1, column 18)"),
        ("(form.floor_area > 1.0", "')' is missing at line 1, column 23"),
        ("form.floor_area $ 3", "'$' at line 1, column 17 of the expression is not part of"),
        ("form.water_source == 'x", "the quote at line 1, column 22 of the expression is never"),
        ("form.storeys > 1 and form.has_sprinklers", "unexpected 'and'"),
    ],
)
def test_a_syntax_error_says_where_and_what_without_the_parsers_token_list(
    condition: str, expected: str
) -> None:
    (reason,) = reasons(condition)
    assert reason.startswith(f"the condition '{condition}' cannot be read: ")
    assert expected in reason
    for jargon in ("expecting", "NUM_FLOAT", "IDENTIFIER", "Syntax error", "<EOF>"):
        assert jargon not in reason


def test_the_syntax_error_is_translated_whole() -> None:
    with translation.override("zh-hans"):
        (reason,) = reasons("form.floor_area > || form.has_sprinklers")
    assert "||" in reason and "19" in reason
    assert "expecting" not in reason and "{'['" not in reason


def test_the_parsers_error_is_taken_apart() -> None:
    with pytest.raises(cel.ConditionSyntaxError) as exc:
        cel.compile_condition("form.a > || form.b")
    assert (exc.value.problem, exc.value.line, exc.value.column, exc.value.token) == (
        "unexpected",
        1,
        10,
        "||",
    )
    assert str(exc.value) == (
        "does not compile (line 1, column 10 of the expression): unexpected '||'"
    )
