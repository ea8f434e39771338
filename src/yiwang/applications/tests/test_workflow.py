"""Cases and tasks: parallel, staged and conditional steps, and statuses that follow the tasks."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications import selectors, services
from yiwang.applications.constants import (
    ApplicationOutcome,
    ApplicationStatus,
    CaseStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import Application, Case, Task
from yiwang.applications.tests.conftest import SHOP_ANSWERS, attach, fill, tasks_of
from yiwang.applications.types import FormInvalid, IllegalTransition
from yiwang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_first_stage_steps_open_in_parallel_and_the_decision_waits(submitted_shop: Any) -> None:
    application = submitted_shop()

    tasks = tasks_of(application)
    assert tasks["shop-licence.market-review"].status == TaskStatus.OPEN
    assert tasks["shop-licence.fire-check"].status == TaskStatus.OPEN
    assert tasks["shop-licence.decide"].status == TaskStatus.WAITING
    assert tasks["shop-licence.fire-check"].department.code == "fire"
    assert tasks["shop-licence.market-review"].due_date is not None
    assert tasks["shop-licence.decide"].due_date is None
    case = Case.objects.get(application=application)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.department.code == "market"
    assert application.status == ApplicationStatus.SUBMITTED


def test_fire_check_is_skipped_for_a_small_shop(submitted_shop: Any) -> None:
    application = submitted_shop(floor_area=120)

    tasks = tasks_of(application)
    assert tasks["shop-licence.fire-check"].status == TaskStatus.SKIPPED
    assert tasks["shop-licence.market-review"].status == TaskStatus.OPEN


def test_decision_stage_opens_only_when_every_parallel_step_is_done(
    submitted_shop: Any, clerk: Any
) -> None:
    application = submitted_shop()
    tasks = tasks_of(application)

    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks["shop-licence.market-review"],
        decision=Decision.APPROVE,
    )
    assert tasks_of(application)["shop-licence.decide"].status == TaskStatus.WAITING

    services.decide_task(
        actor=clerk("fire.reviewer"),
        task=tasks["shop-licence.fire-check"],
        decision=Decision.APPROVE,
    )
    decide = tasks_of(application)["shop-licence.decide"]
    assert decide.status == TaskStatus.OPEN
    assert decide.due_date is not None and decide.opened_at is not None
    assert Case.objects.get(application=application).status == CaseStatus.IN_PROGRESS


def test_case_and_application_approved_when_every_task_is(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()
    tasks = tasks_of(application)
    for name, account in (
        ("shop-licence.market-review", "market.reviewer"),
        ("shop-licence.fire-check", "fire.reviewer"),
    ):
        services.decide_task(actor=clerk(account), task=tasks[name], decision=Decision.APPROVE)
    services.decide_task(
        actor=clerk("market.approver"),
        task=tasks_of(application)["shop-licence.decide"],
        decision=Decision.APPROVE,
    )

    case = Case.objects.get(application=application)
    assert case.status == CaseStatus.APPROVED and case.outcome == "approved"
    assert case.decided_at is not None
    application = Application.objects.get(pk=application.pk)
    assert application.status == ApplicationStatus.COMPLETED
    assert application.outcome == ApplicationOutcome.APPROVED
    assert application.completed_at is not None


def test_a_refusal_refuses_the_case_and_cancels_the_rest(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()
    tasks = tasks_of(application)

    services.decide_task(
        actor=clerk("fire.reviewer"),
        task=tasks["shop-licence.fire-check"],
        decision=Decision.REJECT,
        reason="No second escape route.",
    )

    after = tasks_of(application)
    assert after["shop-licence.fire-check"].decision == Decision.REJECT
    assert after["shop-licence.market-review"].status == TaskStatus.CANCELLED
    assert after["shop-licence.decide"].status == TaskStatus.CANCELLED
    case = Case.objects.get(application=application)
    assert case.status == CaseStatus.REJECTED
    application = Application.objects.get(pk=application.pk)
    assert application.status == ApplicationStatus.COMPLETED
    assert application.outcome == ApplicationOutcome.REJECTED


def test_refusing_needs_a_reason(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()
    task = tasks_of(application)["shop-licence.market-review"]

    with pytest.raises(FormInvalid) as caught:
        services.decide_task(actor=clerk("market.reviewer"), task=task, decision=Decision.REJECT)

    assert "reason" in caught.value.errors
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_deciding_a_done_task_again_is_refused(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()
    task = tasks_of(application)["shop-licence.market-review"]
    services.decide_task(actor=clerk("market.reviewer"), task=task, decision=Decision.APPROVE)

    with pytest.raises(IllegalTransition):
        services.decide_task(actor=clerk("market.reviewer"), task=task, decision=Decision.APPROVE)


def test_a_waiting_task_cannot_be_claimed(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()
    task = tasks_of(application)["shop-licence.decide"]

    with pytest.raises(IllegalTransition) as caught:
        services.claim_task(actor=clerk("market.approver"), task=task)
    assert "the task is waiting for an earlier step." in str(caught.value)


def test_protected_status_cannot_be_set_directly(submitted_shop: Any) -> None:
    case = Case.objects.get(application=submitted_shop())
    with pytest.raises(AttributeError):
        case.status = CaseStatus.APPROVED


def test_bundle_fans_out_only_to_services_whose_condition_holds(
    world: Any, citizen: Any, clerk: Any
) -> None:
    application = services.start_application(actor=citizen, bundle_code="open-shop")
    fill(citizen, application, {**SHOP_ANSWERS, "staff_count": 0, "category": "food"})
    attach(citizen, application, "premises-proof", "fire-plan")

    submitted = services.submit_application(actor=citizen, application=application)

    cases = {c.service_code: c for c in Case.objects.filter(application=submitted)}
    assert set(cases) == {"shop-licence", "food-hygiene"}  # no staff: no insurance case
    assert cases["food-hygiene"].department.code == "health"
    tasks = tasks_of(submitted)
    assert tasks["food-hygiene.inspect"].status == TaskStatus.OPEN
    assert tasks["food-hygiene.permit"].status == TaskStatus.WAITING
    assert len(tasks) == 5


def test_bundle_completes_partly_approved_and_decided_cases_are_reported(
    world: Any, citizen: Any, clerk: Any
) -> None:
    application = services.start_application(actor=citizen, bundle_code="open-shop")
    fill(citizen, application, {**SHOP_ANSWERS, "floor_area": 80, "category": "retail"})
    attach(citizen, application, "premises-proof")
    application = services.submit_application(actor=citizen, application=application)
    tasks = tasks_of(application)
    assert set(
        Case.objects.filter(application=application).values_list("service_code", flat=True)
    ) == {
        "shop-licence",
        "staff-insurance",
    }

    services.decide_task(
        actor=clerk("hr.reviewer"),
        task=tasks["staff-insurance.register"],
        decision=Decision.APPROVE,
    )
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks["shop-licence.market-review"],
        decision=Decision.REJECT,
        reason="The premises are not zoned for shops.",
    )

    application = Application.objects.get(pk=application.pk)
    assert application.status == ApplicationStatus.COMPLETED
    assert application.outcome == ApplicationOutcome.PARTLY_APPROVED
    events = list(
        application.inbox_messages.order_by("pk").values_list("event", flat=True).distinct()
    )
    assert events == ["received", "decided", "completed"]


def test_submission_records_one_audit_event_naming_cases_and_tasks(submitted_shop: Any) -> None:
    application = submitted_shop()

    events = AuditEvent.objects.filter(action="applications.application_submitted")
    assert events.count() == 1
    import json

    data = json.loads(events.get().data_json)
    assert data["receipt_number"] == application.receipt_number
    case = Case.objects.get(application=application)
    assert data["cases"][0]["id"] == case.pk
    assert sorted(data["cases"][0]["tasks"]) == sorted(case.tasks.values_list("pk", flat=True))


def test_timeline_shows_every_step_with_its_department(submitted_shop: Any, citizen: Any) -> None:
    application = submitted_shop()

    timeline = selectors.case_timeline(actor=citizen, application=application)

    (case,) = timeline.cases
    assert [(t.step_code, t.department, t.status) for t in case.tasks] == [
        ("market-review", "market dept", TaskStatus.OPEN),
        ("fire-check", "fire dept", TaskStatus.OPEN),
        ("decide", "market dept", TaskStatus.WAITING),
    ]
    assert case.due_date == Case.objects.get(pk=case.pk).due_date
    assert all(t.assignee == "" for t in case.tasks)


def test_a_departments_region_chain_is_read_to_the_top_of_a_deep_tree() -> None:
    from yiwang.applications import workflow
    from yiwang.identity.tests.factories import DepartmentFactory, RegionFactory

    region = None
    for level in range(9):  # deeper than nation, province, city, district and township
        region = RegionFactory(code=f"DEEP{level}", parent=region)
    deep = DepartmentFactory(code="deep-office", region=region)
    top = DepartmentFactory(code="top-office", region=RegionFactory(code="DEEP-TOP"))

    found = workflow.departments_by_code(["deep-office", "top-office"])

    assert found["deep-office"] == (deep.pk, tuple(f"DEEP{level}" for level in range(8, -1, -1)))
    assert found["top-office"] == (top.pk, ("DEEP-TOP",))
    with pytest.raises(IllegalTransition, match="nowhere"):
        workflow.departments_by_code(["deep-office", "nowhere"])
