from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    # To the applicant.
    RECEIVED = "received", _("Application received")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
    DECIDED = "decided", _("Decision made")
    COMPLETED = "completed", _("Application completed")
    WITHDRAWN = "withdrawn", _("Application withdrawn")
    # To the person who reported a wrong registry value: what its department decided.
    REGISTRY_CORRECTION_DECIDED = "registry_correction_decided", _("Registry correction decided")
    # To the person who flagged a read of their data: the provider closed the flag, saying why.
    ACCESS_FLAG_CLOSED = "access_flag_closed", _("Flag on a use of your data closed")
    # To the holder of an account whose password was just changed or reset.
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    # To staff.
    CORRECTION_RECEIVED = "correction_received", _("Correction received")
    # To a clerk whose claimed task a correction made unnecessary, or sent back to waiting.
    TASK_REPLANNED = "task_replanned", _("Task changed by a correction")
    DEADLINE_WARNING = "deadline_warning", _("Case due soon")
    DEADLINE_OVERDUE = "deadline_overdue", _("Case overdue")
    # To auditors and platform admins: a verification found the audit log altered.
    AUDIT_PROBLEM = "audit_problem", _("Audit log altered")


APPLICANT_EVENTS = (
    Event.RECEIVED,
    Event.CORRECTION_REQUESTED,
    Event.DECIDED,
    Event.COMPLETED,
    Event.WITHDRAWN,
)
STAFF_EVENTS = (
    Event.CORRECTION_RECEIVED,
    Event.TASK_REPLANNED,
    Event.DEADLINE_WARNING,
    Event.DEADLINE_OVERDUE,
    Event.AUDIT_PROBLEM,
)


class Channel(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# Languages a message can be written in; anything else falls back to the first.
LANGUAGES = ("zh-hans", "en")

# A message that still fails after this many attempts is marked failed and left for an operator.
MAX_ATTEMPTS = 5
# Wait before attempt n+1: BACKOFF_SECONDS * 2**(n-1), never more than BACKOFF_MAX_SECONDS.
BACKOFF_SECONDS = 30
BACKOFF_MAX_SECONDS = 60 * 60
