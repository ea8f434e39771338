"""What the clerks of a case are shown of its application (data minimisation, 最小必要).

A bundle's application fans out into one case per service, each in its department's queue. A
department sees only what its own service asks for: the answers to the fields its service's
form asks (a field two services share, asked once, is both services') and the files of the
materials its service asks for. Whatever else the person told the other departments of the
bundle is not theirs to read. A single service's case shows the whole application, as before.
See ``docs/adr/0016-each-department-sees-its-own-service.md``.
"""

from __future__ import annotations

from typing import Any

from yiwang.applications import domain, prefill, workflow
from yiwang.applications.models import Application, Case, MaterialUpload, Task
from yiwang.applications.selectors.access import (
    _case_part,
    _held_cases,
    _step_roles,
)
from yiwang.applications.selectors.applications import materials_required
from yiwang.applications.selectors.timeline import timeline_of
from yiwang.applications.types import CaseFile
from yiwang.core.errors import PermissionDenied


def case_file_for(*, actor: Any, task: Task) -> CaseFile:
    """The part of ``task``'s application that its case's clerks are shown: the answers, the
    answers confirmed from official records, the current files and the materials needed, all
    of what the case's service asks for, and the timeline (see :func:`case_timeline`) naming
    only those fields and materials.

    ``task`` comes from :func:`task_for` with the same actor; a task of a department the actor
    does not work in raises ``PermissionDenied`` here too.
    """
    departments = set(_step_roles(actor))
    if task.department_id not in departments:
        raise PermissionDenied("no such task")
    case = task.case
    app = case.application
    part = _case_part(app, case.service_code)
    spec = workflow.form_of(app)[0]
    answers = part.answers(app.form_data)
    sources = {k: v for k, v in prefill.locked_fields(app).items() if k in part.fields}
    uploads = list(
        MaterialUpload.objects.filter(
            application=app, superseded=False, material_code__in=sorted(part.materials)
        ).order_by("material_code", "uploaded_at")
    )
    return CaseFile(
        application=app,
        case=case,
        form=domain.FormPart(spec, part),
        answers=answers,
        sources=sources,
        uploads=uploads,
        required=materials_required(application=app, part=part),
        timeline=timeline_of(app, part=part, held=_held_cases(actor, app, departments)),
    )


def case_part(*, application: Application, case: Case) -> domain.Part:
    """What the service of ``case`` (of ``application``) asks for: the fields and materials its
    clerks may see and may ask the applicant to correct. Takes no actor: the caller found the
    case for one."""
    if case.application_id != application.pk:
        raise ValueError("the case is not the application's")
    return _case_part(application, case.service_code)


def departments_asking_for(*, upload: MaterialUpload) -> set[int]:
    """The departments that hold a case (own it or have a task in it) whose service asks for
    the file's material: those in which a clerk may have read it. Takes no actor: the caller
    found the file through :func:`materials_for`."""
    app = upload.application
    codes = {
        code
        for code in Case.objects.filter(application=app).values_list("service_code", flat=True)
        if upload.material_code in _case_part(app, code).materials
    }
    owners = Case.objects.filter(application=app, service_code__in=codes)
    return set(owners.values_list("department_id", flat=True)) | set(
        Task.objects.filter(case__application=app, case__service_code__in=codes).values_list(
            "department_id", flat=True
        )
    )
