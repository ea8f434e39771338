"""Loading good definitions, and what a new, identical or changed file does to versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yiwang.audit.models import AuditEvent
from yiwang.catalogue import selectors, services
from yiwang.catalogue.constants import VersionState
from yiwang.catalogue.models import ServiceVersion
from yiwang.catalogue.tests.conftest import SERVICES, row_counts

pytestmark = pytest.mark.django_db

ALL_CODES = {
    "business-registration",
    "employer-social-insurance",
    "open-a-shop",
    "outdoor-sign-permit",
    "residence-permit-renewal",
}


def test_example_folder_loads_as_drafts(departments: Any, actor: Any) -> None:
    report = services.load_definitions([SERVICES], actor=actor)

    assert {o.code for o in report.outcomes} == ALL_CODES
    assert {o.action for o in report.outcomes} == {"created"}
    version = selectors.service_version("outdoor-sign-permit", 1)
    assert version.state == VersionState.DRAFT
    assert version.department_code == "urban_management"
    assert version.name_en == "Outdoor sign permit"
    assert version.source == "outdoor-sign-permit.yaml"
    assert version.created_by is None and version.created_by_label == "system:test"
    assert selectors.published_service("outdoor-sign-permit") is None
    created = AuditEvent.objects.filter(action="catalogue.service_version_created")
    assert created.count() == 4


def test_load_with_publish_publishes_services_and_bundle(departments: Any, actor: Any) -> None:
    services.load_definitions([SERVICES], actor=actor, publish=True)

    published = selectors.published_service("residence-permit-renewal")
    assert published is not None and published.number == 1
    assert published.published_at is not None
    bundle, versions, form = selectors.published_bundle_form("open-a-shop")
    assert bundle.number == 1
    assert set(versions) == {
        "business-registration",
        "employer-social-insurance",
        "outdoor-sign-permit",
    }
    assert "premises_address" in form.fields
    assert [e["code"] for e in selectors.life_events()] == ["start-a-business"]


def test_single_file_loads(departments: Any, actor: Any) -> None:
    report = services.load_definitions([SERVICES / "residence-permit-renewal.yaml"], actor=actor)
    assert [(o.code, o.version, o.action) for o in report.outcomes] == [
        ("residence-permit-renewal", 1, "created")
    ]


def test_identical_content_is_a_no_op(departments: Any, actor: Any) -> None:
    services.load_definitions([SERVICES], actor=actor)
    before = row_counts()

    report = services.load_definitions([SERVICES], actor=actor)

    assert {o.action for o in report.outcomes} == {"unchanged"}
    assert report.changed == []
    assert row_counts() == before


def test_changed_content_makes_a_new_version_and_keeps_the_old(
    departments: Any, actor: Any, examples: Path, fixture_data: Any, write: Any
) -> None:
    services.load_definitions([examples], actor=actor, publish=True)
    first = selectors.published_service("residence-permit-renewal")
    assert first is not None
    first_definition = dict(first.definition)

    changed = fixture_data("residence-permit-renewal.yaml")
    changed["fee"]["amount"] = 15
    path = write("residence-permit-renewal.yaml", changed)
    report = services.load_definitions([path], actor=actor)

    assert [(o.version, o.action) for o in report.outcomes] == [(2, "created")]
    # The published version is untouched until the new one is published.
    still = selectors.published_service("residence-permit-renewal")
    assert still is not None and still.number == 1 and still.definition == first_definition
    draft = selectors.service_version("residence-permit-renewal", 2)
    assert draft.state == VersionState.DRAFT
    assert draft.definition["fee"]["amount"] == 15

    services.publish_definition(actor=actor, code="residence-permit-renewal")

    old = selectors.service_version("residence-permit-renewal", 1)
    assert old.state == VersionState.RETIRED
    assert old.definition == first_definition  # an application on v1 keeps v1's content
    new = selectors.published_service("residence-permit-renewal")
    assert new is not None and new.number == 2


def test_publish_flag_on_identical_draft_publishes_it(departments: Any, actor: Any) -> None:
    services.load_definitions([SERVICES], actor=actor)
    report = services.load_definitions([SERVICES], actor=actor, publish=True)

    assert {o.action for o in report.outcomes} == {"published"}
    assert ServiceVersion.objects.filter(state=VersionState.PUBLISHED).count() == 4


def test_validate_writes_nothing(departments: Any) -> None:
    before = row_counts()
    parsed = services.validate_definitions([SERVICES])
    assert {p.code for p in parsed} == ALL_CODES
    assert row_counts() == before


def test_a_definition_keeps_the_order_its_author_wrote(
    departments: Any, actor: Any, tmp_path: Path
) -> None:
    text = (SERVICES / "outdoor-sign-permit.yaml").read_text(encoding="utf-8")
    group = (
        "    contact:\n"
        "      type: object\n"
        "      x-title: {zh: 联系人, en: Contact}\n"
        "      properties:\n"
        "        surname: {type: string, x-title: {zh: 姓, en: Surname}}\n"
        "        given_names: {type: string, x-title: {zh: 名, en: Given names}}\n"
        "        tel: {type: string, x-title: {zh: 电话, en: Telephone}}\n"
        "    business_name:\n"
    )
    text = text.replace("    business_name:\n", group, 1)
    text = text.replace(
        "fields: [business_name, premises_address]",
        "fields: [contact, business_name, premises_address]",
    )
    (tmp_path / "outdoor-sign-permit.yaml").write_text(text, encoding="utf-8")
    services.load_definitions([tmp_path], actor=actor)

    stored = selectors.service_version("outdoor-sign-permit", 1).definition
    form = stored["form"]
    # PostgreSQL's jsonb would sort these by length (tel, surname, given_names).
    assert list(form["properties"]["contact"]["properties"]) == ["surname", "given_names", "tel"]
    assert list(form["properties"])[:3] == ["contact", "business_name", "premises_address"]
    assert list(stored)[:3] == ["kind", "code", "name"]
