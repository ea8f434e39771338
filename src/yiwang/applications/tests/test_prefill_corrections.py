"""A correction (补正) that asks about an answer confirmed from a registry: the person may give
another answer, which frees it, and may report the registry's value as wrong."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications import prefill, services
from yiwang.applications.constants import CorrectionStatus, Decision
from yiwang.applications.models import Application, CorrectionRequest
from yiwang.applications.tests.conftest import pdf_bytes, upload
from yiwang.applications.tests.test_prefill import pworld, registrar_officer_of
from yiwang.applications.types import FormInvalid
from yiwang.audit.models import AuditEvent
from yiwang.exchange import selectors as exchange_selectors
from yiwang.identity.models import Account

__all__ = ["pworld"]


def submitted(citizen: Any) -> Application:
    """A family registration with three answers confirmed from registries, sent in."""
    app = services.start_application(actor=citizen, service_code="family-registration")
    services.prefill_application(actor=citizen, application=app)
    services.confirm_prefill(actor=citizen, application=app)
    services.save_draft(actor=citizen, application=app, data={"reason": "newborn"}, page="what")
    services.add_upload(
        actor=citizen,
        application=app,
        material_code="photo",
        uploaded_file=upload("photo.pdf", pdf_bytes(), "application/pdf"),
    )
    return services.submit_application(actor=citizen, application=app)


def ask(app: Application, fields: list[str]) -> CorrectionRequest:
    clerk = Account.objects.get(username="civil.reviewer")
    task = app.cases.get().tasks.get()
    services.decide_task(
        actor=clerk,
        task=task,
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=fields,
        note="The address on file looks out of date.",
    )
    return CorrectionRequest.objects.get(case__application=app)


def test_a_clerk_may_ask_about_a_registry_answer(pworld: Any) -> None:
    app = submitted(pworld["citizen"])
    correction = ask(app, ["address", "reason"])
    assert correction.fields == ["address", "reason"]
    event = AuditEvent.objects.get(action="applications.correction_requested")
    assert event.data["fields"] == ["address", "reason"]


def test_another_answer_frees_the_registry_value_and_says_so(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    correction = ask(app, ["address"])

    services.resubmit_correction(actor=citizen, correction=correction, data={"address": "新路2号"})

    app.refresh_from_db()
    assert app.form_data["address"] == "新路2号"
    assert app.fields_prefilled == 2
    assert set(prefill.locked_fields(app)) == {"full_name", "certificate_number"}
    entry = app.prefill.fields["address"]
    assert entry["status"] == prefill.Status.REPLACED
    assert entry["case_correction"] == correction.pk
    assert "value" not in entry and entry["registry"] == "people"
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.RESOLVED
    assert correction.previous_values == {"address": "示例路1号"}
    replaced = AuditEvent.objects.get(action="applications.prefill_replaced")
    assert replaced.data == {
        "field": "address",
        "registry": "people",
        "case_correction": correction.pk,
    }
    answered = AuditEvent.objects.get(action="applications.correction_resubmitted")
    assert answered.data["registry_replaced"] == ["address"]
    assert answered.data["registry_reported"] == {}
    # Nothing was reported: the registry's department has nothing to look at.
    assert exchange_selectors.registry_corrections_for(actor=registrar_officer_of()) == []


def test_keeping_the_registry_value_keeps_it_locked(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    correction = ask(app, ["address"])

    services.resubmit_correction(
        actor=citizen, correction=correction, data={"address": "示例路1号"}
    )

    app.refresh_from_db()
    assert app.fields_prefilled == 3
    assert "address" in prefill.locked_fields(app)
    assert app.prefill.fields["address"]["status"] == prefill.Status.FOUND
    assert not AuditEvent.objects.filter(action="applications.prefill_replaced").exists()


def test_reporting_the_registry_value_asks_its_department(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    correction = ask(app, ["address"])

    services.resubmit_correction(
        actor=citizen,
        correction=correction,
        data={"address": "新路2号"},
        reports={"address": "We moved in May."},
    )

    found = exchange_selectors.registry_corrections_for(actor=registrar_officer_of())
    assert len(found) == 1
    request = found[0]
    assert (request.registry_code, request.field) == ("people", "address")
    assert request.case_ref == app.receipt_number
    assert request.note == "We moved in May."
    app.refresh_from_db()
    assert app.form_data["address"] == "新路2号"
    entry = app.prefill.fields["address"]
    assert entry["status"] == prefill.Status.REPORTED
    assert entry["correction"] == request.id
    assert "address" not in prefill.locked_fields(app)
    reported = AuditEvent.objects.get(action="applications.prefill_reported")
    assert reported.data["case_correction"] == correction.pk
    answered = AuditEvent.objects.get(action="applications.correction_resubmitted")
    assert answered.data["registry_reported"] == {"address": request.id}
    assert answered.data["registry_replaced"] == []


def test_a_refused_answer_reports_nothing_and_changes_nothing(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    correction = ask(app, ["address", "reason"])

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen,
            correction=correction,
            data={"address": "新路2号", "reason": ""},
            reports={"address": "We moved in May."},
        )

    assert set(caught.value.errors) == {"reason"}
    assert exchange_selectors.registry_corrections_for(actor=registrar_officer_of()) == []
    app.refresh_from_db()
    assert app.form_data["address"] == "示例路1号"
    assert "address" in prefill.locked_fields(app)
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN


def test_only_a_registry_answer_that_was_asked_about_can_be_reported(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    correction = ask(app, ["address", "reason"])

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen,
            correction=correction,
            data={"reason": "twins"},
            reports={"reason": "wrong", "full_name": "misspelt"},
        )

    assert set(caught.value.errors) == {"reason", "full_name"}
    assert exchange_selectors.registry_corrections_for(actor=registrar_officer_of()) == []


def test_a_note_that_is_too_long_is_refused_beside_the_answer(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    correction = ask(app, ["address"])

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen,
            correction=correction,
            data={"address": "新路2号"},
            reports={"address": "x" * 2001},
        )

    assert set(caught.value.errors) == {"address"}
    app.refresh_from_db()
    assert app.form_data["address"] == "示例路1号"
    assert "address" in prefill.locked_fields(app)


def test_only_the_person_the_record_is_about_may_report_it(pworld: Any) -> None:
    from yiwang.identity.tests.factories import CitizenFactory

    citizen = pworld["citizen"]
    app = submitted(citizen)
    entry = prefill.locked_fields(app)["address"]
    assert prefill.may_report(actor=citizen, application=app, entry=entry)
    assert not prefill.may_report(actor=CitizenFactory(), application=app, entry=entry)
    assert not prefill.may_report(
        actor=citizen, application=app, entry={**entry, "subject": "person:110101199001011237"}
    )
