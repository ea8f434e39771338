"""Exchange definition files follow the rules of every definition file the platform loads.

YAML 1.2 plain values, a repeated key refused, the path inside the file and the line in every
message, in the reader's language, and nothing written when anything is wrong.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import translation

from yiwang.core.errors import LoadError, LoadProblem
from yiwang.exchange import loaders
from yiwang.exchange.loaders.files import Document
from yiwang.exchange.models import DataElement

from .conftest import DEFINITIONS, World


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are compared in English unless a test says otherwise."""
    with translation.override("en"):
        yield


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def row_counts() -> dict[str, int]:
    """Rows of every exchange table and of the audit log."""
    models = [*apps.get_app_config("exchange").get_models(), apps.get_model("audit", "AuditEvent")]
    return {model._meta.label: model._default_manager.count() for model in models}


def rejected(paths: list[Path], **kwargs: Any) -> list[LoadProblem]:
    """The load fails, and not one row of any exchange table or of the audit log changed."""
    before = row_counts()
    with pytest.raises(LoadError) as caught:
        loaders.load_definitions(paths, **kwargs)
    assert row_counts() == before
    return caught.value.problems


def named(problems: list[LoadProblem]) -> list[tuple[str, str, str]]:
    return [(Path(p.file).name, p.path, p.reason) for p in problems]


ELEMENT = """
elements:
  - code: marital_status
    name: {zh: 婚姻状况, en: Marital status}
    type: enum
    format:
      enumeration:
        - {value: no, title: {zh: 未婚, en: Never married}}
        - {value: yes, title: {zh: 已婚, en: Married}}
        - {value: off, title: {zh: 离异, en: Divorced}}
        - {value: 01, title: {zh: 丧偶, en: Widowed}}
        - {value: 01:30, title: {zh: 其他, en: Other}}
    classification: internal
    personal: true
"""


def test_a_repeated_key_is_refused_naming_file_path_and_key(world: World, tmp_path: Path) -> None:
    good = write(tmp_path, "10-elements.yaml", ELEMENT)
    repeated = write(
        tmp_path,
        "20-registries.yaml",
        """
        registries:
          - code: people
            name: {zh: 人口库, en: People}
            department: registrar
            subject: {kind: person, field: marital_status}
            department: commerce
            fields: [{element: marital_status, required: true}]
        """,
    )
    problems = named(rejected([good, repeated]))
    assert problems == [
        (
            "20-registries.yaml",
            "registries[0].department",
            "the key 'department' appears twice in the same mapping (first on line 4) (line 6)",
        )
    ]


def test_a_repeated_key_deep_inside_a_list_is_named_by_its_path(
    world: World, tmp_path: Path
) -> None:
    repeated = write(
        tmp_path,
        "elements.yaml",
        ELEMENT.replace(
            "{value: off, title: {zh: 离异, en: Divorced}}",
            "{value: off, title: {zh: 离异, en: Divorced, zh: 离婚}}",
        ),
    )
    [(file, path, reason)] = named(rejected([repeated]))
    assert (file, path) == ("elements.yaml", "elements[0].format.enumeration[2].title.zh")
    assert "the key 'zh' appears twice" in reason and "(line 9)" in reason


def test_a_repeated_key_reads_in_the_readers_language(world: World, tmp_path: Path) -> None:
    repeated = write(tmp_path, "elements.yaml", ELEMENT + "    personal: false\n")
    with translation.override("zh-hans"):
        [(file, path, reason)] = named(rejected([repeated]))
    assert (file, path) == ("elements.yaml", "elements[0].personal")
    assert "'personal'" in reason and "出现了两次" in reason and "第 14 行" in reason


def test_yaml_1_1_booleans_and_sexagesimals_stay_text(world: World, tmp_path: Path) -> None:
    loaders.load_definitions([write(tmp_path, "elements.yaml", ELEMENT)])
    element = DataElement.objects.get(code="marital_status")
    assert [o["value"] for o in element.format["enumeration"]] == [
        "no",
        "yes",
        "off",
        "01",
        "01:30",
    ]


def test_yes_is_not_true(world: World, tmp_path: Path) -> None:
    bad = write(tmp_path, "elements.yaml", ELEMENT.replace("personal: true", "personal: yes"))
    assert named(rejected([bad])) == [
        ("elements.yaml", "elements[0].personal", "must be true or false, not text (line 13)")
    ]


def test_a_sexagesimal_bound_is_not_a_number(world: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "elements.yaml",
        """
        elements:
          - code: minutes
            name: {zh: 分钟, en: Minutes}
            type: integer
            format: {minimum: 0, maximum: 1:30}
            classification: public
            personal: false
        """,
    )
    [(file, path, reason)] = named(rejected([bad]))
    assert (file, path) == ("elements.yaml", "elements[0].format.maximum")
    assert reason.startswith(
        "not a valid bound for an element of type integer: Enter a whole number."
    )
    assert reason.endswith("(line 5)")


def test_schema_errors_name_the_path_and_line(world: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "registries.yaml",
        """
        registries:
          - code: people
            name: {zh: 人口库, en: People}
            department: registrar
            subject: {kind: person, field: national_id}
            fields:
              - {element: national_id, required: true}
              - {element: person_name, required: maybe}
            colour: blue
          - code: Firms
            name: {zh: 企业库}
            department: commerce
            subject: {kind: firm, field: uscc}
            fields: [{element: uscc, required: true}]
        """,
    )
    problems = named(rejected([bad]))
    # In the order the schema is checked, which is not always the order of the lines.
    assert len(problems) == 4
    assert set(problems) == {
        (
            "registries.yaml",
            "registries[0].fields[1].required",
            "must be true or false, not text (line 8)",
        ),
        (
            "registries.yaml",
            "registries[0].colour",
            "unknown key 'colour'; allowed keys here: code, connector, department, description, "
            "fields, name, record_key, storage, subject (line 9)",
        ),
        (
            "registries.yaml",
            "registries[1].code",
            '"Firms" is not valid: must be ^[a-z][a-z0-9_]*$ (line 10)',
        ),
        ("registries.yaml", "registries[1].name.en", "is missing; this key is required (line 11)"),
    }


