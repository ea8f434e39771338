"""Reading the audit log. Only auditors and platform admins may browse it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from yiwang.audit import domain
from yiwang.audit.models import AuditEvent, Checkpoint, Leaf, VerificationRun
from yiwang.audit.services import event_fields
from yiwang.core.errors import PermissionDenied

AUDITOR_ROLES = ("auditor", "platform_admin")


def is_auditor(actor: Any) -> bool:
    if getattr(actor, "kind", None) != "staff" or not getattr(actor, "is_active", False):
        return False
    membership = apps.get_model("identity", "Membership")
    return bool(
        membership.objects.filter(account=actor, is_active=True, role__in=AUDITOR_ROLES).exists()
    )


def auditors() -> QuerySet[Any]:
    """Active staff accounts holding an active auditor or platform admin role: who is told
    when a verification finds the log altered."""
    account = apps.get_model("identity", "Account")
    return account.objects.filter(
        kind="staff",
        is_active=True,
        memberships__is_active=True,
        memberships__role__in=AUDITOR_ROLES,
    ).distinct()


def _require_auditor(actor: Any) -> None:
    if not is_auditor(actor):
        raise PermissionDenied("only auditors and platform admins may read the audit log")


def events_for_auditor(
    *,
    actor: Any,
    action: str | None = None,
    subject: str | None = None,
    actor_id: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching the filters, newest first (``before_id``: only older than that event).

    Refuses anyone without an auditor role. Only the time filters use an index: on a long log,
    a rare subject or action is found fastest within a span of dates.
    """
    _require_auditor(actor)
    events = AuditEvent.objects.all()
    if action:
        events = events.filter(action=action)
    if subject:
        # Subjects are stored as a JSON list of strings; the quotes make the match exact.
        events = events.filter(subjects_json__contains=f'"{subject}"')
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=str(object_id))
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    if before_id is not None:
        events = events.filter(id__lt=before_id)
    return events.order_by("-id")


@dataclass(frozen=True)
class Seal:
    """Where an event stands in the sealed log."""

    position: int | None  # its leaf, or None while it awaits the sealer
    checkpoint: Checkpoint | None  # the first checkpoint that signs it
    # Whether the event's fields still hash to what was sealed (None while unsealed). The full
    # check, that the sealed entries hash to the signed roots, is the verifier's.
    content_matches: bool | None


def event_for_auditor(*, actor: Any, event_id: int) -> AuditEvent | None:
    _require_auditor(actor)
    return AuditEvent.objects.filter(pk=event_id).first()


def seal_of(*, actor: Any, event: AuditEvent) -> Seal:
    _require_auditor(actor)
    leaf = Leaf.objects.filter(event_id=event.pk).first()
    if leaf is None:
        return Seal(position=None, checkpoint=None, content_matches=None)
    checkpoint = (
        Checkpoint.objects.filter(tree_size__gt=leaf.leaf_index).order_by("tree_size").first()
    )
    try:
        digest = domain.content_hash(event_fields(event))
    except ValueError:  # a field the platform would never have written
        digest = None
    return Seal(
        position=leaf.leaf_index,
        checkpoint=checkpoint,
        content_matches=digest == bytes(leaf.content_hash),
    )


def latest_checkpoint(*, actor: Any) -> Checkpoint | None:
    _require_auditor(actor)
    return Checkpoint.objects.order_by("-tree_size").first()


def verification_runs(*, actor: Any, limit: int = 5) -> list[VerificationRun]:
    _require_auditor(actor)
    return list(VerificationRun.objects.order_by("-requested_at", "-id")[:limit])
