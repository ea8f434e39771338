"""Asking the applicant to fix parts of an application (补正), and their answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.applications import domain, prefill, replanning, selectors, workflow
from yiwang.applications.constants import (
    CorrectionStatus,
    TaskStatus,
)
from yiwang.applications.models import (
    Application,
    Case,
    CorrectionRequest,
    Task,
)
from yiwang.applications.services._common import (
    case_context,
    field_title,
    notify,
    record,
    subjects_of,
    task_names,
)
from yiwang.applications.services.uploads import discard_files, save_upload
from yiwang.applications.types import (
    FormInvalid,
    SubmissionIncomplete,
    UploadRefused,
)
from yiwang.core import calendar, clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import pick
from yiwang.notifications.constants import Event


def request_correction(
    actor: Any,
    app: Application,
    case: Case,
    task: Task,
    fields: list[str],
    materials: list[str],
    note: str,
) -> Task:
    if not fields and not materials:
        raise FormInvalid(
            _("Choose at least one answer or material the applicant must correct."),
            {"correction_fields": [_("Choose at least one answer or material to correct.")]},
        )
    spec, _pinned = workflow.form_of(app)
    # A case asks only about what its own service asks for: in a bundle, another service's
    # question or material is not this department's to see, so it is refused as unknown.
    part = selectors.case_part(application=app, case=case)
    form = domain.FormPart(spec, part)
    unknown_fields = [f for f in fields if f not in form.fields]
    unknown_materials = [m for m in materials if form.material(m) is None]
    if unknown_fields or unknown_materials:
        raise FormInvalid(
            _("The form has no such question or material: %(names)s.")
            % {"names": ", ".join(unknown_fields + unknown_materials)},
            {
                **({"correction_fields": unknown_fields} if unknown_fields else {}),
                **({"correction_materials": unknown_materials} if unknown_materials else {}),
            },
        )
    # The task keeps its assignee: it comes back to the same clerk when the person answers.
    task.save(update_fields=["status", "assignee", "claimed_at"])
    correction = CorrectionRequest.objects.create(
        case=case,
        task=task,
        requested_by=actor,
        fields=fields,
        materials=materials,
        note=note,
        opened_at=clock.now(),
    )
    tasks = list(case.tasks.order_by("position"))
    for other in tasks:
        if other.status in (TaskStatus.OPEN, TaskStatus.CLAIMED):
            workflow.transition(other, "hold")
            other.save(update_fields=["status"])
        if other.pk == task.pk:
            task = other
    workflow.sync_case(case, tasks)
    workflow.sync_application(app)
    record(
        actor=actor,
        action="applications.correction_requested",
        obj=correction,
        subjects=subjects_of(app),
        data={
            "case": case.pk,
            "task": task.pk,
            "fields": fields,
            "materials": materials,
        },
    )
    notify(
        event=Event.CORRECTION_REQUESTED,
        application=app,
        discriminator=f"correction{correction.pk}",
        context={
            "case": case_context(case),
            "fields": [field_title(spec, f) for f in fields],
            "materials": [
                dict(m.name) for m in (spec.material(code) for code in materials) if m is not None
            ],
            "note": note,
        },
    )
    return task


# --- Corrections ------------------------------------------------------------------------------


def resubmit_correction(
    *,
    actor: Any,
    correction: CorrectionRequest,
    data: Mapping[str, Any] | None = None,
    uploads: Mapping[str, UploadedFile] | None = None,
    reports: Mapping[str, str] | None = None,
) -> CorrectionRequest:
    """The person answers a correction: new values for the asked-for fields and new files.

    Only the fields and materials the clerk listed may change, the fields the changed answers
    now require that had no answer (the form's ``if``/``then`` and ``dependentRequired`` rules)
    and the materials they now need that have no file (a material's condition, see
    :func:`yiwang.applications.domain.correction_scope`); anything else is refused. Every listed
    material and every material so opened needs a new file (given here, or added with
    :func:`add_upload` since the correction opened). An asked-for answer that was confirmed from
    a registry may change too: the person's answer is then used instead of the registry's and the
    answer is no longer locked. ``reports`` (field -> what is wrong) also tells the registry's
    department that its value is wrong, as "This is wrong" does on a draft. The case's clock
    restarts and its due dates move back by the working days it stood still.

    The application's running cases are planned again for the new answers
    (:mod:`yiwang.applications.replanning`): a conditional step may become needed, or no longer
    needed. An answer that would change which services a bundle application includes is
    refused: a correction fixes an application, it does not make another one. Raises
    :class:`~yiwang.applications.types.FormInvalid` (field errors) or
    :class:`~yiwang.applications.types.UploadRefused`.
    """
    data = dict(data or {})
    uploads = dict(uploads or {})
    reports = {name: note.strip() for name, note in (reports or {}).items() if note.strip()}
    stored: list[str] = []
    try:
        with transaction.atomic():
            case_row = Case.objects.filter(pk=correction.case_id).values("application_id").first()
            if case_row is None:
                raise PermissionDenied("no such correction")
            app = workflow.lock_application(case_row["application_id"])
            workflow.require_applicant(actor, app)
            case = workflow.lock_case(correction.case_id)
            locked = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
            if locked.status != CorrectionStatus.OPEN:
                raise workflow.correction_closed(locked)
            spec, pinned = workflow.form_of(app)
            scope = selectors.correction_scope(application=app, correction=locked, data=data)
            not_asked = [name for name in data if name not in scope.fields]
            if not_asked:
                raise FormInvalid(
                    _("Only the answers the clerk asked about can be changed."),
                    {
                        name: [_("The clerk did not ask about this; it cannot be changed.")]
                        for name in not_asked
                    },
                )
            files_asked = scope.files
            not_asked_files = [code for code in uploads if code not in files_asked]
            if not_asked_files:
                raise UploadRefused(
                    _("The correction does not ask for this material; it cannot be changed.")
                )
            _check_reports(actor, app, locked, reports)
            answers = scope.answers
            previous = {name: app.form_data.get(name) for name in scope.fields}
            errors = domain.validate_answers(spec, answers, required=spec.required_fields(answers))
            if errors:
                raise FormInvalid(_("Some answers need fixing."), errors)
            _check_services_unchanged(app, spec, pinned, answers, data)
            for code, uploaded in uploads.items():
                material = spec.material(code)
                assert material is not None
                save_upload(
                    actor=actor,
                    application=app,
                    material=material,
                    uploaded_file=uploaded,
                    correction=locked,
                    stored=stored,
                )
            answered = set(
                app.uploads.filter(correction=locked, superseded=False).values_list(
                    "material_code", flat=True
                )
            )
            missing = [code for code in files_asked if code not in answered]
            if missing:
                raise SubmissionIncomplete(
                    _("Upload a new file for each material the clerk asked for.")
                    if any(code in locked.materials for code in missing)
                    else _("Upload each document your changed answers now need."),
                    {},
                    missing_materials=missing,
                )
            released = prefill.release_for_correction(
                actor=actor,
                application=app,
                correction=locked.pk,
                asked=locked.fields,
                answers=answers,
                reports=reports,
            )
            app.form_data = answers
            app.updated_at = clock.now()
            app.save(update_fields=["form_data", "fields_prefilled", "updated_at"])
            locked.previous_values = previous
            workflow.transition(locked, "resolve")
            locked.save(update_fields=["status", "resolved_at", "previous_values"])

            # The clock restarts: the due dates move back by the working days it stood still.
            cal = workflow.calendar_of_department(case.department_id, workflow.today())
            pauses = workflow.closed_pauses(case)
            # Assignees too: re-planning tells the clerk of a claimed task it takes away.
            tasks = list(case.tasks.select_related("assignee").order_by("position"))
            for task in tasks:
                if task.status == TaskStatus.ON_HOLD:
                    workflow.transition(task, "resume")
                    if task.opened_at is not None:
                        task_cal = (
                            cal
                            if task.department_id == case.department_id
                            else workflow.calendar_of_department(
                                task.department_id, workflow.today()
                            )
                        )
                        task.due_date = calendar.due_date(
                            task.opened_at, task.promised_days, task_cal, pauses
                        )
                    task.save(update_fields=["status", "due_date"])
            # The changed answers may make a conditional step needed, or no longer needed, in
            # this case and in the application's other running cases.
            typed = spec.condition_data(answers)
            plans = [
                replanning.replan_case(case, tasks, pinned[case.service_code].definition, typed)
            ]
            workflow.refresh_case_dates(case, cal)
            case.save(
                update_fields=[
                    "due_date",
                    "statutory_due_date",
                    "warning_date",
                    "overdue_date",
                    "deadline_state",
                ]
            )
            workflow.sync_case(case, tasks)
            plans += replanning.replan_other_cases(app, case, pinned, typed)
            workflow.sync_application(app)
            given = domain.clean_answers(answers)
            record(
                actor=actor,
                action="applications.correction_resubmitted",
                obj=locked,
                subjects=subjects_of(app),
                data={
                    "case": case.pk,
                    "fields": sorted(data),
                    # Fields the clerk did not choose, answered because a changed answer now
                    # requires them (the form's rules).
                    "fields_required_by_rules": [name for name in scope.required if name in given],
                    "materials": sorted(answered),
                    # Materials the clerk did not choose, uploaded because a changed answer now
                    # needs them (their condition holds) and nothing else stood for them.
                    "materials_required_by_rules": list(scope.materials),
                    "due_date": case.due_date.isoformat(),
                    # Registry answers the person did not keep: the audit trail says which.
                    "registry_replaced": released["replaced"],
                    "registry_reported": released["reported"],
                    # Tasks the changed answers made needed again, or no longer needed, and
                    # tasks that went back to waiting for them, case by case.
                    "replanned": [plan.change for plan in plans if plan.change is not None],
                },
            )
            _tell_clerks(app, case, locked, [r for plan in plans for r in plan.released])
    except BaseException:
        discard_files(stored)
        raise
    return locked


def _tell_clerks(
    app: Application,
    case: Case,
    correction: CorrectionRequest,
    released: list[replanning.Released],
) -> None:
    """The clerk who asked hears that the correction came, and what became of their task; every
    other clerk whose claimed task re-planning took away hears why it left their list."""
    asked = correction.task
    own = next((r for r in released if r.task.pk == asked.pk), None)
    clerk = own.clerk if own is not None else (asked.assignee or correction.requested_by)
    notify(
        event=Event.CORRECTION_RECEIVED,
        application=app,
        accounts=[clerk],
        discriminator=f"correction{correction.pk}",
        context={
            "case": case_context(case),
            "task": task_names(asked),
            # back: in the clerk's queue again; not_needed: skipped; waiting: for a check first.
            "task_state": "back" if own is None else ("waiting" if own.needed else "not_needed"),
        },
    )
    for other in released:
        if other is own:
            continue
        notify(
            event=Event.TASK_REPLANNED,
            application=app,
            accounts=[other.clerk],
            discriminator=f"correction{correction.pk}task{other.task.pk}",
            context={
                "case": case_context(other.task.case),
                "task": task_names(other.task),
                "needed": other.needed,
            },
        )


def _check_services_unchanged(
    app: Application,
    spec: domain.FormSpec,
    pinned: Mapping[str, workflow.PinnedService],
    answers: Mapping[str, Any],
    data: Mapping[str, Any],
) -> None:
    """Refuse answers under which the application would include other services than its cases.

    A new service would need its own department's case opened half-way through, and a service
    no longer included would have its case, perhaps decided, taken away: both are a new
    application's work, not a correction's."""
    have = set(app.cases.values_list("service_code", flat=True))
    applying = spec.services_applying(answers)
    added = [code for code in applying if code not in have]
    dropped = sorted(have - set(applying))
    if not added and not dropped:
        return

    def names(codes: list[str]) -> str:
        return pick("、", ", ").join(
            pick(pinned[code].name_zh, pinned[code].name_en) for code in codes
        )

    parts = []
    if added:
        parts.append(
            _("With this answer the application would also include “%(services)s”.")
            % {"services": names(added)}
        )
    if dropped:
        parts.append(
            _("With this answer the application would no longer include “%(services)s”.")
            % {"services": names(dropped)}
        )
    parts.append(
        _(
            "A correction cannot change which services an application includes: keep your "
            "earlier answer, or withdraw the application and apply again."
        )
    )
    message = pick("", " ").join(parts)
    changed = [name for name in data if answers.get(name) != app.form_data.get(name)]
    raise FormInvalid(
        _("This answer would change which services the application includes."),
        {name: [message] for name in changed or data},
    )


def _check_reports(
    actor: Any, app: Application, correction: CorrectionRequest, reports: Mapping[str, str]
) -> None:
    """A registry value may be reported wrong here only if the clerk asked about it, it came
    from a registry, and the record is the person's own."""
    sources = prefill.locked_fields(app)
    errors: dict[str, list[str]] = {}
    for name in reports:
        if name not in correction.fields:
            errors[name] = [_("The clerk did not ask about this; it cannot be changed.")]
        elif name not in sources:
            errors[name] = [_("This answer did not come from an official record.")]
        elif not prefill.may_report(actor=actor, application=app, entry=sources[name]):
            errors[name] = [
                _(
                    "Only the person the record is about can report it as wrong; change the "
                    "answer instead."
                )
            ]
    if errors:
        raise FormInvalid(_("Some answers need fixing."), errors)
