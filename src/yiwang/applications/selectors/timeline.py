"""Where an application stands: every case with its steps, corrections and decisions.

The person sees everything of their own application. Staff see every case's status, steps,
due dates and decisions (which departments work on a bundle, and how far they are: no answers in
it), but of a correction only the fields and materials they are shown themselves, and its note
(written to the applicant) only on the cases their departments hold.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from yiwang.applications import domain
from yiwang.applications.constants import TaskStatus
from yiwang.applications.models import Application, Case, CorrectionRequest, Task
from yiwang.applications.selectors.access import (
    _held_cases,
    _is_staff,
    _services_part,
    _visible_applications,
)
from yiwang.applications.types import (
    Timeline,
    TimelineCase,
    TimelineCorrection,
    TimelineTask,
)
from yiwang.core.errors import PermissionDenied


def case_timeline(*, actor: Any, application: Application) -> Timeline:
    """Every case of an application with its steps, departments, due dates, corrections,
    decisions and results. Clerks also see who holds each task; the person sees departments.

    Staff are shown of each correction only the fields and materials of the part they may see
    (what the services of their departments' cases ask for) and its note only on those cases.
    Raises ``PermissionDenied`` when the actor may not see the application.
    """
    if not _visible_applications(actor).filter(pk=application.pk).exists():
        raise PermissionDenied("no such application")
    if not _is_staff(actor):
        return timeline_of(application)
    held = _held_cases(actor, application)
    return timeline_of(application, part=_services_part(application, held.values()), held=held)


def timeline_of(
    application: Application,
    *,
    part: domain.Part | None = None,
    held: Collection[int] = (),
) -> Timeline:
    """The timeline as the applicant's side (no ``part``) or staff shown ``part`` see it;
    ``held``: the cases whose corrections' notes staff see. Takes no actor: callers in this
    package found the application for one."""
    staff = part is not None
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
                        fields=[f for f in c.fields if part is None or f in part.fields],
                        materials=[m for m in c.materials if part is None or m in part.materials],
                        note=c.note if part is None or case.pk in held else "",
                        opened_at=c.opened_at,
                        resolved_at=c.resolved_at,
                    )
                    for c in corrections.get(case.pk, [])
                ],
            )
            for case in cases
        ],
    )
