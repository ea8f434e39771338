"""Once-only prefill: registry answers read through the exchange, confirmed, locked, reported."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from yiwang.applications import prefill, selectors, services
from yiwang.applications.models import Application
from yiwang.applications.tests.conftest import pdf_bytes, upload
from yiwang.applications.types import FormInvalid, SubmissionIncomplete
from yiwang.exchange import selectors as exchange_selectors
from yiwang.exchange import services as exchange
from yiwang.exchange.loaders import load_definitions as load_exchange
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    RegionFactory,
    StaffFactory,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "prefill"


@pytest.fixture
def pworld(db: Any) -> dict[str, Any]:
    """Two departments: the registrar owns the registries, civil affairs owns the service."""
    from yiwang.audit.actors import system_actor
    from yiwang.catalogue import services as catalogue

    nation = RegionFactory(code="CN", level="nation")
    district = RegionFactory(code="990103", parent=nation)
    registrar = DepartmentFactory(code="registrar", region=district, name_en="Registrar")
    civil = DepartmentFactory(code="civil", region=district, name_en="Civil affairs")
    StaffFactory(
        username="reg.officer", membership__department=registrar, membership__role=Role.DATA_OFFICER
    )
    officer = StaffFactory(
        username="civ.officer", membership__department=civil, membership__role=Role.DATA_OFFICER
    )
    load_exchange([FIXTURES / "exchange"], actor=officer, approve_as=["reg.officer"])
    catalogue.load_definitions([FIXTURES / "services"], actor=system_actor("test"), publish=True)
    citizen = CitizenFactory(username="mother", display_name="Li Hua")
    registrar_officer = registrar_officer_of()
    national_id = citizen.person.national_id
    exchange.create_record(
        actor=registrar_officer,
        registry="people",
        reason="initial load",
        values={"national_id": national_id, "person_name": "李华", "address": "示例路1号"},
    )
    exchange.create_record(
        actor=registrar_officer,
        registry="certificates",
        reason="initial load",
        values={
            "certificate_number": "B1234567",
            "holder_national_id": national_id,
            "holder_name": "李华",
        },
    )
    StaffFactory(
        username="civil.reviewer", membership__department=civil, membership__role="reviewer"
    )
    return {"citizen": citizen, "registrar": registrar, "civil": civil}


def registrar_officer_of() -> Any:
    from yiwang.identity.models import Account

    return Account.objects.get(username="reg.officer")


def start(citizen: Any) -> Application:
    return services.start_application(actor=citizen, service_code="family-registration")


def test_prefill_reads_through_the_exchange_into_the_persons_access_log(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = start(citizen)
    snapshot = services.prefill_application(actor=citizen, application=app)

    assert snapshot.fields["full_name"]["status"] == prefill.Status.FOUND
    assert snapshot.fields["full_name"]["value"] == "李华"
    assert snapshot.fields["full_name"]["registry"] == "people"
    assert snapshot.fields["full_name"]["version"] == 1
    assert snapshot.fields["address"]["value"] == "示例路1号"
    assert snapshot.fields["certificate_number"]["value"] == "B1234567"
    assert snapshot.materials["certificate-copy"]["status"] == prefill.Status.FOUND
    # Nothing is used before the person confirms.
    app.refresh_from_db()
    assert "full_name" not in app.form_data

    # One read per (department, registry, purpose, subject): people, certificates, residence,
    # each on the person's own "who used my data" page.
    seen = exchange_selectors.access_log_for(actor=citizen, person=citizen.person)
    assert len(seen) == 3
    assert {row.department_code for row in seen} == {"civil"}
    assert {row.case_ref for row in seen} == {f"draft-{app.pk}"}
    served = {row.registry_code: row.outcome for row in seen}
    assert served == {"people": "served", "certificates": "served", "residence": "denied"}
    assert {row.registry_code for row in seen} == {"people", "certificates", "residence"}


def test_unreachable_registry_falls_back_to_asking_the_person(pworld: Any) -> None:
    citizen = pworld["citizen"]
    snapshot = services.prefill_application(actor=citizen, application=start(citizen))
    entry = snapshot.fields["home_address"]
    assert entry["status"] == prefill.Status.UNAVAILABLE
    assert "value" not in entry
    message = prefill.fallback_message(entry, "Residence registry")
    assert "could not be reached" in message
    assert "answer this yourself" in message


def test_refused_read_falls_back_to_asking_the_person(pworld: Any) -> None:
    citizen = pworld["citizen"]
    exchange.suspend_agreement(actor=registrar_officer_of(), agreement="civil_people", note="audit")
    app = start(citizen)
    snapshot = services.prefill_application(actor=citizen, application=app)
    assert snapshot.fields["full_name"]["status"] == prefill.Status.REFUSED
    assert snapshot.fields["full_name"]["reason"] == "suspended"
    assert "not allowed" in prefill.fallback_message(snapshot.fields["full_name"], "People")
    services.confirm_prefill(actor=citizen, application=app)
    app.refresh_from_db()
    # The person types it: nothing is locked.
    saved = services.save_draft(
        actor=citizen, application=app, data={"full_name": "Li Hua"}, page="who"
    )
    assert saved.application.form_data["full_name"] == "Li Hua"
    assert app.fields_prefilled == 1  # only the certificate number


def test_open_case_agreement_needs_the_applicants_own_live_application(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = start(citizen)
    ref = prefill.application_reference(app)
    nid = citizen.person.national_id
    assert prefill.check_open_case(
        case_ref=ref, subject_kind="person", subject_key=nid, consumer="civil"
    )
    other = CitizenFactory(username="someone.else").person.national_id
    assert not prefill.check_open_case(
        case_ref=ref, subject_kind="person", subject_key=other, consumer="civil"
    )
    assert not prefill.check_open_case(
        case_ref=ref, subject_kind="person", subject_key=nid, consumer="registrar"
    )
    assert not prefill.check_open_case(
        case_ref="draft-999999", subject_kind="person", subject_key=nid, consumer="civil"
    )
    # Without a case reference the conditional agreement refuses the platform's read.
    requester = exchange.platform_requester(department="civil")
    result = exchange.read(
        requester=requester,
        subject=nid,
        fields=["person_name"],
        purpose="registration",
        registry="people",
    )
    assert not result.allowed
    assert result.reason == "no_open_case"


def test_confirm_fills_locks_and_counts(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = start(citizen)
    services.prefill_application(actor=citizen, application=app)
    services.confirm_prefill(actor=citizen, application=app)
    app.refresh_from_db()
    assert app.form_data["full_name"] == "李华"
    assert app.form_data["certificate_number"] == "B1234567"
    assert app.fields_prefilled == 3
    assert app.materials_prefilled == 1
    assert set(prefill.locked_fields(app)) == {"full_name", "address", "certificate_number"}

    with pytest.raises(FormInvalid) as refused:
        services.save_draft(
            actor=citizen, application=app, data={"full_name": "Someone"}, page="who"
        )
    assert "full_name" in refused.value.errors
    app.refresh_from_db()
    assert app.form_data["full_name"] == "李华"
    # Posting the same value back (a page with the field shown) is fine.
    services.save_draft(
        actor=citizen,
        application=app,
        data={"full_name": "李华", "address": "示例路1号", "home_address": "Flat 2"},
        page="who",
    )
    # Confirming again changes nothing.
    services.confirm_prefill(actor=citizen, application=app)
    app.refresh_from_db()
    assert app.fields_prefilled == 3


def test_material_from_a_registry_is_not_required_at_submit(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = start(citizen)
    services.prefill_application(actor=citizen, application=app)
    services.save_draft(actor=citizen, application=app, data={"reason": "newborn"}, page="what")
    # Before confirming, both materials are missing.
    with pytest.raises(SubmissionIncomplete) as incomplete:
        services.submit_application(actor=citizen, application=app)
    assert set(incomplete.value.missing_materials) == {"certificate-copy", "photo"}

    services.confirm_prefill(actor=citizen, application=app)
    services.add_upload(
        actor=citizen,
        application=app,
        material_code="photo",
        uploaded_file=upload("photo.pdf", pdf_bytes(), "application/pdf"),
    )
    submitted = services.submit_application(actor=citizen, application=app)
    assert submitted.receipt_number
    assert submitted.materials_prefilled == 1
    needs = {m.code: m for m in selectors.materials_required(application=submitted)}
    assert needs["certificate-copy"].provided_by["registry"] == "certificates"
    assert needs["photo"].provided_by is None


def test_reporting_a_wrong_value_asks_the_registry_owner_and_frees_the_field(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = start(citizen)
    services.prefill_application(actor=citizen, application=app)
    services.confirm_prefill(actor=citizen, application=app)
    request = services.report_prefill_error(
        actor=citizen, application=app, field="address", note="We moved in May."
    )
    # The registry's data officers (its department) see it.
    found = exchange_selectors.registry_corrections_for(actor=registrar_officer_of())
    assert len(found) == 1
    row = found[0]
    assert row.id == request.pk
    assert row.registry_code == "people"
    assert row.field == "address"
    assert row.subject_key == citizen.person.national_id
    assert row.case_ref == f"draft-{app.pk}"
    assert row.record_version == 1

    from yiwang.audit.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="exchange.registry_correction.requested", object_id=str(row.id)
    ).exists()
    # The department that read the value does not see it.
    assert row.note == "We moved in May."
    from yiwang.identity.models import Account

    civil = Account.objects.get(username="civ.officer")
    assert exchange_selectors.registry_corrections_for(actor=civil) == []
    app.refresh_from_db()
    assert "address" not in app.form_data
    assert app.fields_prefilled == 2
    saved = services.save_draft(
        actor=citizen, application=app, data={"address": "新路2号"}, page="who"
    )
    assert saved.application.form_data["address"] == "新路2号"
    assert app.prefill.fields["address"]["status"] == prefill.Status.REPORTED


def test_only_the_applicant_may_prefill_or_report(pworld: Any) -> None:
    from yiwang.core.errors import PermissionDenied

    citizen = pworld["citizen"]
    app = start(citizen)
    services.prefill_application(actor=citizen, application=app)
    stranger = CitizenFactory(username="stranger")
    with pytest.raises(PermissionDenied):
        services.prefill_application(actor=stranger, application=app)
    with pytest.raises(PermissionDenied):
        services.report_prefill_error(actor=stranger, application=app, field="address", note="x")
    assert exchange_selectors.registry_corrections_for(actor=registrar_officer_of()) == []


# --- Loading definitions ----------------------------------------------------------------------


def _broken_service(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "services"
    folder.mkdir()
    text = (FIXTURES / "services" / "family-registration.yaml").read_text(encoding="utf-8")
    assert old in text
    (folder / "family-registration.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "path", "reason"),
    [
        (
            "{registry: people, field: person_name,",
            "{registry: peeple, field: person_name,",
            "form.properties.full_name.x-prefill.registry",
            "unknown registry 'peeple'",
        ),
        (
            "{registry: people, field: person_name, purpose: registration}",
            "{registry: people, field: person_name, purpose: marketing}",
            "form.properties.full_name.x-prefill.purpose",
            "unknown purpose 'marketing'",
        ),
        (
            "{registry: people, element: address,",
            "{registry: certificates, element: address,",
            "form.properties.address.x-prefill.element",
            "does not hold the element 'address'",
        ),
        (
            "{registry: people, field: person_name,",
            "{registry: people, field: nickname,",
            "form.properties.full_name.x-prefill.field",
            "has no field 'nickname'",
        ),
        (
            "prefill: {registry: certificates, element: certificate_number,",
            "prefill: {registry: certificates, element: shoe_size,",
            "materials[0].prefill.element",
            "unknown data element 'shoe_size'",
        ),
        (
            "{registry: people, element: address, purpose: registration}",
            "{registry: people, element: address, purpose: registration, subject: mother_id}",
            "form.properties.address.x-prefill.subject",
            "neither 'applicant' nor a field of the form",
        ),
    ],
)
def test_loading_refuses_prefill_references_the_exchange_does_not_know(
    pworld: Any, tmp_path: Path, old: str, new: str, path: str, reason: str
) -> None:
    from yiwang.catalogue import services as catalogue

    _parsed, problems = catalogue.check_files([_broken_service(tmp_path, old, new)])
    found = [str(p) for p in problems]
    assert any(path in text and reason in text for text in found), found


def test_prefill_is_only_shape_checked_without_exchange_definitions(
    db: Any, tmp_path: Path
) -> None:
    from yiwang.catalogue import services as catalogue

    DepartmentFactory(code="civil")
    folder = tmp_path / "only"
    shutil.copytree(FIXTURES / "services", folder)
    _parsed, problems = catalogue.check_files([folder])
    assert problems == []


def test_demo_services_prefill_from_registries_the_demo_exchange_defines(db: Any) -> None:
    """The demo's services and its exchange definitions are written apart; they must agree."""
    import yaml

    from yiwang.catalogue import services as catalogue

    demo = Path(__file__).resolve().parents[2] / "demo"
    definitions = demo / "data" / "exchange" / "definitions"
    departments = yaml.safe_load((demo / "data" / "departments.yaml").read_text(encoding="utf-8"))
    rows = departments.get("departments", departments) if isinstance(departments, dict) else []
    codes = {str(d["code"]) for d in rows if isinstance(d, dict) and "code" in d}
    for code in codes:
        DepartmentFactory(code=code)
    # Elements, purposes and registries only: agreements need the providers' officers.
    load_exchange(
        [p for p in sorted(definitions.glob("*.yaml")) if "agreement" not in p.name],
        actor=None,
    )
    assert exchange_selectors.registry_info("birth_medical_certificate") is not None
    _parsed, problems = catalogue.check_files([demo / "definitions"])
    assert [str(p) for p in problems] == []
    prefilled = sum(
        text.count("x-prefill:") + text.count("  prefill:")
        for text in (p.read_text(encoding="utf-8") for p in (demo / "definitions").glob("*.yaml"))
    )
    assert prefilled >= 20


