"""Reads of applications, cases and tasks, always for a given actor.

The rule for refusals, the same in every function here:

* functions that return a *list* (a queryset) return only what the actor may see — possibly
  nothing; they never raise for lack of rights;
* functions that return *one* thing raise :class:`yiwang.core.errors.PermissionDenied` both when
  it does not exist and when the actor may not see it, so that a caller cannot tell the two apart.
  Views turn it into a 404.

Who sees what:

* a citizen sees the applications they applied for, and those of firms they may act for today,
  whole;
* a clerk sees the tasks of the departments they work in, and the applications and cases that
  have a task in one of those departments (the whole case, so that parallel departments see each
  other's progress). Of the application's answers and files they see only what the services of
  their departments' cases ask for: for a case of a bundle, what its own service asks
  (:func:`case_file_for`; 最小必要), not what the person told the bundle's other departments;
* a department's own system (API token) sees what a team lead of that department sees.

Other apps import every read from this package; each module holds one kind:

* :mod:`.access` — who the actor is, and so what they may see (private);
* :mod:`.applications` — applications, their forms, registry answers and files;
* :mod:`.tasks` — the work queue, tasks, cases and corrections;
* :mod:`.timeline` — where an application stands, case by case;
* :mod:`.case_files` — what the clerks of one case are shown of its application.
"""

from __future__ import annotations

from yiwang.applications.selectors.applications import (
    application_for,
    application_form,
    applications_by_reference,
    applications_for,
    locked_answers,
    materials_for,
    materials_required,
    prefill_for,
    uploads_for,
)
from yiwang.applications.selectors.case_files import (
    case_file_for,
    case_part,
    departments_asking_for,
)
from yiwang.applications.selectors.tasks import (
    case_for,
    correction_for,
    correction_materials,
    correction_scope,
    open_corrections_for,
    queue_slices,
    task_for,
    tasks_for_queue,
)
from yiwang.applications.selectors.timeline import case_timeline

__all__ = [
    "application_for",
    "application_form",
    "applications_by_reference",
    "applications_for",
    "case_file_for",
    "case_for",
    "case_part",
    "case_timeline",
    "correction_for",
    "correction_materials",
    "correction_scope",
    "departments_asking_for",
    "locked_answers",
    "materials_for",
    "materials_required",
    "open_corrections_for",
    "prefill_for",
    "queue_slices",
    "task_for",
    "tasks_for_queue",
    "uploads_for",
]
