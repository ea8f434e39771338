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
  other's progress).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from yiwang.applications.models import Application, Case, CorrectionRequest, MaterialUpload, Task
from yiwang.applications.types import MaterialRequirement, Timeline

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
    "task_for",
    "tasks_for_queue",
    "uploads_for",
]


def applications_for(*, actor: Any) -> QuerySet[Application]:
    """The actor's own applications and those of firms they may act for, newest first."""
    raise NotImplementedError


def application_for(
    *, actor: Any, receipt_number: str | None = None, pk: int | None = None
) -> Application:
    """One application by receipt number (typing slips like O/0 forgiven) or by pk.

    Visible to the applicant, to people who may act for its firm, and to clerks of departments
    that hold a task of it. Raises ``PermissionDenied`` otherwise or when there is none.
    """
    raise NotImplementedError


def application_form(*, application: Application) -> Any:
    """The form of an application as pinned: schema, pages in order and the required fields.

    Returns a :class:`yiwang.applications.domain.FormSpec`. Takes no actor: the caller already got
    the application through a selector.
    """
    raise NotImplementedError


def materials_required(*, application: Application) -> list[MaterialRequirement]:
    """The materials the application needs given its current answers, with the current files."""
    raise NotImplementedError


def uploads_for(*, actor: Any, application: Application) -> QuerySet[MaterialUpload]:
    """The current (not superseded) files of an application the actor may see."""
    raise NotImplementedError


def materials_for(*, actor: Any, upload: MaterialUpload | int) -> MaterialUpload:
    """One uploaded file, for serving it: only to the applicant's side and the case's clerks."""
    raise NotImplementedError


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

    ``department`` narrows to one of the actor's departments (another gives nothing), ``service``
    to a service code, ``status`` to one or more task statuses (default: open and claimed),
    ``due_before`` to tasks due on or before a date. ``order="due"`` puts the soonest due first,
    which is overdue first (a task is overdue exactly when its due date has passed, since time on
    hold is added to the due date); ``order="new"`` the newest first.
    """
    raise NotImplementedError


def task_for(*, actor: Any, pk: int) -> Task:
    """One task, for a clerk of its department. Raises ``PermissionDenied`` otherwise."""
    raise NotImplementedError


def case_for(*, actor: Any, pk: int) -> Case:
    """One case, for the applicant's side or a clerk with a task in it."""
    raise NotImplementedError


def correction_for(*, actor: Any, pk: int) -> CorrectionRequest:
    """One correction request, for the applicant's side or a clerk of the case."""
    raise NotImplementedError


def open_corrections_for(*, actor: Any, application: Application) -> list[CorrectionRequest]:
    """The corrections of an application still waiting for the person."""
    raise NotImplementedError


def case_timeline(*, actor: Any, application: Application) -> Timeline:
    """Every case of an application with its steps, departments, due dates, corrections,
    decisions and results. Clerks also see who holds each task; the person sees departments."""
    raise NotImplementedError
