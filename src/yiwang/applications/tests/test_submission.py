"""Starting, submitting (exactly once) and withdrawing applications."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from yiwang.applications import domain, services
from yiwang.applications.constants import (
    ApplicationOutcome,
    ApplicationStatus,
    CaseStatus,
    CorrectionStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import Application, Case, CorrectionRequest, Task
from yiwang.applications.tests.conftest import SHOP_ANSWERS, attach, fill, tasks_of
from yiwang.applications.types import (
    AlreadySubmitted,
    ApplicationError,
    IllegalTransition,
    SubmissionIncomplete,
)
from yiwang.audit.models import AuditEvent
from yiwang.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def ready_draft(citizen: Any, **kwargs: Any) -> Application:
    application = services.start_application(actor=citizen, service_code="shop-licence", **kwargs)
    fill(citizen, application, SHOP_ANSWERS)
    attach(citizen, application, "premises-proof", "fire-plan")
    return application


def test_start_pins_the_published_version(world: Any, citizen: Any) -> None:
    application = services.start_application(actor=citizen, service_code="shop-licence")

    assert application.status == ApplicationStatus.DRAFT
    assert application.service_version is not None
    assert application.service_version.number == 1
    assert application.service_versions == {"shop-licence": application.service_version.pk}
    assert application.applicant == citizen.person
    assert application.current_page == "basics"
    assert application.receipt_number is None


def test_start_refuses_unknown_services_and_staff(world: Any, citizen: Any, clerk: Any) -> None:
    with pytest.raises(ApplicationError):
        services.start_application(actor=citizen, service_code="no-such-service")
    with pytest.raises(PermissionDenied):
        services.start_application(actor=clerk("market.reviewer"), service_code="shop-licence")


def test_start_for_a_firm_needs_the_right_to_act_for_it(
    world: Any, citizen: Any, other_citizen: Any, firm_with_reps: Any
) -> None:
    firm, _colleague = firm_with_reps

    application = services.start_application(actor=citizen, service_code="shop-licence", firm=firm)
    assert application.firm == firm
    with pytest.raises(PermissionDenied):
        services.start_application(actor=other_citizen, service_code="shop-licence", firm=firm)


def test_submit_refused_when_the_right_to_act_for_the_firm_ended(
    world: Any, citizen: Any, firm_with_reps: Any
) -> None:
    firm, _colleague = firm_with_reps
    application = ready_draft(citizen, firm=firm)
    firm.representations.filter(person=citizen.person).delete()

    with pytest.raises(PermissionDenied):
        services.submit_application(actor=citizen, application=application)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_submit_gives_a_receipt_number_with_a_valid_check_character(
    world: Any, citizen: Any
) -> None:
    application = services.submit_application(
        actor=citizen, application=ready_draft(citizen), idempotency_key="k1"
    )

    number = application.receipt_number
    assert number is not None and number.startswith("YW")
    assert domain.normalise_receipt_number(number) == number
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_by == citizen and application.submitted_at is not None
    assert application.language == "en"


def test_a_receipt_number_already_given_is_drawn_again(
    world: Any, citizen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = services.submit_application(
        actor=citizen, application=ready_draft(citizen), idempotency_key="k1"
    )
    real = domain.make_receipt_number
    draws: list[str] = []

    def draw(day: Any, serial: str | None = None) -> str:
        # The first draw collides with the number the first application was given.
        draws.append(first.receipt_number if not draws else real(day, serial))
        return draws[-1]

    monkeypatch.setattr(domain, "make_receipt_number", draw)
    second = services.submit_application(
        actor=citizen, application=ready_draft(citizen), idempotency_key="k2"
    )

    assert len(draws) == 2
    assert second.receipt_number == draws[1] != first.receipt_number
    assert Case.objects.filter(application=second).count() == 1
    assert AuditEvent.objects.filter(action="applications.application_submitted").count() == 2
    assert citizen.inbox_messages.filter(event="received").count() == 2


def test_incomplete_form_and_missing_materials_are_reported(world: Any, citizen: Any) -> None:
    application = services.start_application(actor=citizen, service_code="shop-licence")
    services.save_draft(
        actor=citizen,
        application=application,
        data={"business_name": "Plum", "floor_area": 500, "category": "food"},
    )

    with pytest.raises(SubmissionIncomplete) as caught:
        services.submit_application(actor=citizen, application=application)

    assert set(caught.value.errors) == {"contact_email", "staff_count"}
    # The fire plan is needed because the floor area is over 300; the menu is optional.
    assert caught.value.missing_materials == ["premises-proof", "fire-plan"]
    assert not Case.objects.exists()
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_sequential_double_submit_creates_one_submission(world: Any, citizen: Any) -> None:
    draft = ready_draft(citizen)

    first = services.submit_application(actor=citizen, application=draft, idempotency_key="abc")
    second = services.submit_application(actor=citizen, application=draft, idempotency_key="abc")
    third = services.submit_application(actor=citizen, application=draft)

    assert first.receipt_number == second.receipt_number == third.receipt_number
    assert Case.objects.filter(application=draft).count() == 1
    assert Task.objects.filter(case__application=draft).count() == 3
    assert AuditEvent.objects.filter(action="applications.application_submitted").count() == 1
    assert citizen.inbox_messages.filter(event="received").count() == 1


def test_replay_with_another_key_is_refused_with_the_receipt(world: Any, citizen: Any) -> None:
    draft = ready_draft(citizen)
    first = services.submit_application(actor=citizen, application=draft, idempotency_key="abc")

    with pytest.raises(AlreadySubmitted) as caught:
        services.submit_application(actor=citizen, application=draft, idempotency_key="xyz")

    assert caught.value.receipt_number == first.receipt_number
    assert Case.objects.filter(application=draft).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_creates_exactly_one_submission(world: Any, citizen: Any) -> None:
    draft = ready_draft(citizen)
    barrier = threading.Barrier(2)
    receipts: list[str | None] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            result = services.submit_application(
                actor=citizen, application=draft, idempotency_key="same-click"
            )
            receipts.append(result.receipt_number)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(receipts) == 2 and receipts[0] == receipts[1] and receipts[0]
    assert Case.objects.filter(application=draft).count() == 1
    assert Task.objects.filter(case__application=draft).count() == 3
    assert Application.objects.filter(receipt_number=receipts[0]).count() == 1
    assert AuditEvent.objects.filter(action="applications.application_submitted").count() == 1


def test_another_person_cannot_submit_or_change_a_draft(
    world: Any, citizen: Any, other_citizen: Any
) -> None:
    draft = ready_draft(citizen)

    with pytest.raises(PermissionDenied):
        services.submit_application(actor=other_citizen, application=draft)
    with pytest.raises(PermissionDenied):
        services.save_draft(actor=other_citizen, application=draft, data={"postcode": "999999"})
    assert Application.objects.get(pk=draft.pk).status == ApplicationStatus.DRAFT


# --- Withdrawal -------------------------------------------------------------------------------


def test_withdrawal_cancels_tasks_and_corrections(
    submitted_shop: Any, citizen: Any, clerk: Any
) -> None:
    application = submitted_shop()
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["postcode"],
    )

    services.withdraw_application(actor=citizen, application=application)

    application = Application.objects.get(pk=application.pk)
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.outcome == ApplicationOutcome.WITHDRAWN
    assert Case.objects.get(application=application).status == CaseStatus.WITHDRAWN
    assert {t.status for t in tasks_of(application).values()} == {TaskStatus.CANCELLED}
    assert CorrectionRequest.objects.get().status == CorrectionStatus.CANCELLED
    assert citizen.inbox_messages.filter(event="withdrawn").count() == 1


def test_withdrawal_is_refused_once_a_case_is_decided(world: Any, citizen: Any, clerk: Any) -> None:
    application = services.start_application(actor=citizen, bundle_code="open-shop")
    fill(citizen, application, {**SHOP_ANSWERS, "floor_area": 80, "category": "retail"})
    attach(citizen, application, "premises-proof")
    application = services.submit_application(actor=citizen, application=application)
    services.decide_task(
        actor=clerk("hr.reviewer"),
        task=tasks_of(application)["staff-insurance.register"],
        decision=Decision.APPROVE,
    )

    with pytest.raises(IllegalTransition):
        services.withdraw_application(actor=citizen, application=application)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED


def test_a_withdrawn_application_cannot_be_submitted_or_decided(
    submitted_shop: Any, citizen: Any, clerk: Any
) -> None:
    application = submitted_shop()
    services.withdraw_application(actor=citizen, application=application)

    with pytest.raises(IllegalTransition):
        services.submit_application(actor=citizen, application=application)
    with pytest.raises(IllegalTransition):
        services.decide_task(
            actor=clerk("market.reviewer"),
            task=tasks_of(application)["shop-licence.market-review"],
            decision=Decision.APPROVE,
        )
    with pytest.raises(IllegalTransition):
        services.withdraw_application(actor=citizen, application=application)


def test_a_draft_can_be_dropped(world: Any, citizen: Any) -> None:
    draft = services.start_application(actor=citizen, service_code="shop-licence")

    services.withdraw_application(actor=citizen, application=draft)

    draft = Application.objects.get(pk=draft.pk)
    assert draft.status == ApplicationStatus.WITHDRAWN
    with pytest.raises(IllegalTransition):
        services.save_draft(actor=citizen, application=draft, data={"postcode": "100010"})


def test_bundle_submission_runs_a_bounded_number_of_queries(
    world: Any, citizen: Any, django_assert_max_num_queries: Any
) -> None:
    application = services.start_application(actor=citizen, bundle_code="open-shop")
    fill(citizen, application, SHOP_ANSWERS)
    attach(citizen, application, "premises-proof", "fire-plan")

    # Three cases and six tasks: inserted in bulk, so the count does not grow with them.
    with django_assert_max_num_queries(20):
        services.submit_application(actor=citizen, application=application)

    assert Case.objects.filter(application=application).count() == 3
    assert Task.objects.filter(case__application=application).count() == 6


def test_the_services_audience_decides_whether_a_firm_is_needed(
    world: Any, citizen: Any, firm_with_reps: Any
) -> None:
    firm, _colleague = firm_with_reps

    with pytest.raises(ApplicationError):  # for businesses only
        services.start_application(actor=citizen, service_code="import-filing")
    assert services.start_application(actor=citizen, service_code="import-filing", firm=firm)
    with pytest.raises(ApplicationError):  # for individuals only
        services.start_application(actor=citizen, service_code="street-stall", firm=firm)
    assert services.start_application(actor=citizen, service_code="street-stall")
