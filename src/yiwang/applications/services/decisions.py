"""Clerks' work on tasks: claiming, releasing, handing out and deciding."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.applications import workflow
from yiwang.applications.constants import (
    ApplicationStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import (
    Application,
    Task,
)
from yiwang.applications.services._common import case_context, notify, record
from yiwang.applications.services.corrections import request_correction
from yiwang.applications.types import (
    ApplicationError,
    FormInvalid,
    IllegalTransition,
)
from yiwang.core.errors import PermissionDenied
from yiwang.notifications.constants import Event


def _clerk_roles(actor: Any, task: Task) -> frozenset[str]:
    roles = workflow.roles_in(actor, task.department_id)
    if not roles:
        raise PermissionDenied("not a task of the actor's departments")
    return roles


def _task_event(actor: Any, action: str, task: Task, **data: Any) -> None:
    record(
        actor=actor,
        action=action,
        obj=task,
        data={"case": task.case_id, "step": task.step_code, **data},
    )


def claim_task(*, actor: Any, task: Task) -> Task:
    """Take an open task from the department queue."""
    with transaction.atomic():
        _app, _case, locked = workflow.lock_task_chain(task.pk)
        roles = _clerk_roles(actor, locked)
        if not workflow.may_handle(roles, locked):
            raise PermissionDenied("the actor's role may not handle this step")
        workflow.transition(locked, "claim", actor)
        locked.save(update_fields=["status", "assignee", "claimed_at"])
        _task_event(actor, "applications.task_claimed", locked)
    return locked


def release_task(*, actor: Any, task: Task) -> Task:
    """Give a claimed task back to the queue (its assignee or a team lead)."""
    from yiwang.identity.constants import Role

    with transaction.atomic():
        _app, _case, locked = workflow.lock_task_chain(task.pk)
        roles = _clerk_roles(actor, locked)
        if locked.assignee_id != actor.pk and Role.TEAM_LEAD not in roles:
            raise ApplicationError(
                _("Only the clerk handling this task or a team lead can do this.")
            )
        workflow.transition(locked, "release")
        locked.save(update_fields=["status", "assignee", "claimed_at"])
        _task_event(actor, "applications.task_released", locked)
    return locked


def assign_task(*, actor: Any, task: Task, assignee: Any) -> Task:
    """Hand an open or claimed task to a clerk who may handle it (team leads and approvers)."""
    with transaction.atomic():
        _app, _case, locked = workflow.lock_task_chain(task.pk)
        roles = _clerk_roles(actor, locked)
        if not workflow.may_hand_out(roles):
            raise ApplicationError(_("Only a team lead or an approver can hand out tasks."))
        if not workflow.may_handle(workflow.roles_in(assignee, locked.department_id), locked):
            raise ApplicationError(
                _("%(name)s cannot handle this step in this department.") % {"name": assignee}
            )
        workflow.transition(locked, "assign", assignee)
        locked.save(update_fields=["status", "assignee", "claimed_at"])
        _task_event(actor, "applications.task_assigned", locked, assignee=assignee.pk)
    return locked


def decide_task(
    *,
    actor: Any,
    task: Task,
    decision: str,
    reason: str = "",
    correction_fields: Iterable[str] = (),
    correction_materials: Iterable[str] = (),
    note: str = "",
) -> Task:
    """Record a clerk's decision on a task.

    * ``approve``: the task is done; the next stage opens when this one is complete; the case is
      approved when every task that applies is.
    * ``reject`` needs a ``reason`` (shown to the person); the case is refused and its other
      tasks are cancelled.
    * ``request_correction`` needs at least one field or material; it opens a correction (补正)
      that puts the whole case on hold and stops its clock until the person answers.

    An open task is claimed by the deciding clerk first. A task claimed by another clerk can be
    decided only by a team lead.
    """
    from yiwang.identity.constants import Role

    if decision not in Decision.values:
        raise ApplicationError(_("Choose approve, refuse or ask for a correction."))
    reason = (reason or "").strip()
    note = (note or "").strip()
    fields = list(dict.fromkeys(correction_fields))
    materials = list(dict.fromkeys(correction_materials))
    with transaction.atomic():
        app, case, locked = workflow.lock_task_chain(task.pk)
        roles = _clerk_roles(actor, locked)
        if not workflow.may_handle(roles, locked):
            raise PermissionDenied("the actor's role may not handle this step")
        if locked.status == TaskStatus.OPEN:
            workflow.transition(locked, "claim", actor)
        elif (
            locked.status == TaskStatus.CLAIMED
            and locked.assignee_id != actor.pk
            and Role.TEAM_LEAD not in roles
        ):
            raise ApplicationError(_("Another clerk is handling this task."))
        if locked.status != TaskStatus.CLAIMED:
            raise IllegalTransition(
                _("This task cannot be decided now: it is %(status)s.")
                % {"status": locked.get_status_display()}
            )
        if decision == Decision.REQUEST_CORRECTION:
            return request_correction(actor, app, case, locked, fields, materials, note)
        if decision == Decision.REJECT and not reason:
            raise FormInvalid(
                _("Give the reason for refusing; the applicant will see it."),
                {"reason": [_("Give the reason for refusing; the applicant will see it.")]},
            )
        workflow.transition(locked, "decide", decision, reason, actor)
        locked.save(
            update_fields=[
                "status",
                "assignee",
                "claimed_at",
                "decision",
                "reason",
                "decided_by",
                "decided_at",
            ]
        )
        tasks = [t if t.pk != locked.pk else locked for t in case.tasks.order_by("position")]
        _spec, pinned = workflow.form_of(app)
        opened = []
        if decision == Decision.APPROVE:
            opened = workflow.open_ready_stages(case, tasks, pinned[case.service_code].definition)
        case_changed = workflow.sync_case(case, tasks)
        app_changed = workflow.sync_application(app) if case_changed else False
        _task_event(
            actor,
            "applications.task_decided",
            locked,
            decision=decision,
            opened=[t.pk for t in opened],
            case_status=case.status,
            application_status=app.status,
        )
        if app_changed and app.status == ApplicationStatus.COMPLETED:
            notify(
                event=Event.COMPLETED,
                application=app,
                context={
                    "outcome": app.outcome,
                    "cases": [case_context(c) for c in app.cases.order_by("position")],
                    "reasons": _reasons(app),
                },
            )
        elif case_changed and case.is_decided:
            notify(
                event=Event.DECIDED,
                application=app,
                discriminator=f"case{case.pk}",
                context={"case": case_context(case), "reason": reason},
            )
    return locked


def _reasons(app: Application) -> list[dict[str, Any]]:
    """The reasons of every refusal in the application, for the completion message."""
    return [
        {"name": {"zh": t.case.name_zh, "en": t.case.name_en}, "reason": t.reason}
        for t in Task.objects.filter(
            case__application=app, decision=Decision.REJECT, status=TaskStatus.DONE
        ).select_related("case")
    ]
