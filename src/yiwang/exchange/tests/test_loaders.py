"""Definition files: all or nothing, every problem named by file, path and reason."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from yiwang.core.errors import LoadError
from yiwang.exchange import constants, loaders
from yiwang.exchange.constants import AgreementState
from yiwang.exchange.models import (
    DataElement,
    Purpose,
    Registry,
    RegistryField,
    SharingAgreement,
)

from .conftest import DEFINITIONS, World, events_after, last_event_id

REPO_SCHEMAS = Path(__file__).resolve().parents[4] / "schemas"


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are compared in English, whatever the site's default language is."""
    from django.utils import translation

    with translation.override("en"):
        yield


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(paths: list[Path], **kwargs: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(LoadError) as caught:
        loaders.load_definitions(paths, **kwargs)
    return [(Path(p.file).name, p.path, p.reason) for p in caught.value.problems]


def counts() -> tuple[int, ...]:
    return (
        DataElement.objects.count(),
        Purpose.objects.count(),
        Registry.objects.count(),
        RegistryField.objects.count(),
        SharingAgreement.objects.count(),
    )


def test_the_committed_schemas_are_the_ones_the_loader_uses() -> None:
    for name in loaders.SCHEMAS.values():
        assert (REPO_SCHEMAS / name).read_text() == (loaders.SCHEMA_DIR / name).read_text(), name


def test_fixture_definitions_load_and_reload_without_change(world: World) -> None:
    report = loaders.load_definitions([DEFINITIONS], approve_as=["reg.officer", "com.officer"])
    assert sorted(report.created["registries"]) == [
        "certificates",
        "contributions",
        "firms",
        "people",
        "remote_people",
    ]
    assert sorted(report.approved) == sorted(report.created["agreements"])
    assert SharingAgreement.objects.filter(state=AgreementState.APPROVED).count() == 3
    people = Registry.objects.get(code="people")
    assert people.department.code == "registrar"
    assert list(people.fields.values_list("name", flat=True)) == [
        "national_id",
        "person_name",
        "birth_date",
        "sex",
        "address",
    ]
    sex = DataElement.objects.get(code="sex").spec()
    assert [o.value for o in sex.options] == ["1", "2"] and sex.options[1].title_en == "Female"

    mark = last_event_id()
    before = counts()
    again = loaders.load_definitions([DEFINITIONS], approve_as=["reg.officer", "com.officer"])
    assert not again.changed
    assert counts() == before
    assert events_after(mark) == []


def test_agreements_load_as_requested_without_approve_as(world: World) -> None:
    loaders.load_definitions([DEFINITIONS])
    states = set(SharingAgreement.objects.values_list("state", flat=True))
    assert states == {AgreementState.REQUESTED}
    # A later run approves them.
    report = loaders.load_definitions([DEFINITIONS], approve_as=["reg.officer", "com.officer"])
    assert len(report.approved) == 3


def test_loading_writes_audit_events(world: World) -> None:
    mark = last_event_id()
    loaders.load_definitions([DEFINITIONS], approve_as=["reg.officer", "com.officer"])
    actions = [e.action for e in events_after(mark)]
    assert actions.count(constants.ACTION_AGREEMENT_REQUESTED) == 3
    assert actions.count(constants.ACTION_AGREEMENT_APPROVED) == 3
    assert actions.count(constants.ACTION_DEFINITIONS_LOADED) == 1
    approvals = events_after(mark, constants.ACTION_AGREEMENT_APPROVED)
    assert sorted(e.actor_department for e in approvals) == ["commerce", "registrar", "registrar"]
    assert {e.actor_role for e in approvals} == {"data_officer"}
    assert {e.actor_id for e in approvals} == {
        str(loaded_officer.pk)
        for loaded_officer in (world.registrar_officer, world.commerce_officer)
    }


def test_element_problems_name_file_path_and_reason(world: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "elements.yaml",
        """
        elements:
          - code: good
            name: {zh: 好, en: Good}
            type: string
            classification: public
            personal: false
          - code: broken_pattern
            name: {zh: 坏, en: Bad}
            type: string
            format: {pattern: "[0-9"}
            classification: public
            personal: false
          - code: good
            name: {zh: 又, en: Again}
            type: string
            classification: public
            personal: false
          - code: weird
            name: {zh: 怪, en: Weird}
            type: colour
            classification: public
            personal: false
    """,
    )
    found = problems_of([bad])
    paths = {(f, p) for f, p, _ in found}
    assert ("elements.yaml", "elements[1].format.pattern") in paths
    assert ("elements.yaml", "elements[3].type") in paths
    reasons = {p: r for _, p, r in found}
    assert "regular expression" in reasons["elements[1].format.pattern"]
    assert counts() == (0, 0, 0, 0, 0)


def test_semantic_element_problems(world: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "elements.yaml",
        """
        elements:
          - code: a
            name: {zh: 甲, en: A}
            type: integer
            format: {pattern: "[0-9]+", minimum: 10, maximum: 1}
            classification: public
            personal: false
          - code: b
            name: {zh: 乙, en: B}
            type: enum
            format: {enumeration: [{value: x, title: {zh: 叉, en: X}},
                                   {value: x, title: {zh: 叉, en: X}}]}
            classification: public
            personal: false
          - code: a
            name: {zh: 甲, en: A}
            type: boolean
            classification: public
            personal: false
          - code: c
            name: {zh: 丙, en: C}
            type: enum
            classification: public
            personal: false
    """,
    )
    found = problems_of([bad])
    paths = [p for _, p, _ in found]
    assert "elements[3].format" in paths  # enum without format: schema
    # Schema problems stop the run before semantic checks: fix that one and look again.
    text = bad.read_text()
    bad.write_text(text[: text.index("  - code: c")])
    found = problems_of([bad])
    reasons = {p: r for _, p, r in found}
    assert "does not apply" in reasons["elements[0].format.pattern"]
    assert "more than maximum" in reasons["elements[0].format.minimum"]
    assert "duplicate value" in reasons["elements[1].format.enumeration[1].value"]
    assert "duplicate code 'a'" in reasons["elements[2].code"]


def test_registry_problems_and_nothing_half_loaded(world: World, tmp_path: Path) -> None:
    elements = write(
        tmp_path,
        "10-elements.yaml",
        """
        elements:
          - code: national_id
            name: {zh: 公民身份号码, en: Citizen ID number}
            type: string
            classification: sensitive
            personal: true
          - code: age
            name: {zh: 年龄, en: Age}
            type: integer
            classification: internal
            personal: true
    """,
    )
    registries = write(
        tmp_path,
        "20-registries.yaml",
        """
        registries:
          - code: people
            name: {zh: 人口库, en: People}
            department: nowhere
            subject: {kind: person, field: national_id}
            fields:
              - {element: national_id}
              - {element: shoe_size}
              - {name: age, element: age}
              - {name: age, element: national_id}
          - code: ages
            name: {zh: 年龄库, en: Ages}
            department: registrar
            subject: {kind: person, field: age}
            fields:
              - {element: age, required: true}
    """,
    )
    found = problems_of([elements, registries])
    reasons = {p: r for f, p, r in found if f == "20-registries.yaml"}
    assert "no department" in reasons["registries[0].department"]
    assert "unknown data element 'shoe_size'" in reasons["registries[0].fields[1].element"]
    assert "declared twice" in reasons["registries[0].fields[3].name"]
    assert "must be required" in reasons["registries[0].subject.field"]
    assert "must be a string element" in reasons["registries[1].subject.field"]
    # The element file was fine, but nothing of the run was kept.
    assert counts() == (0, 0, 0, 0, 0)


def test_remote_registry_needs_a_connector(world: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "registries.yaml",
        """
        registries:
          - code: remote
            name: {zh: 远程, en: Remote}
            department: registrar
            subject: {kind: person, field: national_id}
            storage: remote
            fields: [{element: national_id, required: true}]
    """,
    )
    [(_, path, reason)] = problems_of([bad])
    assert path == "registries[0].connector" and "required" in reason


def test_agreement_problems(loaded: World, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "agreements.yaml",
        """
        agreements:
          - code: bad_one
            name: {zh: 坏, en: Bad}
            consumer: nowhere
            registry: people
            fields: [person_name, shoe_size]
            purposes: [gossip, benefit_assessment]
            legal_basis: {zh: 条例, en: Regulation, url: "ftp://example.org/x"}
            sharing_class: conditional
            masking: {person_name: birth_year_only, address: hide}
            conditions: {roles: [wizard, reviewer]}
            valid_from: "2026-06-01"
            valid_until: "2026-01-01"
          - code: firms_consent
            name: {zh: 企业, en: Firms}
            consumer: welfare
            registry: firms
            fields: [firm_name]
            purposes: [statistics]
            legal_basis: {zh: 条例, en: Regulation}
            sharing_class: conditional
            conditions: {requires_consent: true}
            valid_from: "2026-01-01"
    """,
    )
    found = problems_of([bad])
    reasons = {p: r for _, p, r in found}
    assert "no active department" in reasons["agreements[0].consumer"]
    assert "did you mean" not in reasons["agreements[0].consumer"]  # 'nowhere' is close to none
    assert "no field 'shoe_size'" in reasons["agreements[0].fields[1]"]
    # Paths name the items where they stand in the file (not in sorted order).
    assert "unknown purpose 'gossip'" in reasons["agreements[0].purposes[0]"]
    assert "http" in reasons["agreements[0].legal_basis.url"]
    assert "does not apply to a string" in reasons["agreements[0].masking.person_name"]
    assert "not one of the agreement's fields" in reasons["agreements[0].masking.address"]
    assert "unknown role 'wizard'" in reasons["agreements[0].conditions.roles[0]"]
    assert "ends before" in reasons["agreements[0].valid_until"]
    assert "persons" in reasons["agreements[1].conditions.requires_consent"]
    assert not SharingAgreement.objects.filter(code__in=["bad_one", "firms_consent"]).exists()


def test_decided_agreements_never_change_through_a_file(loaded: World, tmp_path: Path) -> None:
    source = (DEFINITIONS / "40-agreements.yaml").read_text(encoding="utf-8")
    changed = write(
        tmp_path,
        "agreements.yaml",
        source.replace(
            "fields: [person_name, birth_date, sex]",
            "fields: [person_name, birth_date, sex, address]",
        ),
    )
    found = problems_of([changed])
    [(_name, path, reason)] = found
    assert path == "agreements[0]" and "revoke it" in reason
    assert SharingAgreement.objects.get(code="welfare_people_basic").fields == [
        "person_name",
        "birth_date",
        "sex",
    ]


def test_approve_as_must_be_a_data_officer_of_the_provider(world: World) -> None:
    found = problems_of([DEFINITIONS], approve_as=["reg.officer"])
    assert any("com.officer" not in r and "'commerce'" in r for _, _, r in found)
    assert counts() == (0, 0, 0, 0, 0)
    found = problems_of([DEFINITIONS], approve_as=["nobody"])
    assert found == [("--approve-as", "nobody", "no active account with this name")]


def test_fields_used_by_an_agreement_cannot_be_removed(loaded: World, tmp_path: Path) -> None:
    source = (DEFINITIONS / "30-registries.yaml").read_text(encoding="utf-8")
    smaller = write(tmp_path, "registries.yaml", source.replace("      - {element: sex}\n", ""))
    found = problems_of([smaller])
    assert any(p == "registries[0].fields" and "welfare_people_basic" in r for _, p, r in found)


def test_element_type_cannot_change_under_a_registry(loaded: World, tmp_path: Path) -> None:
    source = (DEFINITIONS / "10-elements.yaml").read_text(encoding="utf-8")
    changed = write(
        tmp_path,
        "elements.yaml",
        source.replace(
            "  - code: insured\n    name: {zh: 参保状态, en: Insured}\n    type: boolean",
            "  - code: insured\n    name: {zh: 参保状态, en: Insured}\n    type: string",
        ),
    )
    found = problems_of([changed])
    assert any(p.endswith(".type") and "contributions" in r for _, p, r in found)


def test_new_fields_and_names_update_in_place(loaded: World, tmp_path: Path) -> None:
    source = (DEFINITIONS / "30-registries.yaml").read_text(encoding="utf-8")
    changed = write(
        tmp_path,
        "registries.yaml",
        source.replace(
            "      - {element: address}\n",
            "      - {element: address}\n      - {element: insured}\n",
        ).replace("{zh: 人口库, en: People registry}", "{zh: 人口库, en: Population registry}"),
    )
    report = loaders.load_definitions([changed])
    assert report.updated["registries"] == ["people"]
    people = Registry.objects.get(code="people")
    assert people.name_en == "Population registry"
    assert people.fields.filter(name="insured").exists()


def test_yaml_and_shape_errors(world: World, tmp_path: Path) -> None:
    broken = write(tmp_path, "broken.yaml", "elements:\n  - code: [unclosed\n")
    mixed = write(tmp_path, "mixed.yaml", "elements: []\nregistries: []\n")
    unknown = write(tmp_path, "unknown.yaml", "services: []\n")
    found = problems_of([broken, mixed, unknown])
    assert found[0][0] == "broken.yaml" and "YAML syntax error at line" in found[0][2]
    assert found[1][0] == "mixed.yaml" and "one kind" in found[1][2]
    assert found[2][:2] == ("unknown.yaml", "services")


def test_dry_run_writes_nothing(world: World) -> None:
    report = loaders.load_definitions([DEFINITIONS], dry_run=True)
    assert report.created["elements"]
    assert counts() == (0, 0, 0, 0, 0)


def test_an_agreements_history_names_the_platform_and_the_file_not_its_path(world: World) -> None:
    from yiwang.exchange.selectors import agreement_history

    loaders.load_definitions([DEFINITIONS], approve_as=["reg.officer", "com.officer"])
    agreement = SharingAgreement.objects.filter(registry__code="people").first()
    assert agreement is not None
    with translation.override("en"):
        history = agreement_history(actor=world.registrar_officer, agreement=agreement)
    approved = [e for e in history if e.action == constants.ACTION_AGREEMENT_APPROVED]
    assert len(approved) == 1
    # Kept as written, in the platform's language, whatever the reader's.
    with translation.override(settings.LANGUAGE_CODE):
        expected = translation.gettext("Approved on loading %(file)s.") % {
            "file": "40-agreements.yaml"
        }
    assert approved[0].note == expected
    requested = [e for e in history if e.action == constants.ACTION_AGREEMENT_REQUESTED]
    assert [e.actor for e in requested] == ["The platform"]


def test_a_mistyped_department_gets_the_close_codes(world: World) -> None:
    from yiwang.exchange.services.agreements import check_terms
    from yiwang.exchange.types import AgreementTerms, LegalBasis

    terms = AgreementTerms(
        code="typo",
        name_zh="错",
        name_en="Typo",
        consumer="welfere",
        registry="people",
        fields=("person_name",),
        purposes=("benefit_assessment",),
        legal_basis=LegalBasis("条例", "Regulation"),
        sharing_class="conditional",
        valid_from=dt.date(2026, 1, 1),
    )
    with translation.override("en"):
        reasons = dict(check_terms(terms))
    assert reasons["consumer"] == (
        "no active department with the code 'welfere'; did you mean 'welfare'?"
    )