def test_registry_values_are_turned_into_the_forms_answers() -> None:
    want = prefill.wants.Want(
        kind="field",
        name="baby_sex",
        department="health",
        registry="births",
        registry_field="newborn_sex",
        purpose="check",
        subject=prefill.APPLICANT,
        values=(("1", "male"), ("2", "female")),
    )
    assert (
        prefill.wants.as_answer(want, "2", {"type": "string", "enum": ["female", "male"]})
        == "female"
    )
    plain = prefill.wants.Want(
        "field", "capital", "market", "firms", "capital", "licensing", "applicant"
    )
    assert prefill.wants.as_answer(plain, "812.50", {"type": "number"}) == 812.5
    assert prefill.wants.as_answer(plain, "12", {"type": "integer"}) == 12


PARTNER_SERVICE = """
kind: service
code: partner-check
name: {zh: 配偶核验, en: Partner check}
description: {zh: 测试用事项。, en: A service for tests.}
department: civil
legal_basis:
  - citation: {zh: 测试条例, en: Test regulations}
audience: person
form:
  type: object
  required: [partner_id]
  properties:
    partner_id:
      type: string
      format: national-id
      x-title: {zh: 配偶身份证号码, en: "Partner's citizen ID number"}
    partner_certificate:
      type: string
      x-title: {zh: 配偶证书编号, en: "Partner's certificate number"}
      x-prefill: {registry: certificates, field: certificate_number, purpose: registration,
                  subject: partner_id}
    partner_name:
      type: string
      x-title: {zh: 配偶姓名, en: "Partner's name"}
      x-prefill: {registry: people, field: person_name, purpose: registration,
                  subject: partner_id}
  pages:
    - id: partner
      title: {zh: 配偶, en: Your partner}
      fields: [partner_id, partner_certificate, partner_name]
materials: []
process:
  stages:
    - id: review
      steps:
        - {code: review, name: {zh: 审查, en: Review}, department: civil, role: reviewer,
           promised_days: 1}
time_limits: {statutory_days: 5, promised_days: 1}
fee: {amount: 0, currency: CNY}
online_level: fully_online
outputs:
  - {code: decision, name: {zh: 决定, en: Decision}, kind: decision}
"""