def test_a_bad_regular_expression_says_why(world: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "elements.yaml",
        """
        elements:
          - code: licence_number
            name: {zh: 许可证号, en: Licence number}
            type: string
            format: {pattern: "[0-9"}
            classification: public
            personal: false
        """,
    )
    assert named(rejected([bad])) == [
        (
            "elements.yaml",
            "elements[0].format.pattern",
            '"[0-9" is not a valid regular expression: unterminated character set at '
            "position 0 (line 5)",
        )
    ]


def test_a_connector_on_a_hosted_registry_is_named(loaded: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "registries.yaml",
        """
        registries:
          - code: extra
            name: {zh: 额外, en: Extra}
            department: registrar
            subject: {kind: person, field: national_id}
            connector: {type: test-remote}
            fields: [{element: national_id, required: true}]
        """,
    )
    assert named(rejected([bad])) == [
        (
            "registries.yaml",
            "registries[0].connector",
            "is not allowed here; this key goes only with other settings (line 6)",
        )
    ]


def test_checks_against_the_database_name_path_and_line(loaded: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "agreements.yaml",
        """
        agreements:
          - code: welfare_people_more
            name: {zh: 更多, en: More}
            consumer: welfare
            registry: people
            fields: [person_name, shoe_size]
            purposes: [benefit_assessment]
            legal_basis: {zh: 条例, en: Regulation}
            sharing_class: conditional
            conditions: {requires_open_case: true}
            valid_from: "2026-01-01"
        """,
    )
    [(file, path, reason)] = named(rejected([bad]))
    assert (file, path) == ("agreements.yaml", "agreements[0].fields[1]")
    assert "no field 'shoe_size'" in reason and reason.endswith("(line 6)")


def test_a_failed_run_after_good_files_leaves_every_table_as_it_was(
    loaded: World, tmp_path: Path
) -> None:
    # The elements and registries are new and fine, and are written inside the run before the
    # agreement fails: the whole run is rolled back.
    elements = write(tmp_path, "10-elements.yaml", ELEMENT)
    registries = write(
        tmp_path,
        "20-registries.yaml",
        """
        registries:
          - code: marriages
            name: {zh: 婚姻库, en: Marriages}
            department: registrar
            subject: {kind: person, field: national_id}
            fields:
              - {element: national_id, required: true}
              - {element: marital_status}
        """,
    )
    agreements = write(
        tmp_path,
        "30-agreements.yaml",
        """
        agreements:
          - code: welfare_marriages
            name: {zh: 婚姻, en: Marriages}
            consumer: nowhere
            registry: marriages
            fields: [marital_status]
            purposes: [benefit_assessment]
            legal_basis: {zh: 条例, en: Regulation}
            sharing_class: conditional
            conditions: {requires_open_case: true}
            valid_from: "2026-01-01"
        """,
    )
    problems = named(rejected([elements, registries, agreements], approve_as=["reg.officer"]))
    assert [(f, p) for f, p, _ in problems] == [("30-agreements.yaml", "agreements[0].consumer")]
    assert not DataElement.objects.filter(code="marital_status").exists()


def test_every_file_of_a_run_is_read_before_anything_is_refused(
    loaded: World, tmp_path: Path
) -> None:
    repeated = write(tmp_path, "a.yaml", "elements: []\nelements: []\n")
    unknown = write(tmp_path, "b.yaml", "element: []\n")
    mixed = write(tmp_path, "c.yaml", "elements: []\nagreements: []\n")
    text = write(tmp_path, "d.txt", "elements: []\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    problems = named(rejected([repeated, unknown, mixed, text, empty, tmp_path / "gone.yaml"]))
    assert problems == [
        ("d.txt", "", "is not a .yaml or .yml file"),
        ("empty", "", "the folder holds no .yaml or .yml file"),
        ("gone.yaml", "", "no such file or folder"),
        (
            "a.yaml",
            "elements",
            "the key 'elements' appears twice in the same mapping (first on line 1) (line 2)",
        ),
        (
            "b.yaml",
            "element",
            "unknown top-level key 'element'; did you mean 'elements'?; expected elements, "
            "registries, purposes or agreements (line 1)",
        ),
        (
            "c.yaml",
            "",
            "a file holds one kind of definition: elements, registries, or purposes and "
            "agreements (line 1)",
        ),
    ]


def test_the_fixture_definitions_still_load_unchanged(loaded: World) -> None:
    before = row_counts()
    report = loaders.load_definitions([DEFINITIONS])
    assert not report.changed
    assert row_counts() == before


def test_a_path_a_check_reports_as_text_is_placed_inside_the_item() -> None:
    doc = Document(
        "registries.yaml",
        {},
        {("registries", 0): 2, ("registries", 0, "connector"): 7},
        "registries",
    )
    placed = doc.problem_below(("registries", 0), "connector.fields.national_id", "wrong")
    assert placed == LoadProblem(
        "registries.yaml", "registries[0].connector.fields.national_id", "wrong (line 7)"
    )
    odd = doc.problem_below(("registries", 0), "connector..x", "wrong")
    assert odd == LoadProblem("registries.yaml", "registries[0].connector..x", "wrong (line 2)")
