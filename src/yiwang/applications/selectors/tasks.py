"""The work queue, tasks, cases and corrections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import F, Q, QuerySet

from yiwang.applications import domain, prefill, workflow
from yiwang.applications.constants import QUEUE_TASK_STATUSES, CorrectionStatus
from yiwang.applications.models import Application, Case, CorrectionRequest, MaterialUpload, Task
from yiwang.applications.selectors.access import _step_roles, _visible_applications
from yiwang.applications.selectors.applications import uploads_for
from yiwang.applications.types import MaterialRequirement
from yiwang.core.errors import PermissionDenied
from yiwang.identity.constants import Role


def tasks_for_queue(
    *,
    actor: Any,
    department: Any = None,
    service: str | None = None,
    status: str | list[str] | None = None,
    due_before: dt.date | None = None,
    order: str = "due",
) -> QuerySet[Task]:
    """A clerk's work queue: tasks of their departments that their roles may handle.

    ``department`` (a Department or its pk) narrows to one of the actor's departments (another
    gives nothing), ``service`` to a service code, ``status`` to one or more task statuses
    (default: open and claimed), ``due_before`` to tasks due on or before a date.
    ``order="due"`` puts the soonest due first, which is overdue first (a task is overdue exactly
    when its due date has passed, since time on hold is added to its due date), then by age;
    ``order="new"`` puts the newest first.
    """
    return _queue(
        _step_roles(actor),
        department=department,
        service=service,
        status=status,
        due_before=due_before,
        order=order,
    )


def queue_slices(
    *,
    actor: Any,
    department: Any = None,
    service: str | None = None,
    statuses: list[str] | None = None,
    due_before: dt.date | None = None,
) -> list[QuerySet[Task]]:
    """The work queue (as :func:`tasks_for_queue`, soonest due first) as one queryset per task
    status (default: open and claimed), each of which the queue index returns in order: what
    :func:`yiwang.core.pagination.keyset_page` merges into pages. The actor's roles are read
    once for all of them."""
    roles = _step_roles(actor)
    return [
        _queue(roles, department=department, service=service, status=status, due_before=due_before)
        for status in dict.fromkeys(statuses or QUEUE_TASK_STATUSES)
    ]


def _queue(
    roles: dict[int, set[str]],
    *,
    department: Any = None,
    service: str | None = None,
    status: str | list[str] | None = None,
    due_before: dt.date | None = None,
    order: str = "due",
) -> QuerySet[Task]:
    if department is not None:
        wanted = getattr(department, "pk", department)
        roles = {d: r for d, r in roles.items() if d == wanted}
    if not roles:
        return Task.objects.none()
    scope = Q()
    for department_id, held in roles.items():
        if Role.TEAM_LEAD in held:
            scope |= Q(department_id=department_id)
        else:
            scope |= Q(department_id=department_id, role__in=sorted(held))
    statuses = (
        list(QUEUE_TASK_STATUSES)
        if status is None
        else [status]
        if isinstance(status, str)
        else list(status)
    )
    tasks = Task.objects.filter(scope, status__in=statuses)
    if service:
        tasks = tasks.filter(service_code=service)
    if due_before is not None:
        tasks = tasks.filter(due_date__lte=due_before)
    tasks = tasks.select_related("case", "case__application", "department", "assignee")
    if order == "new":
        return tasks.order_by("-opened_at", "-pk")
    if order != "due":
        raise ValueError(f"order must be 'due' or 'new', not {order!r}")
    return tasks.order_by(F("due_date").asc(nulls_last=True), "opened_at", "pk")


def task_for(*, actor: Any, pk: int) -> Task:
    """One task, for a clerk (reviewer, approver, team lead) of its department.

    Raises ``PermissionDenied`` otherwise or when there is none.
    """
    departments = set(_step_roles(actor))
    found = (
        Task.objects.filter(pk=pk, department_id__in=departments)
        .select_related("case", "case__application", "department", "assignee")
        .first()
    )
    if found is None:
        raise PermissionDenied("no such task")
    return found


def case_for(*, actor: Any, pk: int) -> Case:
    """One case, for the applicant's side or a clerk with a task in its application."""
    found = (
        Case.objects.filter(pk=pk, application__in=_visible_applications(actor).values("pk"))
        .select_related("application", "department")
        .first()
    )
    if found is None:
        raise PermissionDenied("no such case")
    return found


def correction_for(*, actor: Any, pk: int) -> CorrectionRequest:
    """One correction request, for the applicant's side or a clerk of the case."""
    found = (
        CorrectionRequest.objects.filter(
            pk=pk, case__application__in=_visible_applications(actor).values("pk")
        )
        .select_related("case", "case__application", "task")
        .first()
    )
    if found is None:
        raise PermissionDenied("no such correction")
    return found


def correction_scope(
    *, application: Application, correction: CorrectionRequest, data: Mapping[str, Any]
) -> domain.CorrectionScope:
    """What the person may answer and upload in this correction if they send ``data``: the
    answers the clerk chose, the fields the changed answers now require that had no answer, and
    the materials they now need that have no file (one given in this correction aside) and no
    registry data standing in (see :func:`yiwang.applications.domain.correction_scope`). Takes no
    actor: the caller got the application and the correction through selectors."""
    spec = workflow.form_of(application)[0]
    on_file = set(
        MaterialUpload.objects.filter(application=application, superseded=False)
        .exclude(correction=correction)
        .values_list("material_code", flat=True)
    )
    on_file.update(prefill.satisfied_materials(application))
    return domain.correction_scope(
        spec,
        application.form_data,
        correction.fields,
        data,
        asked_materials=correction.materials,
        on_file=on_file,
    )


def correction_materials(
    *, actor: Any, application: Application, scope: domain.CorrectionScope, correction_id: int
) -> list[MaterialRequirement]:
    """The documents a correction asks the person to upload (:attr:`CorrectionScope.files`),
    none of them optional, each with the file given for it in this correction so far."""
    spec = workflow.form_of(application)[0]
    given = {
        u.material_code: u
        for u in uploads_for(actor=actor, application=application).filter(
            correction_id=correction_id
        )
    }
    found = [spec.material(code) for code in scope.files]
    return [
        MaterialRequirement.of(m, optional=False, upload=given.get(m.code))
        for m in found
        if m is not None
    ]


def open_corrections_for(*, actor: Any, application: Application) -> list[CorrectionRequest]:
    """The corrections of an application still waiting for the person (empty if not visible)."""
    return list(
        CorrectionRequest.objects.filter(
            case__application=application,
            case__application__in=_visible_applications(actor).values("pk"),
            status=CorrectionStatus.OPEN,
        )
        .select_related("case", "task")
        .order_by("opened_at", "pk")
    )
