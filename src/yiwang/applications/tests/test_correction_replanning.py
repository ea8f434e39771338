"""A correction that changes an answer a step's condition reads (shop-licence.yaml: the
fire-safety check only for more than 300 m²): the running case is planned again, without undoing
anything decided; and an answer that would change which services a bundle includes is refused."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from yiwang.applications import domain, services, workflow
from yiwang.applications.constants import (
    ApplicationStatus,
    CaseStatus,
    CorrectionStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import Application, Case, CorrectionRequest
from yiwang.applications.tests.conftest import (
    SERVICES,
    SHOP_ANSWERS,
    attach,
    fill,
    pdf_bytes,
    tasks_of,
    upload,
)
from yiwang.applications.tests.test_correction_materials import (
    answered,
    ask_about_floor_area,
    submitted_small_shop,
)
from yiwang.applications.types import FormInvalid
from yiwang.notifications.models import InboxMessage

WAITING, OPEN, CLAIMED = TaskStatus.WAITING, TaskStatus.OPEN, TaskStatus.CLAIMED
ON_HOLD, DONE, SKIPPED = TaskStatus.ON_HOLD, TaskStatus.DONE, TaskStatus.SKIPPED

# --- The plan: which tasks change (positions: market-review, fire-check, decide) ------------


def inbox(username: str) -> dict[str, str]:
    """A clerk's inbox messages about corrections, by event: the body of each."""
    return {
        m.event: m.body
        for m in InboxMessage.objects.filter(recipient__username=username)
        if m.event in ("correction_received", "task_replanned")
    }


def replan(floor_area: float, *statuses: str) -> domain.Replan:
    definition = yaml.safe_load((SERVICES / "shop-licence.yaml").read_text(encoding="utf-8"))
    planned = domain.plan_tasks(definition, {"floor_area": floor_area})
    return domain.replan(definition, planned, dict(enumerate(statuses)))


def test_a_skipped_step_whose_condition_now_holds_is_needed_again() -> None:
    change = replan(420, OPEN, SKIPPED, WAITING)

    assert change == domain.Replan(required=(1,))


@pytest.mark.parametrize("status", [WAITING, OPEN, CLAIMED])
def test_an_undecided_step_whose_condition_fails_now_is_not_needed(status: str) -> None:
    change = replan(200, OPEN, status, WAITING)

    assert change == domain.Replan(not_needed=(1,))


@pytest.mark.parametrize("status", [OPEN, CLAIMED])
def test_a_later_stage_goes_back_to_waiting_for_a_step_needed_again(status: str) -> None:
    change = replan(420, DONE, SKIPPED, status)

    assert change == domain.Replan(required=(1,), held_back=(2,))


@pytest.mark.parametrize(
    ("floor_area", "statuses"),
    [
        (420, (OPEN, OPEN, WAITING)),  # nothing changed
        (200, (DONE, DONE, OPEN)),  # the check was done: what is decided stays decided
        (200, (OPEN, ON_HOLD, WAITING)),  # on hold for its own case's other correction
        (200, (OPEN, TaskStatus.CANCELLED, WAITING)),
    ],
)
def test_decided_and_held_tasks_never_change(floor_area: float, statuses: tuple[str, ...]) -> None:
    change = replan(floor_area, *statuses)

    assert not change
    assert change == domain.Replan()


# --- Answering the correction -----------------------------------------------------------------


def plan() -> Any:
    return upload("plan.pdf", pdf_bytes())


def send_larger_area(citizen: Any, correction: CorrectionRequest) -> None:
    """Answer the correction: 420 m², with the fire escape plan that area needs."""
    services.resubmit_correction(
        actor=citizen,
        correction=correction,
        data={"floor_area": 420},
        uploads={"fire-plan": plan()},
    )


def submitted_large_shop(citizen: Any) -> Application:
    """A shop of 420 m²: its fire-safety check opens with the review."""
    application = services.start_application(actor=citizen, service_code="shop-licence")
    fill(citizen, application, {**SHOP_ANSWERS, "floor_area": 420.0})
    attach(citizen, application, "premises-proof", "fire-plan")
    return services.submit_application(actor=citizen, application=application)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["service", "bundle"])