def test_a_form_field_can_name_whose_record_is_read(pworld: Any, tmp_path: Path) -> None:
    """The subject may be someone else named in the form; an open-case agreement still refuses
    it, because the open case is the applicant's, not theirs."""
    from yiwang.audit.actors import system_actor
    from yiwang.catalogue import services as catalogue

    folder = tmp_path / "partner"
    folder.mkdir()
    (folder / "partner-check.yaml").write_text(PARTNER_SERVICE, encoding="utf-8")
    catalogue.load_definitions([folder], actor=system_actor("test"), publish=True)
    citizen = pworld["citizen"]
    partner_account = CitizenFactory(username="partner")
    partner = partner_account.person.national_id
    exchange.create_record(
        actor=registrar_officer_of(),
        registry="certificates",
        reason="initial load",
        values={
            "certificate_number": "C7654321",
            "holder_national_id": partner,
            "holder_name": "王芳",
        },
    )
    exchange.create_record(
        actor=registrar_officer_of(),
        registry="people",
        reason="initial load",
        values={"national_id": partner, "person_name": "王芳"},
    )
    app = services.start_application(actor=citizen, service_code="partner-check")
    first = services.prefill_application(actor=citizen, application=app)
    assert first.fields["partner_certificate"]["status"] == prefill.Status.NO_SUBJECT

    services.save_draft(actor=citizen, application=app, data={"partner_id": partner})
    again = services.prefill_application(actor=citizen, application=app)
    assert again.fields["partner_certificate"]["value"] == "C7654321"
    assert again.fields["partner_name"]["status"] == prefill.Status.REFUSED
    assert again.fields["partner_name"]["reason"] == "no_open_case"
    # The partner sees both attempts on their own access log.
    logged = exchange_selectors.access_log_for(actor=partner_account, person=partner_account.person)
    assert sorted(row.outcome for row in logged) == ["denied", "served"]


@pytest.mark.parametrize(
    ("as_of", "day"),
    [
        # 01:30 the next morning in Asia/Shanghai: the day the applicant and the clerk live in.
        ("2026-11-20T17:30:00+00:00", dt.date(2026, 11, 21)),
        ("2026-11-20T09:00:00+08:00", dt.date(2026, 11, 20)),
        ("2026-11-20", dt.date(2026, 11, 20)),
        ("", None),
        ("not a date", None),
    ],
)
def test_record_day_is_the_local_day_of_the_record(as_of: str, day: dt.date | None) -> None:
    assert prefill.record_day({"as_of": as_of}) == day
    assert prefill.record_day({}) is None
