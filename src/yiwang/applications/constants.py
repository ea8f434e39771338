"""The states and choices of applications, cases, tasks and corrections.

Every lifecycle here is a state machine in :mod:`yiwang.applications.models`; ``docs/workflow.md``
draws them for clerks and admins.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.calendar import DeadlineState

__all__ = [
    "ACTIVE_CASE_STATUSES",
    "ACTIVE_TASK_STATUSES",
    "DECIDED_CASE_STATUSES",
    "QUEUE_TASK_STATUSES",
    "RECEIPT_PREFIX",
    "ApplicationKind",
    "ApplicationOutcome",
    "ApplicationStatus",
    "CaseOutcome",
    "CaseStatus",
    "CorrectionStatus",
    "DeadlineState",
    "Decision",
    "TaskStatus",
]

# Every receipt number (受理编号) starts with these letters, so a person can tell it from a
# phone or id number when they read it out.
RECEIPT_PREFIX = "YW"


class ApplicationKind(models.TextChoices):
    SERVICE = "service", _("Single service")
    BUNDLE = "bundle", _("Life-event bundle")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Being processed")
    CORRECTION_REQUESTED = "correction_requested", _("Waiting for your correction")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PARTLY_APPROVED = "partly_approved", _("Partly approved")
    REJECTED = "rejected", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CaseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("Being processed")
    CORRECTION_REQUESTED = "correction_requested", _("Waiting for correction")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CaseOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TaskStatus(models.TextChoices):
    # Created with the case but its stage has not started: an earlier stage is still running.
    WAITING = "waiting", _("Waiting for an earlier step")
    OPEN = "open", _("In the queue")
    CLAIMED = "claimed", _("Being worked on")
    # The whole case waits for the person's correction (补正); the clock is stopped.
    ON_HOLD = "on_hold", _("On hold for a correction")
    DONE = "done", _("Done")
    # The step's condition does not hold for this application's answers (at submission, or
    # after a correction changed them), so it does not run.
    SKIPPED = "skipped", _("Not needed")
    CANCELLED = "cancelled", _("Cancelled")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Refuse")
    REQUEST_CORRECTION = "request_correction", _("Ask for a correction")


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the applicant")
    RESOLVED = "resolved", _("Corrected")
    CANCELLED = "cancelled", _("Cancelled")


# Cases whose clock may still run (the periodic deadline job looks only at these).
ACTIVE_CASE_STATUSES = (CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION_REQUESTED)
DECIDED_CASE_STATUSES = (CaseStatus.APPROVED, CaseStatus.REJECTED)
# Tasks that still need somebody (withdrawal and rejection cancel these).
ACTIVE_TASK_STATUSES = (
    TaskStatus.WAITING,
    TaskStatus.OPEN,
    TaskStatus.CLAIMED,
    TaskStatus.ON_HOLD,
)
# What a clerk's queue shows unless asked for a status.
QUEUE_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.CLAIMED)