def test_a_larger_shop_gets_its_fire_safety_check(
    world: Any, clerk: Any, citizen: Any, kind: str
) -> None:
    application = submitted_small_shop(citizen, kind)
    assert tasks_of(application)["shop-licence.fire-check"].status == SKIPPED
    correction = ask_about_floor_area(clerk, application)

    send_larger_area(citizen, correction)

    tasks = tasks_of(application)
    fire = tasks["shop-licence.fire-check"]
    # The review stage has started: the check opens at once, in the fire department's queue,
    # with a due date of its own.
    assert fire.status == OPEN
    assert fire.opened_at is not None
    assert fire.due_date is not None
    assert fire.department == world["departments"]["fire"]
    assert tasks["shop-licence.market-review"].status == CLAIMED  # resumed, as before
    assert tasks["shop-licence.decide"].status == WAITING
    change = answered(correction).data["replanned"]
    assert change == [
        {
            "case": fire.case_id,
            "required": [fire.pk],
            "not_needed": [],
            "held_back": [],
            "opened": [fire.pk],
        }
    ]

    # The decision waits for the check as well as for the review.
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks["shop-licence.market-review"],
        decision=Decision.APPROVE,
    )
    assert tasks_of(application)["shop-licence.decide"].status == WAITING
    services.decide_task(actor=clerk("fire.reviewer"), task=fire, decision=Decision.APPROVE)
    assert tasks_of(application)["shop-licence.decide"].status == OPEN


@pytest.mark.django_db
@pytest.mark.parametrize("claimed", [False, True])
def test_a_smaller_shop_needs_no_fire_safety_check(
    world: Any, clerk: Any, citizen: Any, claimed: bool
) -> None:
    application = submitted_large_shop(citizen)
    fire = tasks_of(application)["shop-licence.fire-check"]
    assert fire.status == OPEN
    if claimed:
        services.claim_task(actor=clerk("fire.reviewer"), task=fire)
    correction = ask_about_floor_area(clerk, application)

    services.resubmit_correction(actor=citizen, correction=correction, data={"floor_area": 200})

    fire.refresh_from_db()
    assert fire.status == SKIPPED
    assert fire.assignee is None  # off the fire clerk's list
    assert answered(correction).data["replanned"][0]["not_needed"] == [fire.pk]
    # The fire clerk who had claimed it is told why it left their list; the clerk who asked,
    # that their review is back in their queue.
    told = inbox("fire.reviewer")
    if claimed:
        assert list(told) == ["task_replanned"]
        assert (
            'the task "Fire-safety check" that you had claimed is no longer needed'
            in told["task_replanned"]
        )
    else:
        assert not told  # an open task had no clerk to tell
    assert "is back in your queue" in inbox("market.reviewer")["correction_received"]
    # Nothing else waits for it: the review goes on, and its approval opens the decision.
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.APPROVE,
    )
    assert tasks_of(application)["shop-licence.decide"].status == OPEN


@pytest.mark.django_db
def test_a_decision_asked_about_waits_for_a_check_needed_again(
    world: Any, clerk: Any, citizen: Any
) -> None:
    application = submitted_small_shop(citizen, "service")
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.APPROVE,
    )
    decide = tasks_of(application)["shop-licence.decide"]
    assert decide.status == OPEN
    services.decide_task(
        actor=clerk("market.approver"),
        task=decide,
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["floor_area"],
    )
    correction = CorrectionRequest.objects.get(task=decide)

    send_larger_area(citizen, correction)

    tasks = tasks_of(application)
    assert tasks["shop-licence.market-review"].status == DONE  # decided: stays decided
    assert tasks["shop-licence.fire-check"].status == OPEN
    decide = tasks["shop-licence.decide"]
    assert decide.status == WAITING
    assert (decide.assignee, decide.due_date, decide.opened_at) == (None, None, None)
    told = inbox("market.approver")["correction_received"]
    assert "a check is now needed before the task" in told and "is back in your queue" not in told
    assert Case.objects.get(application=application).status == CaseStatus.IN_PROGRESS
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.RESOLVED

    services.decide_task(
        actor=clerk("fire.reviewer"),
        task=tasks["shop-licence.fire-check"],
        decision=Decision.APPROVE,
    )
    decide = tasks_of(application)["shop-licence.decide"]
    assert decide.status == OPEN
    assert decide.due_date is not None


