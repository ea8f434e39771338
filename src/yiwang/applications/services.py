"""Writes of the one-stop workflow: drafts, uploads, submission, tasks, corrections, withdrawal.

Every function is keyword-only with the ``actor`` first, runs in one transaction, records its
audit event inside that transaction, and leaves side effects (sending messages) to
``transaction.on_commit``. A refusal is an exception from :mod:`yiwang.applications.types` with a
message in the active language, or :class:`yiwang.core.errors.PermissionDenied` when the actor
may not even know that the thing exists (views answer 404).

Who may do what (``docs/workflow.md`` explains it for clerks):

* The applicant's citizen account (and, for a firm's application, any person who may act for that
  firm today) starts, fills in, submits, corrects and withdraws the application.
* A task is handled in its step's department by a clerk holding the step's role (``reviewer`` or
  ``approver``). A ``team_lead`` of that department may handle any of the department's tasks and
  hand them out; an ``approver`` may hand out tasks too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from yiwang.applications.models import Application, CorrectionRequest, MaterialUpload, Task
from yiwang.applications.types import DraftSaved

__all__ = [
    "add_upload",
    "assign_task",
    "claim_task",
    "decide_task",
    "release_task",
    "remove_upload",
    "resubmit_correction",
    "save_draft",
    "start_application",
    "submit_application",
    "withdraw_application",
]


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
    audience does not fit, ``PermissionDenied`` when the actor is not a citizen with a person
    record or may not act for the firm.
    """
    raise NotImplementedError


def save_draft(
    *, actor: Any, application: Application, data: Mapping[str, Any], page: str | None = None
) -> DraftSaved:
    """Save answers of one page of a draft and check them against the form's JSON Schema.

    ``data`` maps field names to JSON values (numbers as numbers, booleans as booleans; ``None``
    or ``""`` clears a field). With ``page`` only that page's fields are taken and checked
    (``required`` only for fields on that page); without it every field given is. The answers are
    saved even when they are wrong, so nothing the person typed is lost; the result's ``errors``
    maps each wrong field to messages in the active language. ``current_page`` becomes ``page``.
    """
    raise NotImplementedError


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
    raise NotImplementedError


def remove_upload(*, actor: Any, upload: MaterialUpload) -> None:
    """Take a file off a draft (marks it superseded; the file stays for the record)."""
    raise NotImplementedError


def submit_application(
    *, actor: Any, application: Application, idempotency_key: str | None = None
) -> Application:
    """Submit a draft once; return the submitted application with its receipt number.

    Idempotent: a double click, a retry or a replay of the same draft finds it already submitted
    and returns it unchanged (one set of cases, one receipt). A replay with a *different*
    ``idempotency_key`` raises :class:`~yiwang.applications.types.AlreadySubmitted`.

    Checks the whole form and the required materials (raises
    :class:`~yiwang.applications.types.SubmissionIncomplete`), then creates one case per service
    that applies, and the tasks of each case: the first stage's steps open at once in their
    departments' queues, later stages wait, and steps whose condition does not hold are skipped.
    """
    raise NotImplementedError


def claim_task(*, actor: Any, task: Task) -> Task:
    """Take an open task from the department queue."""
    raise NotImplementedError


def release_task(*, actor: Any, task: Task) -> Task:
    """Give a claimed task back to the queue (its assignee or a team lead)."""
    raise NotImplementedError


def assign_task(*, actor: Any, task: Task, assignee: Any) -> Task:
    """Hand an open or claimed task to a clerk who may handle it (team leads and approvers)."""
    raise NotImplementedError


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

    An open task is claimed by the deciding clerk first.
    """
    raise NotImplementedError


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
    it stood still.
    """
    raise NotImplementedError


def withdraw_application(*, actor: Any, application: Application) -> Application:
    """Withdraw an application before any of its cases is decided (a draft is simply dropped).

    Open, waiting and on-hold tasks are cancelled, open corrections too.
    """
    raise NotImplementedError
