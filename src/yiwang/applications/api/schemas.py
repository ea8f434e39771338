"""The request and response shapes of the applications API, and its id path parameter."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Path as PathParam
from ninja import Schema
from pydantic import Field, model_validator

from yiwang.api.schemas import Day, LocalText
from yiwang.applications.constants import (
    ApplicationStatus,
    CaseStatus,
    DeadlineState,
    Decision,
    TaskStatus,
)

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
            raise ValueError(_("Give a service or a bundle: exactly one of the two."))
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
    fields: list[str] = Field(
        description="The fields asked about (to a clerk, only those the clerk is shown)"
    )
    materials: list[str] = Field(
        description="The materials asked for (to a clerk, only those the clerk is shown)"
    )
    note: str = Field(
        description="What the applicant was told to fix (to a clerk, empty on a case of "
        "another department)"
    )
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
    form: list[FormPageAnswers] = Field(
        description="The answers, page by page, with titles: for a case of a bundle, those to "
        "the fields its own service asks"
    )
    materials: list[UploadOut] = Field(
        description="The files the applicant provided: for a case of a bundle, those of the "
        "materials its own service asks for"
    )
    timeline: list[TimelineCaseOut]


class TaskParams(Schema):
    department: str | None = Field(
        default=None, max_length=32, description="Only this department (one of yours)"
    )
    service: str | None = Field(default=None, max_length=64, description="A service code")
    status: list[TaskStatus] | None = Field(
        default=None, description="Task statuses (repeatable); default: open and claimed"
    )
    due_before: Day | None = Field(default=None, description="Due on or before this day")
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
