"""Clerks' and department systems' operations (``/tasks``): the queue, one task, claim, decide."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from yiwang.api.auth import clerk_auth, principal
from yiwang.api.errors import ApiError, error_responses
from yiwang.applications import selectors, services
from yiwang.applications.api.render import local_today, task_detail_out, task_out
from yiwang.applications.api.schemas import (
    DecisionIn,
    IdParam,
    TaskDetail,
    TaskList,
    TaskOut,
    TaskParams,
)
from yiwang.applications.constants import QUEUE_TASK_STATUSES
from yiwang.applications.models import Task
from yiwang.core.pagination import BadCursor, Cursor, keyset_page
from yiwang.exchange import selectors as exchange
from yiwang.identity import selectors as identity

clerk_router = Router(tags=["tasks"], auth=clerk_auth)

# The columns a queue row renders: the applications' answers stay in the database.
TASK_ROW_FIELDS = (
    *("id", "name_zh", "name_en", "service_code", "step_code", "role", "status", "due_date"),
    *("opened_at", "claimed_at", "decision", "decided_at", "department__id", "department__code"),
    *("assignee__id", "assignee__username"),
    *("case__id", "case__name_zh", "case__name_en", "case__status", "case__due_date"),
    *("case__deadline_state", "case__application__id", "case__application__status"),
    "case__application__receipt_number",
)


def _clerk_only(actor: Any, task: Task) -> Task:
    """A department system reads its department's tasks; claiming and deciding are acts of a
    named clerk, so a system is refused them (after the task was found: 403, not 404)."""
    if exchange.is_department_system(actor):
        message = _("A department system can read tasks; claiming and deciding need a clerk.")
        raise ApiError(403, "clerk_required", message)
    return task


@clerk_router.get(
    "",
    response={200: TaskList, **error_responses(401, 403, 422)},
    summary="The department's work queue, soonest due (so overdue) first",
)
def list_tasks(request: HttpRequest, params: Query[TaskParams]) -> dict[str, Any]:
    actor = principal(request)
    try:
        after = Cursor.parse(params.cursor) if params.cursor else None
    except BadCursor:
        message = _("Use the next_cursor of a previous page.")
        raise ApiError(422, "invalid", message, {"cursor": [message]}) from None
    department = None
    if params.department:
        department = identity.departments_for(actor).filter(code=params.department).first()
        if department is None:
            return {"items": [], "next_cursor": None}
    # One slice per status, so that each is read in the order of the queue index.
    slices = [
        tasks.only(*TASK_ROW_FIELDS)
        for tasks in selectors.queue_slices(
            actor=actor,
            department=department,
            service=params.service,
            statuses=list(params.status or QUEUE_TASK_STATUSES),
            due_before=params.due_before,
        )
    ]
    page = keyset_page(slices, field="due_date", limit=params.limit, after=after)
    today = local_today()
    return {
        "items": [task_out(t, today) for t in page.items],
        "next_cursor": str(page.next) if page.next else None,
    }


@clerk_router.get(
    "/{task_id}",
    response={200: TaskDetail, **error_responses(401, 403, 404, 422)},
    summary="One task with its case: the answers, the files and the timeline",
    description=(
        "For a case of a bundle (一件事), the answers and files are only those its own service "
        "asks for (a field or material several services share is each one's): the other "
        "departments' parts of the application are not shown. Every read is on the audit log, "
        "naming the fields and materials shown."
    ),
)
def get_task(request: HttpRequest, task_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    task = selectors.task_for(actor=actor, pk=task_id)
    shown = selectors.case_file_for(actor=actor, task=task)
    # The applicant's data: on the audit log before it is sent.
    services.record_case_view(actor=actor, task=task, shown=shown)
    return task_detail_out(task, shown)


@clerk_router.post(
    "/{task_id}/claim",
    response={200: TaskOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Take an open task from the queue",
)
def claim_task(request: HttpRequest, task_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    task = _clerk_only(actor, selectors.task_for(actor=actor, pk=task_id))
    task = services.claim_task(actor=actor, task=task)
    return task_out(selectors.task_for(actor=actor, pk=task.pk), local_today())


@clerk_router.post(
    "/{task_id}/decision",
    response={200: TaskOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Approve, refuse (with a reason) or ask for a correction (补正)",
)
def decide_task(
    request: HttpRequest, payload: DecisionIn, task_id: int = IdParam
) -> dict[str, Any]:
    actor = principal(request)
    task = services.decide_task(
        actor=actor,
        task=_clerk_only(actor, selectors.task_for(actor=actor, pk=task_id)),
        decision=payload.decision,
        reason=payload.reason,
        correction_fields=payload.correction_fields,
        correction_materials=payload.correction_materials,
        note=payload.note,
    )
    return task_out(selectors.task_for(actor=actor, pk=task.pk), local_today())
