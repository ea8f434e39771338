"""Applications and tasks over HTTP.

Two routers, mounted by :mod:`yiwang.api.main`:

* ``applicant_router`` (``/applications``) — for citizens in the portal's session: start a draft,
  fill it in page by page, upload materials, submit once, follow it, withdraw it.
* ``clerk_router`` (``/tasks``) — for clerks in the back office's session and for department
  systems with a bearer token: the department's queue, one task with its case, claim, decide.

Each operation parses its input, calls one selector or service and renders the result. Who may
see or do what is decided there, never here: a refusal to see comes back as
:class:`~yiwang.core.errors.PermissionDenied`, which the API answers with 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Schema, Status
from ninja import Path as PathParam
from ninja.files import UploadedFile
from pydantic import Field, model_validator

from yiwang.api.auth import citizen_auth, clerk_auth, principal
from yiwang.api.errors import ApiError, error_responses
from yiwang.api.schemas import LocalText, local_text
from yiwang.applications import selectors, services
from yiwang.applications.constants import (
    QUEUE_TASK_STATUSES,
    ApplicationStatus,
    CaseStatus,
    DeadlineState,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import Application, MaterialUpload, Task
from yiwang.applications.types import Timeline
from yiwang.core import clock
from yiwang.core.pagination import BadCursor, Cursor, keyset_page
from yiwang.exchange import selectors as exchange
from yiwang.identity import selectors as identity

applicant_router = Router(tags=["applications"], auth=citizen_auth)
clerk_router = Router(tags=["tasks"], auth=clerk_auth)

# Database keys are 64-bit; a bigger number in a path is simply not found, never an overflow.
MAX_ID = 2**63 - 1
IdParam = PathParam(..., ge=1, le=MAX_ID)


# --- Schemas: applications ----------------------------------------------------------------------


class FirmRef(Schema):
    uscc: str = Field(description="统一社会信用代码")
    name: str


class ApplicationOut(Schema):
    id: int
    receipt_number: str | None = Field(description="受理编号, once submitted")
    kind: Literal["service", "bundle"]
    code: str = Field(description="Code of the service or bundle applied for")
    title: LocalText
    status: ApplicationStatus
    status_label: str = Field(description="The status in words, in the request's language")
    outcome: str | None
    firm: FirmRef | None = Field(description="The firm applied for, if any")
    current_page: str | None = Field(description="The page of the form last saved")
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    completed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None


class ApplicationList(Schema):
    items: list[ApplicationOut]
    next_offset: int | None = Field(description="The offset of the next page, or null")


class StartIn(Schema):
    service: str | None = Field(default=None, max_length=64, description="A service code")
    bundle: str | None = Field(default=None, max_length=64, description="A bundle code")
    firm: str | None = Field(
        default=None,
        max_length=18,
        description="Apply for this firm (its USCC); you must be able to act for it",
    )

    @model_validator(mode="after")
    def _one_definition(self) -> StartIn:
        if bool(self.service) == bool(self.bundle):
            raise ValueError("give exactly one of service and bundle")
        return self


class PageOut(Schema):
    id: str
    title: LocalText
    fields: list[str]


class UploadOut(Schema):
    id: int
    material_code: str
    original_name: str
    content_type: str
    size: int = Field(description="Bytes")
    sha256: str
    uploaded_at: dt.datetime


class FileTypeOut(Schema):
    extension: str
    mime_type: str


class MaterialOut(Schema):
    code: str
    name: LocalText
    description: LocalText
    file_types: list[FileTypeOut]
    max_size_mb: float
    optional: bool
    upload: UploadOut | None = Field(description="The current file, if one was uploaded")


class DraftOut(Schema):
    application: ApplicationOut
    data: dict[str, Any] = Field(description="The answers saved so far")
    pages: list[PageOut]
    fields: dict[str, Any] = Field(description="JSON Schema of each field (x-title: titles)")
    required: list[str] = Field(description="Fields required, given the answers so far")
    materials: list[MaterialOut] = Field(description="Materials needed, given the answers")


class DraftIn(Schema):
    page: str | None = Field(
        default=None,
        max_length=128,
        description="The page these answers belong to; only its fields are taken and checked",
    )
    data: dict[str, Any] = Field(description='Field name -> answer; null or "" clears it')


class TimelineTaskOut(Schema):
    id: int
    step_code: str
    stage_id: str
    name: str
    department: str
    status: TaskStatus
    status_label: str
    due_date: dt.date | None
    decision: str | None
    reason: str | None = Field(description="A refusal's reason, written for the applicant")
    decided_at: dt.datetime | None
    assignee: str | None = Field(description="Who holds the task (clerks only)")


class TimelineCorrectionOut(Schema):
    id: int
    status: str
    fields: list[str]
    materials: list[str]
    note: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None


class TimelineCaseOut(Schema):
    id: int
    service_code: str
    name: str
    department: str
    status: CaseStatus
    status_label: str
    accepted_at: dt.datetime
    due_date: dt.date
    statutory_due_date: dt.date
    deadline_state: DeadlineState
    decided_at: dt.datetime | None
    outcome: str | None
    tasks: list[TimelineTaskOut]
    corrections: list[TimelineCorrectionOut]


class TimelineOut(Schema):
    application: ApplicationOut
    cases: list[TimelineCaseOut]


# --- Schemas: tasks -----------------------------------------------------------------------------


class CaseRef(Schema):
    id: int
    name: LocalText
    status: CaseStatus
    due_date: dt.date
    deadline_state: DeadlineState
    receipt_number: str | None


class TaskOut(Schema):
    id: int
    name: LocalText
    service_code: str
    step_code: str
    department: str = Field(description="Department code")
    role: str = Field(description="The role that handles this step")
    status: TaskStatus
    status_label: str
    due_date: dt.date | None
    overdue: bool = Field(description="True when the due date has passed")
    assignee: str | None = Field(description="User name of the clerk holding the task")
    opened_at: dt.datetime | None
    claimed_at: dt.datetime | None
    decision: str | None
    decided_at: dt.datetime | None
    case: CaseRef


class TaskList(Schema):
    items: list[TaskOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page, or null")


class FieldAnswer(Schema):
    name: str
    title: LocalText
    value: Any = None


class FormPageAnswers(Schema):
    id: str
    title: LocalText
    answers: list[FieldAnswer]


class ApplicantOut(Schema):
    name: str
    firm: FirmRef | None


class TaskDetail(TaskOut):
    application: ApplicationOut
    applicant: ApplicantOut
    form: list[FormPageAnswers] = Field(description="The answers, page by page, with titles")
    materials: list[UploadOut] = Field(description="The files the applicant provided")
    timeline: list[TimelineCaseOut]


class TaskParams(Schema):
    department: str | None = Field(
        default=None, max_length=32, description="Only this department (one of yours)"
    )
    service: str | None = Field(default=None, max_length=64, description="A service code")
    status: list[TaskStatus] | None = Field(
        default=None, description="Task statuses (repeatable); default: open and claimed"
    )
    due_before: dt.date | None = Field(default=None, description="Due on or before this day")
    cursor: str | None = Field(default=None, max_length=40, description="From next_cursor")
    limit: int = Field(default=25, ge=1, le=100)


class DecisionIn(Schema):
    decision: Decision
    reason: str = Field(
        default="", max_length=2000, description="Needed to refuse; the applicant reads it"
    )
    correction_fields: list[str] = Field(
        default_factory=list, max_length=100, description="补正: the fields to fix"
    )
    correction_materials: list[str] = Field(
        default_factory=list, max_length=100, description="补正: the materials to provide again"
    )
    note: str = Field(default="", max_length=2000, description="补正: what to fix, and how")


# --- Rendering ----------------------------------------------------------------------------------


def _or_none(value: Any) -> Any:
    return value if value not in ("", None) else None


def _firm(firm: Any) -> dict[str, str] | None:
    return {"uscc": firm.uscc, "name": firm.name} if firm is not None else None


def _application(app: Application) -> dict[str, Any]:
    version = app.definition_version
    return {
        "id": app.pk,
        "receipt_number": app.receipt_number,
        "kind": app.kind,
        "code": version.code if version is not None else "",
        "title": {"zh": version.name_zh, "en": version.name_en} if version else local_text(None),
        "status": app.status,
        "status_label": str(app.get_status_display()),
        "outcome": _or_none(app.outcome),
        "firm": _firm(app.firm),
        "current_page": _or_none(app.current_page),
        "created_at": app.created_at,
        "submitted_at": app.submitted_at,
        "completed_at": app.completed_at,
        "withdrawn_at": app.withdrawn_at,
    }


def _upload(upload: MaterialUpload) -> dict[str, Any]:
    return {
        "id": upload.pk,
        "material_code": upload.material_code,
        "original_name": upload.original_name,
        "content_type": upload.content_type,
        "size": upload.size,
        "sha256": upload.sha256,
        "uploaded_at": upload.uploaded_at,
    }


def _draft(app: Application) -> dict[str, Any]:
    spec = selectors.application_form(application=app)
    return {
        "application": _application(app),
        "data": dict(app.form_data),
        "pages": [
            {"id": p.id, "title": local_text(p.title), "fields": list(p.fields)} for p in spec.pages
        ],
        "fields": spec.fields,
        "required": spec.required_fields(app.form_data),
        "materials": [
            {
                "code": m.code,
                "name": local_text(m.name),
                "description": local_text(m.description),
                "file_types": list(m.file_types),
                "max_size_mb": m.max_size_mb,
                "optional": m.optional,
                "upload": _upload(m.upload) if m.upload is not None else None,
            }
            for m in selectors.materials_required(application=app)
        ],
    }


def _timeline_cases(timeline: Timeline) -> list[dict[str, Any]]:
    return [
        {
            "id": case.pk,
            "service_code": case.service_code,
            "name": case.name,
            "department": case.department,
            "status": case.status,
            "status_label": case.status_label,
            "accepted_at": case.accepted_at,
            "due_date": case.due_date,
            "statutory_due_date": case.statutory_due_date,
            "deadline_state": case.deadline_state,
            "decided_at": case.decided_at,
            "outcome": _or_none(case.outcome),
            "tasks": [
                {
                    "id": t.pk,
                    "step_code": t.step_code,
                    "stage_id": t.stage_id,
                    "name": t.name,
                    "department": t.department,
                    "status": t.status,
                    "status_label": t.status_label,
                    "due_date": t.due_date,
                    "decision": _or_none(t.decision),
                    "reason": _or_none(t.reason),
                    "decided_at": t.decided_at,
                    "assignee": _or_none(t.assignee),
                }
                for t in case.tasks
            ],
            "corrections": [
                {
                    "id": c.pk,
                    "status": c.status,
                    "fields": c.fields,
                    "materials": c.materials,
                    "note": c.note,
                    "opened_at": c.opened_at,
                    "resolved_at": c.resolved_at,
                }
                for c in case.corrections
            ],
        }
        for case in timeline.cases
    ]


def _today() -> dt.date:
    return timezone.localdate(clock.now())


def _task(task: Task, today: dt.date) -> dict[str, Any]:
    case = task.case
    return {
        "id": task.pk,
        "name": {"zh": task.name_zh, "en": task.name_en},
        "service_code": task.service_code,
        "step_code": task.step_code,
        "department": task.department.code,
        "role": task.role,
        "status": task.status,
        "status_label": str(task.get_status_display()),
        "due_date": task.due_date,
        "overdue": task.due_date is not None and task.due_date < today,
        "assignee": task.assignee.get_username() if task.assignee is not None else None,
        "opened_at": task.opened_at,
        "claimed_at": task.claimed_at,
        "decision": _or_none(task.decision),
        "decided_at": task.decided_at,
        "case": {
            "id": case.pk,
            "name": {"zh": case.name_zh, "en": case.name_en},
            "status": case.status,
            "due_date": case.due_date,
            "deadline_state": case.deadline_state,
            "receipt_number": case.application.receipt_number,
        },
    }


def _answers(spec: Any, data: Mapping[str, Any]) -> list[dict[str, Any]]:
    fields = spec.fields
    return [
        {
            "id": page.id,
            "title": local_text(page.title),
            "answers": [
                {
                    "name": name,
                    "title": local_text(fields.get(name, {}).get("x-title") or {"zh": name,
                                                                                 "en": name}),
                    "value": data.get(name),
                }
                for name in page.fields
            ],
        }
        for page in spec.pages
    ]  # fmt: skip


def _task_detail(actor: Any, task: Task) -> dict[str, Any]:
    app = task.case.application
    timeline = selectors.case_timeline(actor=actor, application=app)
    return {
        **_task(task, _today()),
        "application": _application(app),
        "applicant": {"name": app.applicant.name, "firm": _firm(app.firm)},
        "form": _answers(selectors.application_form(application=app), app.form_data),
        "materials": [_upload(u) for u in selectors.uploads_for(actor=actor, application=app)],
        "timeline": _timeline_cases(timeline),
    }


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


# --- Operations: applications -------------------------------------------------------------------


@applicant_router.post(
    "",
    response={201: ApplicationOut, **error_responses(400, 401, 403, 413, 422)},
    summary="Start a draft application for a service or a bundle",
)
def start_application(request: HttpRequest, payload: StartIn) -> Status[dict[str, Any]]:
    actor = principal(request)
    firm = None
    if payload.firm:
        firm = identity.firms_actor_may_act_for(actor).filter(uscc=payload.firm).first()
        if firm is None:
            message = _("You may not act for a firm with this code.")
            raise ApiError(422, "invalid", message, {"firm": [message]})
    app = services.start_application(
        actor=actor,
        service_code=payload.service or None,
        bundle_code=payload.bundle or None,
        firm=firm,
    )
    return Status(201, _application(app))


@applicant_router.get(
    "",
    response={200: ApplicationList, **error_responses(401, 403, 422)},
    summary="My applications, and those of firms I may act for, newest first",
)
def list_applications(
    request: HttpRequest,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    found = list(selectors.applications_for(actor=principal(request))[offset : offset + limit + 1])
    return {
        "items": [_application(a) for a in found[:limit]],
        "next_offset": offset + limit if len(found) > limit else None,
    }


@applicant_router.get(
    "/{application_id}",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 422)},
    summary="One application: its status and receipt number",
)
def get_application(request: HttpRequest, application_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    return _application(selectors.application_for(actor=actor, pk=application_id))


@applicant_router.get(
    "/{application_id}/draft",
    response={200: DraftOut, **error_responses(401, 403, 404, 422)},
    summary="A draft's form, its answers so far and the materials it needs",
)
def get_draft(request: HttpRequest, application_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    return _draft(selectors.application_for(actor=actor, pk=application_id))


@applicant_router.patch(
    "/{application_id}/draft",
    response={200: DraftOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Save answers (of one page); wrong answers are saved too and listed in a 422",
)
def update_draft(
    request: HttpRequest, payload: DraftIn, application_id: int = IdParam
) -> dict[str, Any]:
    actor = principal(request)
    app = selectors.application_for(actor=actor, pk=application_id)
    saved = services.save_draft(actor=actor, application=app, data=payload.data, page=payload.page)
    if not saved.valid:
        raise ApiError(
            422,
            "invalid",
            _("The answers were saved, but some of them need to be corrected; see fields."),
            saved.errors,
        )
    return _draft(saved.application)


@applicant_router.post(
    "/{application_id}/materials/{material_code}",
    response={201: UploadOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Upload the file for one material of a draft (multipart/form-data, field 'file')",
)
def upload_material(
    request: HttpRequest,
    material_code: str = PathParam(..., max_length=64),
    application_id: int = IdParam,
    file: UploadedFile = File(...),  # noqa: B008 (django-ninja's parameter declaration)
) -> Status[dict[str, Any]]:
    actor = principal(request)
    app = selectors.application_for(actor=actor, pk=application_id)
    upload = services.add_upload(
        actor=actor, application=app, material_code=material_code, uploaded_file=file
    )
    return Status(201, _upload(upload))


@applicant_router.post(
    "/{application_id}/submit",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Submit a draft once; a retry with the same Idempotency-Key gets the same answer",
)
def submit_application(
    request: HttpRequest,
    application_id: int = IdParam,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=100),
) -> dict[str, Any]:
    # The service locks the draft and refuses (as "not found") anyone but its author, so
    # the id goes straight to it: no separate read of the application first.
    submitted = services.submit_application(
        actor=principal(request), application=application_id, idempotency_key=idempotency_key
    )
    return _application(submitted)


@applicant_router.get(
    "/{application_id}/timeline",
    response={200: TimelineOut, **error_responses(401, 403, 404, 422)},
    summary="Where an application stands: every case, step, deadline, correction and decision",
)
def get_timeline(request: HttpRequest, application_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    app = selectors.application_for(actor=actor, pk=application_id)
    timeline = selectors.case_timeline(actor=actor, application=app)
    return {"application": _application(app), "cases": _timeline_cases(timeline)}


@applicant_router.post(
    "/{application_id}/withdraw",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Withdraw an application before any of its cases is decided",
)
def withdraw_application(request: HttpRequest, application_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    app = selectors.application_for(actor=actor, pk=application_id)
    return _application(services.withdraw_application(actor=actor, application=app))


# --- Operations: tasks --------------------------------------------------------------------------


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
    today = _today()
    return {
        "items": [_task(t, today) for t in page.items],
        "next_cursor": str(page.next) if page.next else None,
    }


@clerk_router.get(
    "/{task_id}",
    response={200: TaskDetail, **error_responses(401, 403, 404, 422)},
    summary="One task with its case: the answers, the files and the timeline",
)
def get_task(request: HttpRequest, task_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    task = selectors.task_for(actor=actor, pk=task_id)
    services.record_case_view(actor=actor, task=task)  # the applicant's data: on the audit log
    return _task_detail(actor, task)


@clerk_router.post(
    "/{task_id}/claim",
    response={200: TaskOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Take an open task from the queue",
)
def claim_task(request: HttpRequest, task_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    task = _clerk_only(actor, selectors.task_for(actor=actor, pk=task_id))
    task = services.claim_task(actor=actor, task=task)
    return _task(selectors.task_for(actor=actor, pk=task.pk), _today())


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
    return _task(selectors.task_for(actor=actor, pk=task.pk), _today())
