"""Reads of applications, cases and tasks, always for a given actor.

The rule for refusals, the same in every function here:

* functions that return a *list* (a queryset) return only what the actor may see — possibly
  nothing; they never raise for lack of rights;
* functions that return *one* thing raise :class:`yiwang.core.errors.PermissionDenied` both when
  it does not exist and when the actor may not see it, so that a caller cannot tell the two apart.
  Views turn it into a 404.

Who sees what:

* a citizen sees the applications they applied for, and those of firms they may act for today;
* a clerk sees the tasks of the departments they work in, and the applications and cases that
  have a task in one of those departments (the whole case, so that parallel departments see each
  other's progress);
* a department's own system (API token) sees what a team lead of that department sees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from yiwang.applications import domain, prefill, workflow
from yiwang.applications.constants import (
    QUEUE_TASK_STATUSES,
    CorrectionStatus,
    TaskStatus,
)
from yiwang.applications.models import Application, Case, CorrectionRequest, MaterialUpload, Task
from yiwang.applications.types import (
    MaterialRequirement,
    Timeline,
    TimelineCase,
    TimelineCorrection,
    TimelineTask,
)
from yiwang.catalogue.constants import STEP_ROLES
from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors as identity
from yiwang.identity.constants import Role

__all__ = [
    "application_for",
    "application_form",
    "applications_for",
    "case_for",
    "case_timeline",
    "correction_for",
    "materials_for",
    "materials_required",
    "open_corrections_for",
    "queue_slices",
    "task_for",
    "tasks_for_queue",
    "uploads_for",
]


# --- Who the actor is -------------------------------------------------------------------------


def _step_roles(actor: Any) -> dict[int, set[str]]:
    """Department pk -> the step roles (reviewer, approver, team lead) the actor holds there.

    A department's own IT system (an API principal of the exchange) reads its department's whole
    queue, as a team lead would; it cannot act on tasks, since the services ask for a membership.
    """
    from yiwang.exchange import selectors as exchange

    if exchange.is_department_system(actor):
        return {actor.department_id: set(STEP_ROLES)} if actor.is_active else {}
    out: dict[int, set[str]] = {}
    for department_id, role in identity.memberships_of(actor).values_list("department_id", "role"):
        if role in STEP_ROLES:
            out.setdefault(department_id, set()).add(role)
    return out


def _applicant_filter(actor: Any) -> Q | None:
    person = identity.person_for(actor)
    if person is None:
        return None
    firms = identity.firms_actor_may_act_for(actor).values("pk")
    # Drafts belong to their author; a firm's other representatives see it once submitted.
    return Q(applicant=person) | (Q(firm__in=firms) & ~Q(status="draft"))


def _staff_application_filter(departments: set[int]) -> Q:
    with_task = Task.objects.filter(case__application=OuterRef("pk"), department_id__in=departments)
    owned = Case.objects.filter(application=OuterRef("pk"), department_id__in=departments)
    return Q(Exists(with_task)) | Q(Exists(owned))


def _visible_applications(actor: Any) -> QuerySet[Application]:
    applicant = _applicant_filter(actor)
    if applicant is not None:
        return Application.objects.filter(applicant)
    departments = set(_step_roles(actor))
    if departments:
        return Application.objects.filter(_staff_application_filter(departments)).exclude(
            status="draft"
        )
    return Application.objects.none()


# --- Applications -----------------------------------------------------------------------------


def applications_for(*, actor: Any) -> QuerySet[Application]:
    """The actor's own applications and those of firms they may act for, newest first.

    Drafts are listed only to the person who started them. Staff get nothing here: their way in
    is the queue (:func:`tasks_for_queue`) and :func:`application_for`.
    """
    applicant = _applicant_filter(actor)
    if applicant is None:
        return Application.objects.none()
    return (
        Application.objects.filter(applicant)
        .select_related("service_version", "bundle_version", "firm")
        .order_by("-created_at", "-pk")
    )


def applications_by_reference(*, actor: Any, refs: Iterable[str]) -> dict[str, Application]:
    """The actor's own applications (or their firms') that case references name: a receipt
    number, or ``draft-<pk>`` for reads made while the application was a draft. A reference to
    anyone else's application matches nothing, and so says nothing about it."""
    refs = set(refs)
    drafts = {ref: pk for ref in refs if (pk := domain.draft_pk(ref)) is not None}
    numbers = refs - drafts.keys()
    if not refs:
        return {}
    rows = applications_for(actor=actor).filter(
        Q(receipt_number__in=numbers) | Q(pk__in=drafts.values())
    )
    by_pk = {app.pk: app for app in rows}
    found = {app.receipt_number: app for app in by_pk.values() if app.receipt_number in numbers}
    found.update({ref: by_pk[pk] for ref, pk in drafts.items() if pk in by_pk})
    return found


def application_for(
    *, actor: Any, receipt_number: str | None = None, pk: int | None = None
) -> Application:
    """One application by receipt number (typing slips like O/0 forgiven) or by pk.

    Visible to the applicant, to people who may act for its firm (once submitted), and to clerks
    of departments that hold a task or a case of it. Raises ``PermissionDenied`` otherwise or
    when there is none.
    """
    if (receipt_number is None) == (pk is None):
        raise ValueError("pass exactly one of receipt_number and pk")
    found: Application | None = None
    visible = _visible_applications(actor).select_related(
        "service_version", "bundle_version", "applicant", "firm"
    )
    if receipt_number is not None:
        number = domain.normalise_receipt_number(receipt_number)
        if number is not None:
            found = visible.filter(receipt_number=number).first()
    elif pk is not None:
        found = visible.filter(pk=pk).first()
    if found is None:
        raise PermissionDenied("no such application")
    return found


