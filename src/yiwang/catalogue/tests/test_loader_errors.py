"""Every kind of mistake names the file, the path inside it and the reason, and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yiwang.catalogue import services
from yiwang.catalogue.tests.conftest import SERVICES, row_counts
from yiwang.core.errors import LoadError, LoadProblem

pytestmark = pytest.mark.django_db

RESIDENCE = "residence-permit-renewal.yaml"

Expected = list[tuple[str, str, str]]  # file name, path, a piece of the reason


def rejected(paths: list[Path], actor: Any, expected: Expected) -> list[LoadProblem]:
    """Load must fail with (at least) these problems and leave every table as it was."""
    before = row_counts()
    with pytest.raises(LoadError) as info:
        services.load_definitions(paths, actor=actor)
    assert row_counts() == before
    problems = info.value.problems
    listing = "\n".join(str(p) for p in problems)
    for file, path, fragment in expected:
        assert any(
            Path(p.file).name == file and p.path == path and fragment in p.reason for p in problems
        ), f"expected {file}: {path}: ...{fragment}... in:\n{listing}"
    return problems


def _set(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """Set ``a.b[0].c`` in a definition; the value ``DELETE`` removes the key."""
    import re

    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", dotted):
        parts.append(int(index) if index else name)
    node: Any = data
    for part in parts[:-1]:
        node = node[part]
    if value is DELETE:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value
    return data


DELETE = object()

# (test id, changes to residence-permit-renewal.yaml, expected problems)
CASES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("missing key", {"description": DELETE}, [("description", "is missing")]),
    ("empty text", {"name.zh": ""}, [("name.zh", "must not be empty")]),
    (
        "wrong type",
        {"time_limits.promised_days": "five"},
        [("time_limits.promised_days", "must be a whole number, not text")],
    ),
    ("unknown top-level key", {"fees": {}}, [("fees", "unknown key 'fees'")]),
    ("code not a slug", {"code": "Residence Permit"}, [("code", "is not valid: must be a code")]),
    (
        "url not a uri",
        {"legal_basis[0].url": "see the law"},
        [("legal_basis[0].url", "is not a valid uri")],
    ),
    ("bad audience", {"audience": "people"}, [("audience", 'use one of: "person"')]),
    ("negative fee", {"fee.amount": -5}, [("fee.amount", "must be ≥ 0")]),
    ("three decimals in fee", {"fee.amount": 1.005}, [("fee.amount", "more than two decimal")]),
    (
        "unknown department",
        {"department": "police"},
        [("department", "unknown department 'police'")],
    ),
    (
        "unknown step department",
        {"process.stages[1].steps[0].department": "nowhere"},
        [("process.stages[1].steps[0].department", "unknown department 'nowhere'")],
    ),
    (
        "unknown role",
        {"process.stages[0].steps[0].role": "reviwer"},
        [("process.stages[0].steps[0].role", "unknown role 'reviwer'")],
    ),
    (
        "role that handles no case",
        {"process.stages[0].steps[0].role": "auditor"},
        [("process.stages[0].steps[0].role", "does not handle cases")],
    ),
    (
        "empty role",
        {"process.stages[0].steps[0].role": ""},
        [("process.stages[0].steps[0].role", "must not be empty")],
    ),
    (
        "condition does not compile",
        {"materials[2].condition": "form.residence_basis =="},
        [("materials[2].condition", "cannot be read: the expression ends too early")],
    ),
    (
        "condition names a missing field",
        {"process.stages[1].steps[0].condition": "form.floor_area > 300.0"},
        [("process.stages[1].steps[0].condition", "the form has no field 'floor_area'")],
    ),
    (
        "condition names a missing field by index",
        {"materials[2].condition": 'form["salary"] > 1'},
        [("materials[2].condition", "the form has no field 'salary'")],
    ),
    (
        "condition names a missing field with in",
        {"materials[2].condition": '"salary" in form'},
        [("materials[2].condition", "the form has no field 'salary'")],
    ),
    (
        "condition names a missing field in has",
        {"materials[2].condition": "has(form.salary)"},
        [("materials[2].condition", "the form has no field 'salary'")],
    ),
    (
        "condition reads an unknown name",
        {"materials[2].condition": "applicant.age > 18"},
        [("materials[2].condition", "reads 'applicant', which does not exist")],
    ),
    (
        "condition mixes types",
        {"materials[2].condition": "form.full_name > 3"},
        [("materials[2].condition", "a text field, with 3, which is a number")],
    ),
    (
        "condition is not true or false",
        {"materials[2].condition": "form.full_name"},
        [("materials[2].condition", "must be true or false")],
    ),
    (
        "condition calls an unknown function",
        {"materials[2].condition": 'lowerAscii(form.full_name) == "a"'},
        [("materials[2].condition", "calls lowerAscii()")],
    ),
    (
        "condition shadows form",
        {"materials[2].condition": "[1].exists(form, form > 0)"},
        [("materials[2].condition", "do not use 'form'")],
    ),
    (
        "empty condition",
        {"materials[2].condition": ""},
        [("materials[2].condition", "must not be empty")],
    ),
    (
        "duplicate material code",
        {"materials[1].code": "photo"},
        [("materials[1].code", "already used at materials[0].code")],
    ),
    (
        "duplicate step code",
        {"process.stages[1].steps[0].code": "check-application"},
        [("process.stages[1].steps[0].code", "already used at process.stages[0].steps[0].code")],
    ),
    (
        "duplicate stage id",
        {"process.stages[1].id": "acceptance"},
        [("process.stages[1].id", "already used at process.stages[0].id")],
    ),
    (
        "duplicate output code",
        {
            "outputs": [
                {"code": "permit", "name": {"zh": "证", "en": "Permit"}, "kind": "certificate"},
                {"code": "permit", "name": {"zh": "证", "en": "Permit"}, "kind": "decision"},
            ]
        },
        [("outputs[1].code", "already used at outputs[0].code")],
    ),
    (
        "stages in a circle",
        {"process.stages[0].after": ["approval"], "process.stages[1].after": ["acceptance"]},
        [("process.stages[0].after", "in a circle: acceptance → approval → acceptance")],
    ),
    (
        "stage waits for itself",
        {"process.stages[1].after": ["approval"]},
        [("process.stages[1].after[0]", "cannot wait for itself")],
    ),
    (
        "stage waits for an unknown stage",
        {"process.stages[1].after": ["nowhere"]},
        [("process.stages[1].after[0]", "there is no stage 'nowhere'")],
    ),
    (
        "empty stage",
        {"process.stages[1].steps": []},
        [("process.stages[1].steps", "needs at least 1 item")],
    ),
    ("no stages", {"process.stages": []}, [("process.stages", "needs at least 1 item")]),
    (
        "page names an unknown field",
        {"form.pages[0].fields[2]": "nickname"},
        [
            ("form.pages[0].fields[2]", "'nickname' is not a field of the form"),
            ("form.properties.mobile", "is on no page"),
        ],
    ),
    (
        "field on no page",
        {"form.pages[2].fields": ["delivery"]},
        [("form.properties.postal_address", "is on no page")],
    ),
    (
        "field on two pages",
        {"form.pages[2].fields": ["delivery", "postal_address", "mobile"]},
        [("form.pages[2].fields[2]", "already on a page, at form.pages[0].fields[2]")],
    ),
    (
        "required names an unknown field",
        {"form.required[0]": "name"},
        [("form.required[0]", "'name' is not a field of the form")],
    ),
    (
        "form is not a valid JSON Schema",
        {"form.properties.full_name.minLength": "one"},
        [("form.properties.full_name.minLength", "not a valid JSON Schema")],
    ),
    (
        "form pattern is not a regular expression",
        {"form.properties.full_name.pattern": "(["},
        [("form.properties.full_name.pattern", "not a valid JSON Schema")],
    ),
    (
        "form refers outside itself",
        {
            "form.properties.address": {
                "$ref": "https://example.org/address.json",
                "type": "string",
                "x-title": {"zh": "地址", "en": "Address"},
            }
        },
        [("form.properties.address.$ref", "may only refer to its own definitions")],
    ),
    (
        "form refers to one of its fields instead of a shared definition",
        {
            "form.properties.address": {
                "$ref": "#/properties/full_name",
                "type": "string",
                "x-title": {"zh": "地址", "en": "Address"},
            }
        },
        [("form.properties.address.$ref", "may only refer to its own definitions")],
    ),
    (
        "form refers to nothing",
        {
            "form.properties.address": {
                "$ref": "#/$defs/address",
                "type": "string",
                "x-title": {"zh": "地址", "en": "Address"},
            }
        },
        [("form.properties.address.$ref", "points at nothing")],
    ),
    (
        "field without a title",
        {"form.properties.full_name.x-title": DELETE},
        [("form.properties.full_name.x-title", "is missing")],
    ),
    (
        "field without a type",
        {"form.properties.full_name.type": DELETE},
        [("form.properties.full_name.type", "is missing")],
    ),
    (
        "misspelt extension keyword",
        {"form.properties.full_name.x-titel": {"zh": "a", "en": "b"}},
        [("form.properties.full_name.x-titel", "unknown keyword 'x-titel'")],
    ),
    (
        "unknown format",
        {"form.properties.mobile.format": "phone"},
        [("form.properties.mobile.format", "unknown format 'phone'")],
    ),
    (
        "enum value without a title",
        {"form.properties.delivery.enum": ["counter", "post", "courier"]},
        [("form.properties.delivery.x-enum-titles", "no title for the value 'courier'")],
    ),
    (
        "enum title for no value",
        {"form.properties.delivery.enum": ["counter"]},
        [("form.properties.delivery.x-enum-titles.post", "'post' is not one of the field's enum")],
    ),
    (
        "field name not usable in conditions",
        {"form.properties.Full-Name": {"type": "string", "x-title": {"zh": "a", "en": "b"}}},
        [
            (
                "form.properties.Full-Name",
                '"Full-Name" is not a valid name here: must be a field name',
            )
        ],
    ),
    (
        "prefill on a part of a list",
        {
            "form.properties.staff": {
                "type": "array",
                "x-title": {"zh": "员工", "en": "Staff"},
                "items": {
                    "type": "object",
                    "properties": {
                        "name": {
                            "type": "string",
                            "x-title": {"zh": "姓名", "en": "Name"},
                            "x-prefill": {"registry": "people", "element": "full-name"},
                        }
                    },
                },
            },
            "form.pages[0].fields": ["full_name", "national_id", "mobile", "staff"],
        },
        [
            (
                "form.properties.staff.items.properties.name.x-prefill",
                "x-prefill works only on a field of the form itself, not on a part of a list",
            )
        ],
    ),
    (
        "prefill on a whole list",
        {
            "form.properties.phones": {
                "type": "array",
                "x-title": {"zh": "电话", "en": "Phones"},
                "items": {"type": "string"},
                "x-prefill": {"registry": "people", "element": "mobile"},
            },
            "form.pages[0].fields": ["full_name", "national_id", "mobile", "phones"],
        },
        [("form.properties.phones.x-prefill", "x-prefill cannot fill a list or a group")],
    ),
    (
        "field name reserved in CEL",
        {
            "form.properties.in": {"type": "string", "x-title": {"zh": "a", "en": "b"}},
            "form.pages[0].fields": ["full_name", "national_id", "mobile", "in"],
        },
        [("form.properties.in", "reserved word")],
    ),
    (
        "promise beyond the law",
        {"time_limits.promised_days": 20},
        [("time_limits.promised_days", "more than the statutory limit of 15")],
    ),
    (
        "steps take longer than promised",
        {"process.stages[1].steps[0].promised_days": 9},
        [
            (
                "time_limits.promised_days",
                "the steps promise 10 working days along the stages acceptance → approval",
            )
        ],
    ),
    (
        "material without file types",
        {"materials[0].file_types": []},
        [("materials[0].file_types", "needs at least 1 item")],
    ),
    (
        "file extension without dot",
        {"materials[0].file_types[0].extension": "jpg"},
        [("materials[0].file_types[0].extension", "must be a file name extension with its dot")],
    ),
    (
        "prefill missing its purpose",
        {"materials[0].prefill": {"element": "photo", "registry": "population"}},
        [("materials[0].prefill.purpose", "is missing")],
    ),
    ("wrong kind", {"kind": "services"}, [("kind", "must be 'service' or 'bundle'")]),
    (
        "then requires an unknown field",
        {
            "form.if": {"required": ["delivery"], "properties": {"delivery": {"const": "post"}}},
            "form.then": {"required": ["postal_adress"]},
        },
        [("form.then.required[0]", "'postal_adress' is not a field of the form")],
    ),
    (
        "if reads an unknown field",
        {
            "form.if": {"properties": {"delivered": {"const": "post"}}, "required": ["deliver"]},
            "form.then": {"required": ["postal_address"]},
        },
        [
            ("form.if.properties.delivered", "'delivered' is not a field of the form"),
            ("form.if.required[0]", "'deliver' is not a field of the form"),
        ],
    ),
    (
        "if compares a choice with a value it does not have",
        {
            "form.if": {"required": ["delivery"], "properties": {"delivery": {"const": "posted"}}},
            "form.then": {"required": ["postal_address"]},
        },
        [
            (
                "form.if.properties.delivery.const",
                '"posted" is not one of the values of \'delivery\' ("counter", "post")',
            )
        ],
    ),
    (
        "then holds a rule about an answer",
        {
            "form.if": {"required": ["delivery"], "properties": {"delivery": {"const": "post"}}},
            "form.then": {"required": ["postal_address"], "minLength": 5},
        },
        [("form.then.minLength", "'minLength' cannot be used here")],
    ),
    (
        "then without if",
        {"form.then": {"required": ["postal_address"]}},
        [("form.then", "then needs an if beside it")],
    ),
    (
        "if without then",
        {"form.if": {"required": ["delivery"]}},
        [("form.if", "an if needs a then")],
    ),
    (
        "dependentRequired names unknown fields",
        {"form.dependentRequired": {"employer": ["employer_name"], "employer_name": ["phone"]}},
        [
            ("form.dependentRequired.employer", "'employer' is not a field of the form"),
            ("form.dependentRequired.employer_name[0]", "'phone' is not a field of the form"),
        ],
    ),
    (
        "allOf rule requires an unknown field",
        {
            "form.allOf": [
                {"dependentRequired": {"employer_name": ["residence_since"]}},
                {
                    "if": {"required": ["delivery"]},
                    "then": {"required": ["postcode"]},
                },
            ]
        },
        [("form.allOf[1].then.required[0]", "'postcode' is not a field of the form")],
    ),
    (
        "anyOf on a whole form",
        {"form.anyOf": [{"required": ["postal_address"]}, {"required": ["address"]}]},
        [("form.anyOf", "'anyOf' is not applied to a whole form")],
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [pytest.param(changes, expected, id=name) for name, changes, expected in CASES],
)
def test_bad_service_is_rejected_with_file_path_and_reason(
    departments: Any,
    actor: Any,
    fixture_data: Any,
    write: Any,
    changes: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    data = fixture_data(RESIDENCE)
    for dotted, value in changes.items():
        _set(data, dotted, value)
    path = write(RESIDENCE, data)
    rejected([path], actor, [(RESIDENCE, p, reason) for p, reason in expected])


def test_fields_required_only_when_another_answer_is_given_are_accepted(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    data = fixture_data(RESIDENCE)
    data["form"]["dependentRequired"] = {"employer_name": ["residence_basis"]}
    data["form"]["allOf"] = [
        {
            "if": {"required": ["delivery"], "properties": {"delivery": {"const": "post"}}},
            "then": {"required": ["postal_address"]},
        },
        {
            "if": {"properties": {"residence_basis": {"enum": ["employment"]}}},
            "then": {"required": ["employer_name"]},
            "$comment": "employed people name their employer",
        },
    ]
    report = services.load_definitions([write(RESIDENCE, data)], actor=actor)
    assert [o.action for o in report.outcomes] == ["created"]


def test_reserved_prefill_is_accepted(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    data = fixture_data(RESIDENCE)
    prefill = {"element": "photo", "registry": "population", "purpose": "identity-check"}
    data["materials"][0]["prefill"] = prefill
    data["form"]["properties"]["full_name"]["x-prefill"] = {**prefill, "element": "name"}
    report = services.load_definitions([write(RESIDENCE, data)], actor=actor)
    assert [o.action for o in report.outcomes] == ["created"]


RAW_CASES = [
    (
        "unclosed bracket",
        "kind: service\ncode: [a, b\nname: x\n",
        "",
        "YAML syntax error at line 3",
    ),
    ("tab indentation", "kind: service\nname:\n\tzh: x\n", "", "YAML syntax error at line 3"),
    (
        "repeated key",
        "kind: service\ncode: a\ncode: b\n",
        "code",
        "the key 'code' appears twice in the same mapping (first on line 2)",
    ),
    ("two documents", "kind: service\n---\nkind: bundle\n", "", "more than one YAML document"),
    ("a list instead of a mapping", "- kind: service\n", "", "must be a mapping"),
    ("no kind", "code: abc\n", "kind", "is missing; write 'kind: service'"),
    ("number as key", "kind: service\n1: x\n", "", "the key 1 is not text"),
]


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [pytest.param(text, path, fragment, id=name) for name, text, path, fragment in RAW_CASES],
)
def test_unreadable_file_is_rejected_with_line(
    departments: Any, actor: Any, write: Any, text: str, path: str, fragment: str
) -> None:
    file = write("broken.yaml", text)
    rejected([file], actor, [("broken.yaml", path, fragment)])


def test_every_problem_of_a_run_is_reported_not_only_the_first(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    data = fixture_data(RESIDENCE)
    data["department"] = "police"
    data["process"]["stages"][0]["steps"][0]["role"] = "clerk"
    data["materials"][3]["condition"] = "form.missing_field == 1"
    data["fee"]["currency"] = "rmb"
    path = write(RESIDENCE, data)
    broken = write("broken.yaml", "kind: service\ncode: [\n")

    problems = rejected(
        [path, broken],
        actor,
        [
            (RESIDENCE, "department", "unknown department 'police'"),
            (RESIDENCE, "process.stages[0].steps[0].role", "unknown role 'clerk'"),
            (RESIDENCE, "materials[3].condition", "has no field 'missing_field'"),
            (RESIDENCE, "fee.currency", "three-letter ISO 4217"),
            ("broken.yaml", "", "YAML syntax error"),
        ],
    )
    assert len(problems) == 5


def test_problem_names_the_line(departments: Any, actor: Any, write: Any) -> None:
    text = (SERVICES / RESIDENCE).read_text(encoding="utf-8")
    text = text.replace(
        "department: public_security\nlegal_basis", "department: police\nlegal_basis"
    )
    line = text.splitlines().index("department: police") + 1
    problems = rejected([write(RESIDENCE, text)], actor, [(RESIDENCE, "department", "police")])
    assert problems[0].reason.endswith(f"(line {line})")


def test_comma_in_flow_text_gets_a_hint(departments: Any, actor: Any, write: Any) -> None:
    text = (SERVICES / RESIDENCE).read_text(encoding="utf-8")
    text = text.replace("en: Full name}", "en: Full name, as on your ID}")
    rejected(
        [write(RESIDENCE, text)],
        actor,
        [
            (
                RESIDENCE,
                'form.properties.full_name.x-title["as on your ID"]',
                "put the whole text in quotes",
            ),
        ],
    )


def test_a_good_file_is_not_written_when_another_file_is_bad(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    good = write("outdoor-sign-permit.yaml", fixture_data("outdoor-sign-permit.yaml"))
    bad_data = fixture_data(RESIDENCE)
    bad_data["department"] = "police"
    bad = write(RESIDENCE, bad_data)
    rejected([good, bad], actor, [(RESIDENCE, "department", "police")])


def test_same_code_in_two_files(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    first = write("a.yaml", fixture_data(RESIDENCE))
    second = write("b.yaml", fixture_data(RESIDENCE))
    rejected(
        [first, second],
        actor,
        [
            ("b.yaml", "code", "the code 'residence-permit-renewal' is also defined in"),
        ],
    )


def test_paths_that_are_not_definition_files(actor: Any, tmp_path: Path, db: Any) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    before = row_counts()
    with pytest.raises(LoadError) as info:
        services.load_definitions(
            [tmp_path / "missing.yaml", tmp_path / "empty", tmp_path / "notes.txt"], actor=actor
        )
    reasons = sorted(p.reason for p in info.value.problems)
    assert reasons == [
        "is not a .yaml or .yml file",
        "no such file or folder",
        "the folder holds no .yaml or .yml file",
    ]
    assert row_counts() == before


def test_file_that_is_not_utf8(actor: Any, tmp_path: Path, db: Any) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("name: 居住证".encode("gbk"))
    with pytest.raises(LoadError) as info:
        services.load_definitions([path], actor=actor)
    assert "is not UTF-8 text" in info.value.problems[0].reason


# --- Bundles ----------------------------------------------------------------------------------


def test_bundle_naming_unknown_service(
    departments: Any, actor: Any, examples: Path, fixture_data: Any
) -> None:
    data = fixture_data("open-a-shop.yaml")
    data["services"][1]["code"] = "dog-licence"
    _dump(examples / "open-a-shop.yaml", data)
    rejected(
        [examples],
        actor,
        [
            ("open-a-shop.yaml", "services[1].code", "there is no service 'dog-licence'"),
        ],
    )


def test_bundle_with_incompatible_shared_field_names_both_files(
    departments: Any, actor: Any, examples: Path, fixture_data: Any
) -> None:
    data = fixture_data("employer-social-insurance.yaml")
    data["form"]["properties"]["premises_address"] = {
        "type": "object",
        "x-title": {"zh": "地址", "en": "Address"},
        "properties": {"street": {"type": "string", "x-title": {"zh": "街道", "en": "Street"}}},
    }
    _dump(examples / "employer-social-insurance.yaml", data)
    problems = rejected(
        [examples],
        actor,
        [
            (
                "open-a-shop.yaml",
                "services[1].code",
                "field 'premises_address': the field has type "
                '"string" in one and "object" in the other',
            ),
        ],
    )
    reason = next(p.reason for p in problems if p.path == "services[1].code")
    first, second = reason.split(" and employer-social-insurance (")
    assert first.endswith("business-registration.yaml: form.properties.premises_address)")
    assert second.startswith(str(examples / "employer-social-insurance.yaml"))


def test_bundle_with_different_enum_conflicts(
    departments: Any, actor: Any, examples: Path, fixture_data: Any
) -> None:
    for name, values in (
        ("business-registration.yaml", ["a", "b"]),
        ("outdoor-sign-permit.yaml", ["a", "c"]),
    ):
        data = fixture_data(name)
        data["form"]["properties"]["premises_address"]["enum"] = values
        _dump(examples / name, data)
    rejected(
        [examples],
        actor,
        [
            ("open-a-shop.yaml", "services[2].code", "field 'premises_address': the field allows"),
        ],
    )


def test_bundle_with_shared_material_of_no_common_file_type(
    departments: Any, actor: Any, examples: Path, fixture_data: Any
) -> None:
    data = fixture_data("employer-social-insurance.yaml")
    data["materials"][0]["file_types"] = [{"extension": ".png", "mime_type": "image/png"}]
    _dump(examples / "employer-social-insurance.yaml", data)
    problems = rejected(
        [examples],
        actor,
        [
            (
                "open-a-shop.yaml",
                "services[2].code",
                "material 'premises-proof': no file type is accepted by every",
            ),
        ],
    )
    assert "employer-social-insurance.yaml: materials[0].file_types" in " ".join(
        p.reason for p in problems
    )


def test_bundle_condition_naming_field_no_service_asks(
    departments: Any, actor: Any, examples: Path, fixture_data: Any
) -> None:
    data = fixture_data("open-a-shop.yaml")
    data["services"][2]["condition"] = "form.wants_sign"
    _dump(examples / "open-a-shop.yaml", data)
    rejected(
        [examples],
        actor,
        [
            (
                "open-a-shop.yaml",
                "services[2].condition",
                "the merged form of the bundle has no field 'wants_sign'",
            ),
        ],
    )


def test_bundle_audience_must_suit_every_service(
    departments: Any, actor: Any, examples: Path, fixture_data: Any
) -> None:
    data = fixture_data("outdoor-sign-permit.yaml")
    data["audience"] = "firm"
    _dump(examples / "outdoor-sign-permit.yaml", data)
    rejected(
        [examples],
        actor,
        [
            (
                "open-a-shop.yaml",
                "services[2].code",
                "the bundle is for 'person' but the service 'outdoor-sign-permit' "
                f"({examples / 'outdoor-sign-permit.yaml'}) is only for 'firm'",
            ),
        ],
    )


def test_bundle_with_one_service_and_a_repeat(
    departments: Any, actor: Any, examples: Path, fixture_data: Any
) -> None:
    data = fixture_data("open-a-shop.yaml")
    data["services"] = [{"code": "business-registration"}, {"code": "business-registration"}]
    _dump(examples / "open-a-shop.yaml", data)
    rejected(
        [examples],
        actor,
        [
            ("open-a-shop.yaml", "services[1].code", "already used at services[0].code"),
        ],
    )


def test_bundle_checks_against_stored_services(
    departments: Any, actor: Any, examples: Path, fixture_data: Any, write: Any
) -> None:
    services.load_definitions([examples], actor=actor)
    data = fixture_data("employer-social-insurance.yaml")
    data["code"] = "employer-registration-v2"
    data["form"]["properties"]["business_name"]["type"] = "integer"
    data["form"]["properties"]["business_name"].pop("maxLength")
    bundle = fixture_data("open-a-shop.yaml")
    bundle["services"][1]["code"] = "employer-registration-v2"
    problems = rejected(
        [write("employer-registration-v2.yaml", data), write("open-a-shop.yaml", bundle)],
        actor,
        [("open-a-shop.yaml", "services[1].code", "field 'business_name'")],
    )
    reason = next(p.reason for p in problems if p.path == "services[1].code")
    assert "stored version 1 (from business-registration.yaml)" in reason


def test_code_cannot_name_a_service_and_a_bundle(
    departments: Any, actor: Any, examples: Path, fixture_data: Any, write: Any
) -> None:
    services.load_definitions([examples], actor=actor)
    data = fixture_data("open-a-shop.yaml")
    data["code"] = "outdoor-sign-permit"
    rejected(
        [write("clash.yaml", data)],
        actor,
        [
            ("clash.yaml", "code", "'outdoor-sign-permit' is already the code of a service"),
        ],
    )


def test_bundle_cannot_hold_a_bundle(
    departments: Any, actor: Any, examples: Path, fixture_data: Any, write: Any
) -> None:
    services.load_definitions([examples], actor=actor)
    data = fixture_data("open-a-shop.yaml")
    data["code"] = "open-a-bigger-shop"
    data["services"][2]["code"] = "open-a-shop"
    rejected(
        [write("bigger.yaml", data)],
        actor,
        [
            ("bigger.yaml", "services[2].code", "'open-a-shop' is a bundle"),
        ],
    )


def test_bundle_naming_service_whose_file_is_unreadable_says_so(
    departments: Any, actor: Any, examples: Path
) -> None:
    (examples / "business-registration.yaml").write_text("kind: [", encoding="utf-8")
    rejected(
        [examples],
        actor,
        [
            ("business-registration.yaml", "", "YAML syntax error"),
            ("open-a-shop.yaml", "services[0].code", "a file of this run that could not be read"),
        ],
    )


def _dump(path: Path, data: dict[str, Any]) -> None:
    import yaml

    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_problems_are_in_the_readers_language(
    departments: Any, actor: Any, fixture_data: Any, write: Any
) -> None:
    from django.utils import translation

    data = fixture_data(RESIDENCE)
    data["process"]["stages"][0]["steps"][0]["role"] = "boss"
    path = write(RESIDENCE, data)
    with translation.override("zh-hans"), pytest.raises(LoadError) as info:
        services.load_definitions([path], actor=actor)
    reason = info.value.problems[0].reason
    assert reason.startswith("未知角色 'boss'；环节只能由以下角色办理：reviewer, approver")
    assert reason.endswith("行）")