@pytest.mark.django_db
def test_the_check_whose_clerk_asked_may_itself_be_no_longer_needed(
    world: Any, clerk: Any, citizen: Any
) -> None:
    # The fire clerk asks about the floor area; at 200 m² their own check is not needed, and
    # the review and the decision are still to do, so the case goes on without it.
    application = submitted_large_shop(citizen)
    fire = tasks_of(application)["shop-licence.fire-check"]
    services.decide_task(
        actor=clerk("fire.reviewer"),
        task=fire,
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["floor_area"],
    )
    correction = CorrectionRequest.objects.get(task=fire)

    services.resubmit_correction(actor=citizen, correction=correction, data={"floor_area": 200})

    tasks = tasks_of(application)
    assert tasks["shop-licence.fire-check"].status == SKIPPED
    assert tasks["shop-licence.market-review"].status == OPEN
    # The fire clerk hears that the answer came and that their check is no longer needed; one
    # message, not two.
    told = inbox("fire.reviewer")
    assert list(told) == ["correction_received"]
    assert "is no longer needed" in told["correction_received"]
    assert "is back in your queue" not in told["correction_received"]
    assert Case.objects.get(application=application).status == CaseStatus.IN_PROGRESS
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_a_case_waiting_for_a_correction_that_leaves_nothing_to_do_is_decided(
    world: Any, clerk: Any, citizen: Any
) -> None:
    # Re-planning can leave every task done or skipped while the case still waits for the
    # correction: the case then resumes and is approved, as a case with nothing to do is at
    # submission (the shop licence's decision has no condition, so the tasks are set directly).
    application = submitted_small_shop(citizen, "service")
    correction = ask_about_floor_area(clerk, application)
    case = Case.objects.get(application=application)
    assert case.status == CaseStatus.CORRECTION_REQUESTED
    CorrectionRequest.objects.filter(pk=correction.pk).update(status=CorrectionStatus.RESOLVED)
    case.tasks.exclude(status=SKIPPED).update(status=DONE, decision=Decision.APPROVE)

    assert workflow.sync_case(case, list(case.tasks.all()))

    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.APPROVED, "approved")


# --- A bundle's services ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "wording"),
    [
        ({"staff_count": 0}, "would no longer include “Staff insurance registration”"),
        ({"category": "retail"}, "would no longer include “Food hygiene"),
    ],
)
def test_an_answer_that_changes_a_bundles_services_is_refused(
    world: Any, clerk: Any, citizen: Any, answers: dict[str, Any], wording: str
) -> None:
    application = submitted_small_shop(citizen, "bundle")
    name = next(iter(answers))
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=[name],
    )
    correction = CorrectionRequest.objects.get(case__service_code="shop-licence")
    before = {t: (task.status, task.assignee_id) for t, task in tasks_of(application).items()}

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(actor=citizen, correction=correction, data=answers)

    assert str(caught.value) == "This answer would change which services the application includes."
    message = caught.value.errors[name][0]
    assert wording in message
    assert "withdraw the application and apply again" in message
    # Nothing changed: the correction is still open, the answers and tasks as they were.
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN
    stored = Application.objects.get(pk=application.pk).form_data
    assert stored[name] != answers[name]
    assert {t: (task.status, task.assignee_id) for t, task in tasks_of(application).items()} == (
        before
    )

    # An answer that keeps the same services is taken.
    same = {"staff_count": 7} if name == "staff_count" else {"category": "food"}
    services.resubmit_correction(actor=citizen, correction=correction, data=same)
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.RESOLVED