def application_form(*, application: Application) -> domain.FormSpec:
    """The form of an application as pinned: schema, pages in order, and (given the answers) the
    required fields and materials. Takes no actor: the caller already got the application through
    a selector."""
    return workflow.form_of(application)[0]


def uploads_for(*, actor: Any, application: Application) -> QuerySet[MaterialUpload]:
    """The current (not superseded) files of an application the actor may see."""
    if not _visible_applications(actor).filter(pk=application.pk).exists():
        return MaterialUpload.objects.none()
    return MaterialUpload.objects.filter(application=application, superseded=False).order_by(
        "material_code", "uploaded_at"
    )


def materials_required(*, application: Application) -> list[MaterialRequirement]:
    """The materials the application needs given its current answers, with the current files.

    Takes no actor: the caller already got the application through a selector.
    """
    spec = workflow.form_of(application)[0]
    current = {
        u.material_code: u
        for u in MaterialUpload.objects.filter(application=application, superseded=False)
    }
    provided = prefill.satisfied_materials(application)
    return [
        MaterialRequirement(
            code=m.code,
            name=m.name,
            description=m.description,
            file_types=m.file_types,
            max_size_mb=m.max_size_mb,
            optional=m.optional,
            upload=current.get(m.code),
            provided_by=provided.get(m.code),
        )
        for m in spec.materials_needed(application.form_data)
    ]


def prefill_for(*, actor: Any, application: Application) -> Any:
    """The application's prefill snapshot (or None), for the applicant's side only."""
    from yiwang.applications.models import PrefillSnapshot

    if not _visible_applications(actor).filter(pk=application.pk).exists():
        return None
    if not workflow.is_applicant_side(actor, application):
        return None
    return PrefillSnapshot.objects.filter(application=application).first()


def locked_answers(*, application: Application) -> dict[str, Any]:
    """Answers confirmed from official records, by field: value, registry and its name, as-of
    time. They are shown, not asked. Takes no actor: the caller got the application through a
    selector."""
    return prefill.locked_fields(application)


def materials_for(*, actor: Any, upload: MaterialUpload | int) -> MaterialUpload:
    """One uploaded file, for serving it: only to the applicant's side and the case's clerks.

    Raises ``PermissionDenied`` for anyone else (and for a file that does not exist).
    """
    pk = upload.pk if isinstance(upload, MaterialUpload) else int(upload)
    found = (
        MaterialUpload.objects.filter(
            pk=pk, application__in=_visible_applications(actor).values("pk")
        )
        .select_related("application")
        .first()
    )
    if found is None:
        raise PermissionDenied("no such file")
    return found


# --- Tasks and cases --------------------------------------------------------------------------


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


def case_timeline(*, actor: Any, application: Application) -> Timeline:
    """Every case of an application with its steps, departments, due dates, corrections,
    decisions and results. Clerks also see who holds each task; the person sees departments.

    Raises ``PermissionDenied`` when the actor may not see the application.
    """
    if not _visible_applications(actor).filter(pk=application.pk).exists():
        raise PermissionDenied("no such application")
    staff = identity.person_for(actor) is None
    cases = list(
        Case.objects.filter(application=application)
        .select_related("department")
        .order_by("position")
    )
    tasks: dict[int, list[Task]] = {}
    for task in (
        Task.objects.filter(case__application=application)
        .select_related("department", "assignee")
        .order_by("case_id", "position")
    ):
        tasks.setdefault(task.case_id, []).append(task)
    corrections: dict[int, list[CorrectionRequest]] = {}
    for correction in CorrectionRequest.objects.filter(case__application=application).order_by(
        "opened_at", "pk"
    ):
        corrections.setdefault(correction.case_id, []).append(correction)
    return Timeline(
        application=application,
        cases=[
            TimelineCase(
                pk=case.pk,
                service_code=case.service_code,
                name=case.name,
                department=case.department.name,
                status=case.status,
                status_label=str(case.get_status_display()),
                accepted_at=case.accepted_at,
                due_date=case.due_date,
                statutory_due_date=case.statutory_due_date,
                deadline_state=case.deadline_state,
                decided_at=case.decided_at,
                outcome=case.outcome,
                tasks=[
                    TimelineTask(
                        pk=task.pk,
                        step_code=task.step_code,
                        stage_id=task.stage_id,
                        name=task.name,
                        department=task.department.name,
                        status=task.status,
                        status_label=str(task.get_status_display()),
                        due_date=task.due_date,
                        decision=task.decision,
                        # A refusal's reason is written for the person; notes stay internal.
                        reason=task.reason,
                        decided_at=task.decided_at,
                        assignee=str(task.assignee) if staff and task.assignee else "",
                    )
                    for task in tasks.get(case.pk, [])
                    if staff or task.status != TaskStatus.CANCELLED or task.decided_at
                ],
                corrections=[
                    TimelineCorrection(
                        pk=c.pk,
                        status=c.status,
                        fields=list(c.fields),
                        materials=list(c.materials),
                        note=c.note,
                        opened_at=c.opened_at,
                        resolved_at=c.resolved_at,
                    )
                    for c in corrections.get(case.pk, [])
                ],
            )
            for case in cases
        ],
    )
