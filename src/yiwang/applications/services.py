"""Writes of the one-stop workflow: drafts, uploads, submission, tasks, corrections, withdrawal.

Every function is keyword-only with the ``actor`` first, runs in one transaction, records its
audit event inside that transaction, and leaves side effects (sending messages) to
``transaction.on_commit``. A refusal is an exception from :mod:`yiwang.applications.types` with a
message in the active language, or :class:`yiwang.core.errors.PermissionDenied` when the actor
may not even know that the thing exists (views answer 404).

Who may do what (``docs/workflow.md`` explains it for clerks):

* The applicant's citizen account starts, fills in and submits a draft (for a firm, only while
  they may act for it). After submission any person who may act for the firm may also answer a
  correction or withdraw.
* A task is handled in its step's department by a clerk holding the step's role (``reviewer`` or
  ``approver``). A ``team_lead`` of that department may handle any of the department's tasks and
  hand them out; an ``approver`` may hand out tasks too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yiwang.applications import domain, prefill, workflow
from yiwang.applications.constants import (
    ACTIVE_TASK_STATUSES,
    ApplicationKind,
    ApplicationStatus,
    CaseStatus,
    CorrectionStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import (
    Application,
    Case,
    CorrectionRequest,
    MaterialUpload,
    Task,
)
from yiwang.applications.prefill import (
    confirm_prefill,
    prefill_application,
    report_prefill_error,
)
from yiwang.applications.types import (
    AlreadySubmitted,
    ApplicationError,
    DraftSaved,
    FormInvalid,
    IllegalTransition,
    SubmissionIncomplete,
    UploadRefused,
)
from yiwang.catalogue.constants import Audience
from yiwang.core import calendar, clock
from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors as identity
from yiwang.notifications.constants import Event

__all__ = [
    "add_upload",
    "assign_task",
    "claim_task",
    "confirm_prefill",
    "decide_task",
    "prefill_application",
    "record_case_view",
    "record_material_view",
    "release_task",
    "remove_upload",
    "report_prefill_error",
    "resubmit_correction",
    "save_draft",
    "start_application",
    "submit_application",
    "withdraw_application",
]

logger = logging.getLogger(__name__)

# A receipt number is random; on the rare collision with an existing one, draw again.
_RECEIPT_ATTEMPTS = 5
_CHUNK = 64 * 1024


def _record(**kwargs: Any) -> None:
    from yiwang.audit.services import record_event

    record_event(**kwargs)


def _notify(**kwargs: Any) -> None:
    from yiwang.notifications import services as notifications

    notifications.notify(**kwargs)


def _subjects(application: Application) -> list[Any]:
    return [s for s in (application.applicant, application.firm) if s is not None]


def _language() -> str:
    lang = (get_language() or "zh-hans").lower()
    return "en" if lang.startswith("en") else "zh-hans"


# --- Drafts -----------------------------------------------------------------------------------


def start_application(
    *,
    actor: Any,
    service_code: str | None = None,
    bundle_code: str | None = None,
    firm: Any = None,
) -> Application:
    """Start a draft for the published version of a service or a bundle (exactly one of them).

    The draft pins the versions it starts with. With ``firm`` the person applies on the firm's
    behalf and must be able to act for it (checked again at submission). Raises
    :class:`~yiwang.applications.types.ApplicationError` when the code is not published or the
    service's audience (individuals, businesses) does not fit ``firm``; ``PermissionDenied`` when
    the actor is not a citizen with a person record or may not act for the firm.
    """
    from yiwang.catalogue import selectors as catalogue

    if (service_code is None) == (bundle_code is None):
        raise ValueError("pass exactly one of service_code and bundle_code")
    person = workflow.person_of(actor)
    if firm is not None and not identity.can_act_for_firm(actor, firm):
        raise PermissionDenied("the actor may not act for this firm")
    with transaction.atomic():
        if service_code is not None:
            version = catalogue.published_service(service_code)
            if version is None:
                raise ApplicationError(
                    _("The service %(code)s cannot be applied for now.") % {"code": service_code}
                )
            application = Application(
                kind=ApplicationKind.SERVICE,
                service_version=version,
                service_versions={version.code: version.pk},
            )
        else:
            assert bundle_code is not None
            try:
                bundle, services, _form = catalogue.published_bundle_form(bundle_code)
            except catalogue.NotInCatalogue as exc:
                raise ApplicationError(
                    _("The bundle %(code)s cannot be applied for now.") % {"code": bundle_code}
                ) from exc
            application = Application(
                kind=ApplicationKind.BUNDLE,
                bundle_version=bundle,
                service_versions={code: v.pk for code, v in services.items()},
            )
        audience = application.definition_version.audience
        if audience == Audience.FIRM and firm is None:
            raise ApplicationError(
                _("This service is for businesses: choose the business you are applying for.")
            )
        if audience == Audience.PERSON and firm is not None:
            raise ApplicationError(
                _("This service is for individuals: apply for yourself, not for a business.")
            )
        application.applicant = person
        application.firm = firm
        application.created_by = actor
        application.language = _language()
        spec, _pinned = workflow.form_of(application)
        application.current_page = spec.pages[0].id if spec.pages else ""
        application.save()
        _record(
            actor=actor,
            action="applications.draft_started",
            obj=application,
            subjects=_subjects(application),
            data={
                "kind": application.kind,
                "code": service_code or bundle_code,
                "service_versions": application.service_versions,
            },
        )
    return application


def save_draft(
    *, actor: Any, application: Application, data: Mapping[str, Any], page: str | None = None
) -> DraftSaved:
    """Save answers of one page of a draft and check them against the form's JSON Schema.

    ``data`` maps field names to JSON values (numbers as numbers, booleans as booleans — see
    :func:`yiwang.applications.domain.coerce_answer` for text posted by an HTML form); ``None`` or
    ``""`` clears a field. With ``page`` only that page's fields may be given and are checked
    (``required`` only for fields on that page); without it any field of the form may be. Only
    the fields given change. The answers are saved even when they are wrong, so nothing the person
    typed is lost; the result's ``errors`` maps each wrong field to messages in the active
    language. ``current_page`` becomes ``page``.
    """
    with transaction.atomic():
        app = workflow.lock_application(application.pk)
        workflow.require_applicant(actor, app, own_only=True)
        if app.status != ApplicationStatus.DRAFT:
            raise IllegalTransition(
                _("This application has been submitted and is no longer a draft.")
            )
        # Answers confirmed from a registry are the registry's: a change goes through a report
        # of the wrong value (prefill.report_prefill_error), not through the form.
        prefill.refuse_locked_changes(app, data)
        spec, _pinned = workflow.form_of(app)
        if page is not None:
            page_spec = spec.page(page)
            if page_spec is None:
                raise ApplicationError(_("This form has no page %(page)s.") % {"page": page})
            allowed = list(page_spec.fields)
        else:
            allowed = list(spec.fields)
        errors: dict[str, list[str]] = {}
        for name in data:
            if name not in allowed:
                errors.setdefault(name, []).append(_("This question is not on this page."))
        answers = dict(app.form_data)
        given = [name for name in data if name in allowed]
        for name in given:
            value = data[name]
            if value is None or (isinstance(value, str) and not value.strip()):
                answers.pop(name, None)
            else:
                answers[name] = value
        checked = allowed if page is not None else given
        required = [f for f in spec.required_fields(answers) if f in checked]
        errors.update(
            domain.validate_answers(
                spec,
                {k: v for k, v in answers.items() if k in checked},
                fields=checked,
                required=required,
            )
        )
        app.form_data = answers
        if page is not None:
            app.current_page = page
        app.updated_at = clock.now()
        app.save(update_fields=["form_data", "current_page", "updated_at"])
        # Field names only: the answers are personal data and stay in the application.
        _record(
            actor=actor,
            action="applications.draft_saved",
            obj=app,
            subjects=_subjects(app),
            data={"page": page or "", "fields": sorted(given), "errors": sorted(errors)},
        )
    return DraftSaved(app, errors)


# --- Uploads ----------------------------------------------------------------------------------


def _extension(name: str) -> str:
    return PurePath(name).suffix.lower()


def _check_file(material: domain.MaterialSpec, uploaded_file: UploadedFile) -> tuple[str, str]:
    """The content type and sha256 of an acceptable file; raises :class:`UploadRefused`."""
    name = uploaded_file.name or ""
    size = uploaded_file.size or 0
    if size <= 0:
        raise UploadRefused(_("The file %(name)s is empty.") % {"name": name})
    limit = int(material.max_size_mb * 1024 * 1024)
    if size > limit:
        raise UploadRefused(
            _("The file %(name)s is larger than %(limit)s MB.")
            % {"name": name, "limit": domain.format_number(material.max_size_mb)}
        )
    extension = _extension(name)
    allowed = [t for t in material.file_types if t["extension"] == extension]
    accepted = ", ".join(sorted({t["extension"] for t in material.file_types}))
    if not allowed:
        raise UploadRefused(
            _("The file %(name)s must be one of: %(types)s.") % {"name": name, "types": accepted}
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(domain.SNIFF_BYTES)

    def whole() -> Any:
        uploaded_file.seek(0)
        return uploaded_file

    sniffed = domain.sniff_content_types(head, whole)
    matching = [t for t in allowed if t["mime_type"] in sniffed]
    if not matching:
        raise UploadRefused(
            _("The file %(name)s is not really a %(extension)s file. Save it again as %(types)s.")
            % {"name": name, "extension": extension, "types": accepted}
        )
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks(_CHUNK):
        digest.update(chunk)
    uploaded_file.seek(0)
    return str(matching[0]["mime_type"]), digest.hexdigest()


def _store(uploaded_file: UploadedFile) -> str:
    # A random name under a dated folder: nothing in the path identifies the person or document.
    now = clock.now()
    path = f"applications/{now:%Y/%m}/{secrets.token_urlsafe(24)}"
    return str(default_storage.save(path, uploaded_file))


def _save_upload(
    *,
    actor: Any,
    application: Application,
    material: domain.MaterialSpec,
    uploaded_file: UploadedFile,
    correction: CorrectionRequest | None,
    stored: list[str],
) -> MaterialUpload:
    content_type, sha256 = _check_file(material, uploaded_file)
    name = _store(uploaded_file)
    stored.append(name)
    application.uploads.filter(material_code=material.code, superseded=False).update(
        superseded=True
    )
    return MaterialUpload.objects.create(
        application=application,
        material_code=material.code,
        file=name,
        original_name=PurePath(uploaded_file.name or "").name[:255],
        content_type=content_type,
        size=uploaded_file.size or 0,
        sha256=sha256,
        uploaded_by=actor,
        correction=correction,
    )


def _discard(stored: Iterable[str]) -> None:
    for name in stored:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - the file is an orphan; nothing refers to it
            logger.warning("could not delete the orphaned upload %s", name)


def add_upload(
    *,
    actor: Any,
    application: Application,
    material_code: str,
    uploaded_file: UploadedFile,
    correction: CorrectionRequest | None = None,
) -> MaterialUpload:
    """Store a file for one material of a draft (or of an open correction that asks for it).

    The file must fit the material's size limit and one of its file types by extension *and* by
    content (the first bytes are checked: a ``.pdf`` must be a PDF). A new file for the same
    material supersedes the previous one, which is kept for the record. Raises
    :class:`~yiwang.applications.types.UploadRefused`.
    """
    stored: list[str] = []
    try:
        with transaction.atomic():
            app = workflow.lock_application(application.pk)
            if correction is None:
                workflow.require_applicant(actor, app, own_only=True)
                if app.status != ApplicationStatus.DRAFT:
                    raise IllegalTransition(
                        _("Files can be added only to a draft or in answer to a correction.")
                    )
            else:
                workflow.require_applicant(actor, app)
                correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
                if correction.case.application_id != app.pk:
                    raise PermissionDenied("the correction is not of this application")
                if correction.status != CorrectionStatus.OPEN:
                    raise IllegalTransition(_("This correction has already been answered."))
                if material_code not in correction.materials:
                    raise UploadRefused(
                        _("The correction does not ask for this material; it cannot be changed.")
                    )
            spec, _pinned = workflow.form_of(app)
            material = spec.material(material_code)
            if material is None:
                raise UploadRefused(
                    _("This form asks for no material %(code)s.") % {"code": material_code}
                )
            upload = _save_upload(
                actor=actor,
                application=app,
                material=material,
                uploaded_file=uploaded_file,
                correction=correction,
                stored=stored,
            )
            _record(
                actor=actor,
                action="applications.material_uploaded",
                obj=upload,
                subjects=_subjects(app),
                data={
                    "application": app.pk,
                    "material": material_code,
                    "content_type": upload.content_type,
                    "size": upload.size,
                    "sha256": upload.sha256,
                    "correction": correction.pk if correction else None,
                },
            )
    except BaseException:
        _discard(stored)
        raise
    return upload


def remove_upload(*, actor: Any, upload: MaterialUpload) -> None:
    """Take a file off a draft (marks it superseded; the file stays for the record)."""
    with transaction.atomic():
        app = workflow.lock_application(upload.application_id)
        workflow.require_applicant(actor, app, own_only=True)
        if app.status != ApplicationStatus.DRAFT:
            raise IllegalTransition(_("Files can be removed only from a draft."))
        changed = MaterialUpload.objects.filter(pk=upload.pk, superseded=False).update(
            superseded=True
        )
        if changed:
            _record(
                actor=actor,
                action="applications.material_removed",
                obj=upload,
                subjects=_subjects(app),
                data={"application": app.pk, "material": upload.material_code},
            )


# --- Submission -------------------------------------------------------------------------------


def _missing_materials(
    app: Application, spec: domain.FormSpec, data: Mapping[str, Any]
) -> list[str]:
    # Registry data the person confirmed stands in for these: nobody uploads them.
    provided = prefill.satisfied_materials(app)
    needed = [
        m.code for m in spec.materials_needed(data) if not m.optional and m.code not in provided
    ]
    if not needed:
        return []
    have = set(
        app.uploads.filter(material_code__in=needed, superseded=False).values_list(
            "material_code", flat=True
        )
    )
    return [code for code in needed if code not in have]


def _assign_receipt(app: Application, day: dt.date) -> None:
    for attempt in range(_RECEIPT_ATTEMPTS):
        app.receipt_number = domain.make_receipt_number(day)
        try:
            with transaction.atomic():  # a savepoint: a collision must not spoil the transaction
                app.save(
                    update_fields=[
                        "receipt_number",
                        "status",
                        "submitted_at",
                        "submitted_by",
                        "idempotency_key",
                        "language",
                        "updated_at",
                    ]
                )
            return
        except IntegrityError:
            if attempt == _RECEIPT_ATTEMPTS - 1:
                raise
            logger.warning("receipt number %s was taken; drawing another", app.receipt_number)


def submit_application(
    *, actor: Any, application: Application | int, idempotency_key: str | None = None
) -> Application:
    """Submit a draft (the application or its id) once; return it with its receipt number.

    Idempotent: a double click, a retry or a replay of the same draft finds it already submitted
    and returns it unchanged (one set of cases, one receipt). A replay with a *different*
    ``idempotency_key`` raises :class:`~yiwang.applications.types.AlreadySubmitted`.

    Checks the whole form and the required materials (raises
    :class:`~yiwang.applications.types.SubmissionIncomplete`), then creates one case per service
    that applies, and the tasks of each case: the first stage's steps open at once in their
    departments' queues, later stages wait, and steps whose condition does not hold are skipped.
    """
    key = (idempotency_key or "")[:100]
    with transaction.atomic():
        # The row lock makes a second submission of the same draft wait for the first and then
        # find it submitted (on SQLite the write transaction itself serialises them).
        app = workflow.lock_application(
            application if isinstance(application, int) else application.pk
        )
        workflow.require_applicant(actor, app, own_only=True)
        if app.status != ApplicationStatus.DRAFT:
            if app.status == ApplicationStatus.WITHDRAWN or not app.receipt_number:
                raise IllegalTransition(_("This application was withdrawn."))
            if key and app.idempotency_key and key != app.idempotency_key:
                raise AlreadySubmitted(
                    _("This application was already submitted as %(receipt)s.")
                    % {"receipt": app.receipt_number},
                    app.receipt_number,
                )
            return app

        spec, pinned = workflow.form_of(app)
        data = app.form_data
        errors = domain.validate_answers(spec, data, required=spec.required_fields(data))
        missing = _missing_materials(app, spec, data)
        if errors or missing:
            raise SubmissionIncomplete(
                _("The application is not complete yet."), errors, missing_materials=missing
            )

        now = clock.now()
        day = timezone.localdate(now)
        typed = spec.condition_data(data)
        services = [pinned[code] for code in spec.services_applying(data)]
        plans = {s.code: domain.plan_tasks(s.definition, typed) for s in services}
        codes = {s.department_code for s in services} | {
            str(p.step["department"]) for plan in plans.values() for p in plan
        }
        departments = workflow.departments_by_code(codes)
        calendars = workflow.calendars_for((chain for _pk, chain in departments.values()), day)

        def cal(code: str) -> calendar.WorkingCalendar:
            return calendars[departments[code][1]]

        cases: list[Case] = []
        for position, service in enumerate(services):
            limits = service.definition.get("time_limits", {})
            promised = int(limits.get("promised_days", 0))
            statutory = int(limits.get("statutory_days", promised))
            dates = domain.case_dates(now, promised, statutory, cal(service.department_code))
            cases.append(
                Case(
                    application=app,
                    service_version_id=service.pk,
                    service_code=service.code,
                    name_zh=service.name_zh,
                    name_en=service.name_en,
                    department_id=departments[service.department_code][0],
                    position=position,
                    status=CaseStatus.IN_PROGRESS,
                    accepted_at=now,
                    promised_days=promised,
                    statutory_days=statutory,
                    due_date=dates.due_date,
                    statutory_due_date=dates.statutory_due_date,
                    warning_date=dates.warning_date,
                    overdue_date=dates.overdue_date,
                    deadline_state=domain.deadline_state_on(dates, day),
                )
            )

        transition = workflow.transition
        transition(app, "submit")
        app.submitted_by = actor
        app.idempotency_key = key
        app.language = _language()
        app.updated_at = now
        _assign_receipt(app, day)

        # Bulk inserts: a bundle of five services makes about a dozen tasks, and submission must
        # stay a bounded number of queries however many there are.
        Case.objects.bulk_create(cases)
        tasks: list[Task] = []
        for case, service in zip(cases, services, strict=True):
            plan = plans[service.code]
            statuses = domain.initial_statuses(service.definition, plan)
            for planned in plan:
                step = planned.step
                status = statuses[planned.position]
                department = str(step["department"])
                promised = int(step.get("promised_days", 0))
                is_open = status == TaskStatus.OPEN
                tasks.append(
                    Task(
                        case=case,
                        service_code=service.code,
                        stage_id=planned.stage_id,
                        step_code=str(step["code"]),
                        position=planned.position,
                        department_id=departments[department][0],
                        role=str(step["role"]),
                        name_zh=str(step["name"]["zh"]),
                        name_en=str(step["name"]["en"]),
                        promised_days=promised,
                        status=status,
                        opened_at=now if is_open else None,
                        due_date=(
                            calendar.add_working_days(now, promised, cal(department))
                            if is_open
                            else None
                        ),
                    )
                )
        Task.objects.bulk_create(tasks)

        # A case none of whose steps applies is approved at once (its definition made every step
        # conditional and none held); it is rare, so it does not cost the bulk path anything.
        empty = [
            c
            for c in cases
            if not any(t.case is c and t.status != TaskStatus.SKIPPED for t in tasks)
        ]
        for case in empty:
            logger.warning("case %s has no step that applies; approved without a task", case.pk)
            workflow.sync_case(case, [t for t in tasks if t.case is case])
        if empty:
            workflow.sync_application(app)

        # One audit event for the whole submission, naming every case and task it created:
        # the cases and tasks are consequences of this one act, and an event per row would
        # multiply the log (and the submission's cost) by the number of tasks.
        _record(
            actor=actor,
            action="applications.application_submitted",
            obj=app,
            subjects=_subjects(app),
            data={
                "receipt_number": app.receipt_number,
                "kind": app.kind,
                "cases": [
                    {
                        "id": c.pk,
                        "service": c.service_code,
                        "version": c.service_version_id,
                        "department": c.department_id,
                        "tasks": [t.pk for t in tasks if t.case is c],
                        "due_date": c.due_date.isoformat(),
                    }
                    for c in cases
                ],
            },
        )
        _notify(
            event=Event.RECEIVED,
            application=app,
            context={"cases": [_case_context(c) for c in cases]},
        )
    return app


def _case_context(case: Case) -> dict[str, Any]:
    return {
        "name": {"zh": case.name_zh, "en": case.name_en},
        "due_date": case.due_date,
        "status": case.status,
        "outcome": case.outcome,
    }


# --- Tasks ------------------------------------------------------------------------------------


def _clerk_roles(actor: Any, task: Task) -> frozenset[str]:
    roles = workflow.roles_in(actor, task.department_id)
    if not roles:
        raise PermissionDenied("not a task of the actor's departments")
    return roles


def _task_event(actor: Any, action: str, task: Task, **data: Any) -> None:
    _record(
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


def _field_title(spec: domain.FormSpec, name: str) -> dict[str, str]:
    title = spec.fields.get(name, {}).get("x-title", {})
    return {"zh": str(title.get("zh", name)), "en": str(title.get("en", name))}


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
            return _request_correction(actor, app, case, locked, fields, materials, note)
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
            _notify(
                event=Event.COMPLETED,
                application=app,
                context={
                    "outcome": app.outcome,
                    "cases": [_case_context(c) for c in app.cases.order_by("position")],
                    "reasons": _reasons(app),
                },
            )
        elif case_changed and case.is_decided:
            _notify(
                event=Event.DECIDED,
                application=app,
                discriminator=f"case{case.pk}",
                context={"case": _case_context(case), "reason": reason},
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


def _request_correction(
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
    unknown_fields = [f for f in fields if f not in spec.fields]
    unknown_materials = [m for m in materials if spec.material(m) is None]
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
    _record(
        actor=actor,
        action="applications.correction_requested",
        obj=correction,
        subjects=_subjects(app),
        data={
            "case": case.pk,
            "task": task.pk,
            "fields": fields,
            "materials": materials,
        },
    )
    _notify(
        event=Event.CORRECTION_REQUESTED,
        application=app,
        discriminator=f"correction{correction.pk}",
        context={
            "case": _case_context(case),
            "fields": [_field_title(spec, f) for f in fields],
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
) -> CorrectionRequest:
    """The person answers a correction: new values for the asked-for fields and new files.

    Only the fields and materials the clerk listed may change; anything else is refused. Every
    listed material needs a new file (given here, or added with :func:`add_upload` since the
    correction opened). The case's clock restarts and its due dates move back by the working days
    it stood still. Raises :class:`~yiwang.applications.types.FormInvalid` (field errors) or
    :class:`~yiwang.applications.types.UploadRefused`.
    """
    data = dict(data or {})
    uploads = dict(uploads or {})
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
                raise IllegalTransition(_("This correction has already been answered."))
            not_asked = [name for name in data if name not in locked.fields]
            if not_asked:
                raise FormInvalid(
                    _("Only the answers the clerk asked about can be changed."),
                    {
                        name: [_("The clerk did not ask about this; it cannot be changed.")]
                        for name in not_asked
                    },
                )
            not_asked_files = [code for code in uploads if code not in locked.materials]
            if not_asked_files:
                raise UploadRefused(
                    _("The correction does not ask for this material; it cannot be changed.")
                )
            prefill.refuse_locked_changes(app, data)
            spec, _pinned = workflow.form_of(app)
            answers = dict(app.form_data)
            previous = {name: answers.get(name) for name in locked.fields}
            for name, value in data.items():
                if value is None or (isinstance(value, str) and not value.strip()):
                    answers.pop(name, None)
                else:
                    answers[name] = value
            errors = domain.validate_answers(spec, answers, required=spec.required_fields(answers))
            if errors:
                raise FormInvalid(_("Some answers need fixing."), errors)
            for code, uploaded in uploads.items():
                material = spec.material(code)
                assert material is not None
                _save_upload(
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
            missing = [code for code in locked.materials if code not in answered]
            if missing:
                raise SubmissionIncomplete(
                    _("Upload a new file for each material the clerk asked for."),
                    {},
                    missing_materials=missing,
                )
            app.form_data = answers
            app.updated_at = clock.now()
            app.save(update_fields=["form_data", "updated_at"])
            locked.previous_values = previous
            workflow.transition(locked, "resolve")
            locked.save(update_fields=["status", "resolved_at", "previous_values"])

            # The clock restarts: the due dates move back by the working days it stood still.
            cal = workflow.calendar_of_department(case.department_id, workflow.today())
            pauses = workflow.closed_pauses(case)
            tasks = list(case.tasks.order_by("position"))
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
            workflow.sync_application(app)
            _record(
                actor=actor,
                action="applications.correction_resubmitted",
                obj=locked,
                subjects=_subjects(app),
                data={
                    "case": case.pk,
                    "fields": sorted(data),
                    "materials": sorted(answered),
                    "due_date": case.due_date.isoformat(),
                },
            )
            clerk = locked.task.assignee or locked.requested_by
            _notify(
                event=Event.CORRECTION_RECEIVED,
                application=app,
                accounts=[clerk],
                discriminator=f"correction{locked.pk}",
                context={"case": _case_context(case), "task": locked.task.name},
            )
    except BaseException:
        _discard(stored)
        raise
    return locked


# --- Withdrawal -------------------------------------------------------------------------------


def withdraw_application(*, actor: Any, application: Application) -> Application:
    """Withdraw an application before any of its cases is decided (a draft is simply dropped).

    Open, waiting and on-hold tasks are cancelled, open corrections too.
    """
    with transaction.atomic():
        app = workflow.lock_application(application.pk)
        workflow.require_applicant(actor, app, own_only=app.status == ApplicationStatus.DRAFT)
        if app.status == ApplicationStatus.DRAFT:
            workflow.transition(app, "withdraw")
            app.save(update_fields=["status", "outcome", "withdrawn_at"])
            _record(
                actor=actor,
                action="applications.draft_discarded",
                obj=app,
                subjects=_subjects(app),
            )
            return app
        cases = list(Case.objects.select_for_update().filter(application=app).order_by("position"))
        if any(c.is_decided for c in cases):
            raise IllegalTransition(
                _("Part of this application has already been decided, so it cannot be withdrawn.")
            )
        workflow.transition(app, "withdraw")
        cancelled: list[int] = []
        for case in cases:
            for task in case.tasks.filter(status__in=ACTIVE_TASK_STATUSES):
                workflow.transition(task, "cancel")
                task.save(update_fields=["status"])
                cancelled.append(task.pk)
            for correction in case.corrections.filter(status=CorrectionStatus.OPEN):
                workflow.transition(correction, "cancel")
                correction.save(update_fields=["status", "resolved_at"])
            workflow.transition(case, "withdraw")
            case.save(update_fields=["status", "outcome"])
        app.updated_at = clock.now()
        app.save(update_fields=["status", "outcome", "withdrawn_at", "updated_at"])
        _record(
            actor=actor,
            action="applications.application_withdrawn",
            obj=app,
            subjects=_subjects(app),
            data={
                "receipt_number": app.receipt_number,
                "cases": [c.pk for c in cases],
                "cancelled_tasks": cancelled,
            },
        )
        _notify(event=Event.WITHDRAWN, application=app, context={})
    return app


# --- Clerks' reads ----------------------------------------------------------------------------
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


def record_case_view(*, actor: Any, task: Task) -> None:
    """Record that a clerk (or their department's system) opened ``task`` and with it its case:
    the answers, the files listed and the timeline of the whole application.

    ``task`` comes from :func:`yiwang.applications.selectors.task_for` with the same actor.
    """
    case = task.case
    app = case.application
    reader, department, role = _reader(actor, [task.department_id], prefer=task.role)
    with transaction.atomic():
        _record(
            actor=reader,
            action="applications.case_viewed",
            obj=case,
            subjects=_subjects(app),
            department=department or None,
            role=role or None,
            data={"application": app.pk, "task": task.pk, "step": task.step_code},
        )


def record_material_view(*, actor: Any, upload: MaterialUpload) -> None:
    """Record that a clerk of the case (or their department's system) downloaded an uploaded
    file. ``upload`` comes from :func:`yiwang.applications.selectors.materials_for`."""
    app = upload.application
    departments = set(
        Task.objects.filter(case__application=app).values_list("department_id", flat=True)
    ) | set(Case.objects.filter(application=app).values_list("department_id", flat=True))
    reader, department, role = _reader(actor, departments)
    with transaction.atomic():
        _record(
            actor=reader,
            action="applications.material_viewed",
            obj=upload,
            subjects=_subjects(app),
            department=department or None,
            role=role or None,
            data={
                "application": app.pk,
                "material": upload.material_code,
                "sha256": upload.sha256,
            },
        )
