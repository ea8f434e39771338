"""Clerks' reads of an application's data, each on the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from yiwang.applications import selectors
from yiwang.applications.models import MaterialUpload, Task
from yiwang.applications.services._common import record, subjects_of
from yiwang.applications.types import CaseFile
from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors as identity

#
# Reading a case changes nothing, but it is a use of the applicant's personal data, so it is on
# the audit log like every change: who read whose application, in which department and role.
# The page or API handler calls these once per answer that shows the data, after the selector
# found it (a refused read raises there and records nothing) and before the answer is built: if
# the event cannot be written, the data is not shown. These reads are not exchange reads and do
# not appear in the person's access log (数据使用记录); the person's timeline does not change.


def _reader(actor: Any, departments: Iterable[int], prefer: str = "") -> tuple[Any, str, str]:
    """Who read, as the audit log names them, with the department and role they read in.

    A department system is named as the exchange names it (its department, role ``system``).
    A clerk reads in the first of ``departments`` (by code) where they hold a step role, in the
    role ``prefer`` (the task's own) if they hold it there, else as team lead, approver or
    reviewer. Anyone else — who could not have found the case — is refused.
    """
    from yiwang.catalogue.constants import STEP_ROLES
    from yiwang.exchange import selectors as exchange
    from yiwang.exchange import services as exchange_services
    from yiwang.identity.constants import Role

    wanted = set(departments)
    if exchange.is_department_system(actor):
        if actor.department_id not in wanted:
            raise PermissionDenied("not a case of the system's department")
        return exchange_services.audit_actor(actor), "", ""
    held: dict[str, set[str]] = {}
    for code, role in (
        identity.memberships_of(actor)
        .filter(department_id__in=wanted, role__in=STEP_ROLES)
        .values_list("department__code", "role")
    ):
        held.setdefault(code, set()).add(role)
    if not held:
        raise PermissionDenied("not a case of the actor's departments")
    code = min(held)
    role = next(
        r for r in (prefer, Role.TEAM_LEAD, Role.APPROVER, Role.REVIEWER) if r in held[code]
    )
    return actor, code, role


def record_case_view(*, actor: Any, task: Task, shown: CaseFile) -> None:
    """Record that a clerk (or their department's system) opened ``task`` and with it its case
    file ``shown``: the answers, the files listed and the timeline. The event names the fields
    whose answers and the materials whose files it shows (for a case of a bundle, only what its
    own service asks for), so the log says which of the person's data was read.

    ``task`` comes from :func:`yiwang.applications.selectors.task_for` and ``shown`` from
    :func:`yiwang.applications.selectors.case_file_for`, with the same actor.
    """
    case = task.case
    app = case.application
    if shown.case.pk != case.pk:
        raise ValueError("the case file shown is not the task's")
    reader, department, role = _reader(actor, [task.department_id], prefer=task.role)
    with transaction.atomic():
        record(
            actor=reader,
            action="applications.case_viewed",
            obj=case,
            subjects=subjects_of(app),
            department=department or None,
            role=role or None,
            data={
                "application": app.pk,
                "task": task.pk,
                "step": task.step_code,
                "fields": shown.fields_shown,
                "materials": shown.materials_shown,
            },
        )


def record_material_view(*, actor: Any, upload: MaterialUpload) -> None:
    """Record that a clerk of the case (or their department's system) downloaded an uploaded
    file. ``upload`` comes from :func:`yiwang.applications.selectors.materials_for`."""
    app = upload.application
    # Read in a department whose case asks for the material: only there may it be read.
    reader, department, role = _reader(actor, selectors.departments_asking_for(upload=upload))
    with transaction.atomic():
        record(
            actor=reader,
            action="applications.material_viewed",
            obj=upload,
            subjects=subjects_of(app),
            department=department or None,
            role=role or None,
            data={
                "application": app.pk,
                "material": upload.material_code,
                "sha256": upload.sha256,
            },
        )
