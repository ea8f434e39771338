"""Who may see and do what: other citizens, other firms and other departments' clerks are refused
by every selector and every service, and roles decide which steps a clerk may handle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from yiwang.applications import selectors, services
from yiwang.applications.constants import Decision, TaskStatus
from yiwang.applications.models import Application, CorrectionRequest, MaterialUpload, Task
from yiwang.applications.tests.conftest import (
    SHOP_ANSWERS,
    attach,
    fill,
    pdf_bytes,
    tasks_of,
    upload,
)
from yiwang.applications.types import ApplicationError
from yiwang.core.errors import PermissionDenied
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import (
    CitizenFactory,
    DepartmentFactory,
    FirmFactory,
    FirmRepresentativeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_with_correction(submitted_shop: Any, clerk: Any) -> dict[str, Any]:
    application = submitted_shop()
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["postcode"],
    )
    return {
        "application": application,
        "correction": CorrectionRequest.objects.get(case__application=application),
        "upload": MaterialUpload.objects.filter(application=application).first(),
        "task": tasks_of(application)["shop-licence.fire-check"],
        "case": application.cases.get(),
    }


def assert_sees_nothing(actor: Any, things: dict[str, Any]) -> None:
    application = things["application"]
    assert not selectors.applications_for(actor=actor).filter(pk=application.pk).exists()
    refusals: list[Callable[[], Any]] = [
        lambda: selectors.application_for(actor=actor, pk=application.pk),
        lambda: selectors.application_for(actor=actor, receipt_number=application.receipt_number),
        lambda: selectors.case_for(actor=actor, pk=things["case"].pk),
        lambda: selectors.correction_for(actor=actor, pk=things["correction"].pk),
        lambda: selectors.case_timeline(actor=actor, application=application),
        lambda: selectors.materials_for(actor=actor, upload=things["upload"]),
        lambda: selectors.task_for(actor=actor, pk=things["task"].pk),
    ]
    for refusal in refusals:
        with pytest.raises(PermissionDenied):
            refusal()
    assert not selectors.uploads_for(actor=actor, application=application).exists()
    assert selectors.open_corrections_for(actor=actor, application=application) == []
    assert not selectors.tasks_for_queue(actor=actor).filter(case__application=application)


def test_another_citizen_sees_and_does_nothing(
    case_with_correction: dict[str, Any], other_citizen: Any
) -> None:
    things = case_with_correction
    assert_sees_nothing(other_citizen, things)
    application = things["application"]
    for attempt in (
        lambda: services.resubmit_correction(
            actor=other_citizen, correction=things["correction"], data={"postcode": "200020"}
        ),
        lambda: services.withdraw_application(actor=other_citizen, application=application),
        lambda: services.submit_application(actor=other_citizen, application=application),
        lambda: services.add_upload(
            actor=other_citizen,
            application=application,
            material_code="menu",
            uploaded_file=upload("menu.pdf", pdf_bytes()),
        ),
        lambda: services.claim_task(actor=other_citizen, task=things["task"]),
        lambda: services.decide_task(
            actor=other_citizen, task=things["task"], decision=Decision.APPROVE
        ),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert Application.objects.get(pk=application.pk).form_data["postcode"] == "100010"


def test_another_departments_clerk_sees_and_does_nothing(
    case_with_correction: dict[str, Any], staff_of: Any
) -> None:
    outsider = staff_of(DepartmentFactory(code="tax"), Role.TEAM_LEAD, "tax.lead")
    things = case_with_correction
    assert_sees_nothing(outsider, things)
    for attempt in (
        lambda: services.claim_task(actor=outsider, task=things["task"]),
        lambda: services.decide_task(
            actor=outsider, task=things["task"], decision=Decision.APPROVE
        ),
        lambda: services.assign_task(actor=outsider, task=things["task"], assignee=outsider),
        lambda: services.resubmit_correction(
            actor=outsider, correction=things["correction"], data={"postcode": "200020"}
        ),
    ):
        with pytest.raises(PermissionDenied):
            attempt()


def test_another_firms_representative_sees_nothing(
    world: Any, citizen: Any, firm_with_reps: Any, clerk: Any
) -> None:
    firm, colleague = firm_with_reps
    application = services.start_application(actor=citizen, service_code="shop-licence", firm=firm)
    fill(citizen, application, SHOP_ANSWERS)
    attach(citizen, application, "premises-proof", "fire-plan")
    # Before submission the draft is its author's alone, even within the firm.
    assert not selectors.applications_for(actor=colleague).filter(pk=application.pk).exists()
    application = services.submit_application(actor=citizen, application=application)

    stranger = CitizenFactory(username="stranger")
    FirmRepresentativeFactory(firm=FirmFactory(), person=stranger.person)
    things = {
        "application": application,
        "case": application.cases.get(),
        "task": tasks_of(application)["shop-licence.fire-check"],
        "upload": MaterialUpload.objects.filter(application=application).first(),
        "correction": None,
    }
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["postcode"],
    )
    things["correction"] = CorrectionRequest.objects.get(case__application=application)
    assert_sees_nothing(stranger, things)

    # The firm's other representative sees it once submitted.
    assert selectors.application_for(actor=colleague, pk=application.pk) == application
    assert selectors.materials_for(actor=colleague, upload=things["upload"]) == things["upload"]


def test_applicant_and_case_clerks_may_fetch_the_files(
    case_with_correction: dict[str, Any], citizen: Any, clerk: Any
) -> None:
    stored = case_with_correction["upload"]
    assert selectors.materials_for(actor=citizen, upload=stored.pk) == stored
    # The fire department works on the case too, so its clerks see the whole case.
    assert selectors.materials_for(actor=clerk("fire.reviewer"), upload=stored) == stored
    assert selectors.materials_for(actor=clerk("market.approver"), upload=stored) == stored


def test_clerks_see_who_holds_a_task_in_the_timeline(
    submitted_shop: Any, clerk: Any, citizen: Any
) -> None:
    application = submitted_shop()
    services.claim_task(
        actor=clerk("fire.reviewer"), task=tasks_of(application)["shop-licence.fire-check"]
    )

    staff_view = selectors.case_timeline(actor=clerk("market.reviewer"), application=application)
    person_view = selectors.case_timeline(actor=citizen, application=application)

    assert staff_view.cases[0].tasks[1].assignee == str(clerk("fire.reviewer"))
    assert person_view.cases[0].tasks[1].assignee == ""


# --- Roles ------------------------------------------------------------------------------------


def test_queue_shows_each_clerk_the_steps_of_their_role(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()
    review = tasks_of(application)["shop-licence.market-review"]

    assert list(selectors.tasks_for_queue(actor=clerk("market.reviewer"))) == [review]
    assert list(selectors.tasks_for_queue(actor=clerk("market.approver"))) == []
    assert list(selectors.tasks_for_queue(actor=clerk("market.team_lead"))) == [review]
    assert list(
        selectors.tasks_for_queue(actor=clerk("market.team_lead"), status=TaskStatus.WAITING)
    ) == [tasks_of(application)["shop-licence.decide"]]
    assert list(selectors.tasks_for_queue(actor=clerk("fire.reviewer"), service="other")) == []


def test_a_reviewer_may_not_decide_an_approvers_step(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()
    for name, account in (
        ("shop-licence.market-review", "market.reviewer"),
        ("shop-licence.fire-check", "fire.reviewer"),
    ):
        services.decide_task(
            actor=clerk(account), task=tasks_of(application)[name], decision=Decision.APPROVE
        )
    decide = tasks_of(application)["shop-licence.decide"]

    with pytest.raises(PermissionDenied):
        services.decide_task(actor=clerk("market.reviewer"), task=decide, decision=Decision.APPROVE)
    services.decide_task(actor=clerk("market.team_lead"), task=decide, decision=Decision.APPROVE)
    assert Task.objects.get(pk=decide.pk).decided_by == clerk("market.team_lead")


def test_a_task_claimed_by_one_clerk_is_not_decided_by_another(
    submitted_shop: Any, clerk: Any, staff_of: Any, world: Any
) -> None:
    application = submitted_shop()
    task = tasks_of(application)["shop-licence.market-review"]
    second = staff_of(world["departments"]["market"], Role.REVIEWER, "market.reviewer2")
    services.claim_task(actor=clerk("market.reviewer"), task=task)

    with pytest.raises(ApplicationError):
        services.decide_task(actor=second, task=task, decision=Decision.APPROVE)
    with pytest.raises(ApplicationError):
        services.release_task(actor=second, task=task)
    # A team lead may take over.
    services.decide_task(actor=clerk("market.team_lead"), task=task, decision=Decision.APPROVE)


def test_handing_out_tasks(submitted_shop: Any, clerk: Any, staff_of: Any, world: Any) -> None:
    application = submitted_shop()
    task = tasks_of(application)["shop-licence.market-review"]
    second = staff_of(world["departments"]["market"], Role.REVIEWER, "market.reviewer2")

    with pytest.raises(ApplicationError):  # a reviewer does not hand out work
        services.assign_task(actor=clerk("market.reviewer"), task=task, assignee=second)
    with pytest.raises(ApplicationError):  # the fire reviewer cannot do market steps
        services.assign_task(
            actor=clerk("market.team_lead"), task=task, assignee=clerk("fire.reviewer")
        )

    services.assign_task(actor=clerk("market.approver"), task=task, assignee=second)
    assert Task.objects.get(pk=task.pk).assignee == second
    assert list(selectors.tasks_for_queue(actor=second)) == [Task.objects.get(pk=task.pk)]

    services.release_task(actor=second, task=task)
    released = Task.objects.get(pk=task.pk)
    assert released.status == TaskStatus.OPEN and released.assignee is None


def test_a_department_system_reads_its_departments_queue_but_cannot_act(
    submitted_shop: Any, world: Any
) -> None:
    from yiwang.audit.actors import system_actor
    from yiwang.exchange.services import register_system

    application = submitted_shop()
    fire = register_system(actor=system_actor("test"), department="fire", name="fire-cases")
    task = tasks_of(application)["shop-licence.fire-check"]

    assert list(selectors.tasks_for_queue(actor=fire)) == [task]
    assert selectors.task_for(actor=fire, pk=task.pk) == task
    with pytest.raises(PermissionDenied):
        selectors.task_for(actor=fire, pk=tasks_of(application)["shop-licence.market-review"].pk)
    with pytest.raises(PermissionDenied):
        services.claim_task(actor=fire, task=task)
