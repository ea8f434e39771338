"""Errors and value objects the applications app hands to its callers (portal, back office, API).

Refusals are exceptions with a message in the active language, safe to show to the person who
tried. :class:`yiwang.core.errors.PermissionDenied` (not defined here) means "no such thing for
you": callers turn it into a 404 so that existence does not leak.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yiwang.applications.constants import ApplicationKind
from yiwang.core.errors import YiwangError


class ApplicationError(YiwangError):
    """A request the workflow refuses; ``str(error)`` says why, in the active language."""


class IllegalTransition(ApplicationError):
    """The thing is not in a state that allows this (e.g. deciding a task twice)."""


class FormInvalid(ApplicationError):
    """The form data breaks the service's rules; ``errors`` maps each field to its messages."""

    def __init__(self, message: str, errors: Mapping[str, list[str]]) -> None:
        super().__init__(message)
        self.errors: dict[str, list[str]] = dict(errors)


class SubmissionIncomplete(FormInvalid):
    """The whole form or the required materials are not complete.

    ``errors`` is keyed by field name; ``missing_materials`` lists the codes of required materials
    with no uploaded file.
    """

    def __init__(
        self, message: str, errors: Mapping[str, list[str]], missing_materials: list[str]
    ) -> None:
        super().__init__(message, errors)
        self.missing_materials = missing_materials


class UploadRefused(ApplicationError):
    """A file was not accepted (size, type or content); the message names the file and why."""


class AlreadySubmitted(ApplicationError):
    """The application was already submitted under another idempotency key."""

    def __init__(self, message: str, receipt_number: str) -> None:
        super().__init__(message)
        self.receipt_number = receipt_number


@dataclass(frozen=True)
class DraftSaved:
    """What :func:`~yiwang.applications.services.save_draft` returns.

    ``errors`` maps each field of the page to messages (empty when the page is valid). The data
    is saved either way, so the person never loses what they typed.
    """

    application: Any
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class MaterialRequirement:
    """One material the application needs, and the file provided for it (if any)."""

    code: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    file_types: tuple[Mapping[str, str], ...]
    max_size_mb: float
    optional: bool
    upload: Any = None  # the current MaterialUpload, or None
    # When registry data stands in for it (confirmed prefill): registry, its name, as-of time.
    provided_by: Mapping[str, Any] | None = None

    @classmethod
    def of(
        cls,
        material: Any,
        *,
        optional: bool | None = None,
        upload: Any = None,
        provided_by: Mapping[str, Any] | None = None,
    ) -> MaterialRequirement:
        """The requirement for a form's material (a ``MaterialSpec``), optional as the form
        says unless ``optional`` is given."""
        return cls(
            code=material.code,
            name=material.name,
            description=material.description,
            file_types=material.file_types,
            max_size_mb=material.max_size_mb,
            optional=material.optional if optional is None else optional,
            upload=upload,
            provided_by=provided_by,
        )


@dataclass(frozen=True)
class TimelineTask:
    pk: int
    step_code: str
    stage_id: str
    name: str
    department: str
    status: str
    status_label: str
    due_date: dt.date | None
    decision: str
    reason: str
    decided_at: dt.datetime | None
    assignee: str  # empty for the applicant's view


@dataclass(frozen=True)
class TimelineCorrection:
    pk: int
    status: str
    fields: list[str]
    materials: list[str]
    note: str
    opened_at: dt.datetime
    resolved_at: dt.datetime | None


@dataclass(frozen=True)
class TimelineCase:
    pk: int
    service_code: str
    name: str
    department: str
    status: str
    status_label: str
    accepted_at: dt.datetime
    due_date: dt.date
    statutory_due_date: dt.date
    deadline_state: str
    decided_at: dt.datetime | None
    outcome: str
    tasks: list[TimelineTask]
    corrections: list[TimelineCorrection]


@dataclass(frozen=True)
class Timeline:
    """Everything about where an application stands, for the person or a clerk."""

    application: Any
    cases: list[TimelineCase]


@dataclass(frozen=True)
class CaseFile:
    """What the clerks of one case (and their department's system) are shown of its
    application: see :func:`yiwang.applications.selectors.case_file_for`.

    For a case of a bundle only the part its own service asks for (``form`` is the form cut down
    to it, a :class:`yiwang.applications.domain.FormPart`); for a single service the whole
    application. ``answers``, ``sources`` (the answers confirmed from official records, as
    ``locked_answers`` gives them), ``uploads`` (the current files) and ``required`` (the
    materials the answers need) hold only that part. ``timeline`` names, of every case, only the
    fields and materials of the part, and a correction's note only on the reader's own cases.
    """

    application: Any
    case: Any
    form: Any
    answers: dict[str, Any]
    sources: dict[str, Any]
    uploads: list[Any]
    required: list[MaterialRequirement]
    timeline: Timeline

    @property
    def of_bundle(self) -> bool:
        return bool(self.application.kind == ApplicationKind.BUNDLE)

    @property
    def fields_shown(self) -> list[str]:
        """The fields whose answers the case file shows (those answered), in page order."""
        return list(self.form.answered(self.answers))

    @property
    def materials_shown(self) -> list[str]:
        """The materials whose files the case file lists, by code."""
        return list(dict.fromkeys(u.material_code for u in self.uploads))
