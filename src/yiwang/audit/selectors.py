"""Reading the audit log. Only auditors and platform admins may browse it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from yiwang.audit.models import AuditEvent
from yiwang.core.errors import PermissionDenied

AUDITOR_ROLES = ("auditor", "platform_admin")


def is_auditor(actor: Any) -> bool:
    if getattr(actor, "kind", None) != "staff" or not getattr(actor, "is_active", False):
        return False
    membership = apps.get_model("identity", "Membership")
    return bool(
        membership.objects.filter(account=actor, is_active=True, role__in=AUDITOR_ROLES).exists()
    )


def events_for_auditor(
    *,
    actor: Any,
    action: str | None = None,
    subject: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching the filters, newest first. Refuses anyone without an auditor role."""
    if not is_auditor(actor):
        raise PermissionDenied("only auditors and platform admins may read the audit log")
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if subject:
        # Subjects are stored as a JSON list of strings; the quotes make the match exact.
        events = events.filter(subjects_json__contains=f'"{subject}"')
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=str(object_id))
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    return events.order_by("-id")
