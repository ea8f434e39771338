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

from yiwang.applications.prefill import confirm_prefill, prefill_application, report_prefill_error
from yiwang.applications.services.corrections import resubmit_correction
from yiwang.applications.services.decisions import (
    assign_task,
    claim_task,
    decide_task,
    release_task,
)
from yiwang.applications.services.drafts import save_draft, start_application
from yiwang.applications.services.reads import record_case_view, record_material_view
from yiwang.applications.services.submission import submit_application
from yiwang.applications.services.uploads import add_upload, remove_upload
from yiwang.applications.services.withdrawal import withdraw_application

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
