"""Reading the audit log. Only auditors and platform admins may browse it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import QuerySet

from yiwang.audit import domain, search_index
from yiwang.audit.models import AuditEvent, Checkpoint, Leaf, VerificationRun
from yiwang.audit.services import event_fields
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied

AUDITOR_ROLES = ("auditor", "platform_admin")
# Verifications the audit page lists.
RECENT_RUNS = 5
# Events a search returns at most, unless asked for fewer.
SEARCH_LIMIT = 50


def is_auditor(actor: Any) -> bool:
    if getattr(actor, "kind", None) != "staff" or not getattr(actor, "is_active", False):
        return False
    membership = apps.get_model("identity", "Membership")
    return bool(
        membership.objects.in_force().filter(account=actor, role__in=AUDITOR_ROLES).exists()
    )


def auditors() -> QuerySet[Any]:
    """Active staff accounts holding an active auditor or platform admin role: who is told
    when a verification finds the log altered."""
    account = apps.get_model("identity", "Account")
    membership = apps.get_model("identity", "Membership")
    holders = membership.objects.in_force().filter(role__in=AUDITOR_ROLES).values("account")
    return account.objects.filter(kind="staff", is_active=True, pk__in=holders)


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
    since: dt.date | None = None,
    until: dt.date | None = None,
    before_id: int | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[AuditEvent]:
    """Up to ``limit`` events matching the filters, newest first: ``since`` and ``until`` are
    whole days, both included; ``before_id`` keeps only events older than that one.

    Refuses anyone without an auditor role. A record (its id, with or without its type), a
    person or firm, an actor or an action is looked up in the search index
    (:mod:`yiwang.audit.search_index`), so it is found fast on any log; the other filters narrow
    what that finds. Dates alone are read through the time index, newest first by time. No
    filter at all reads the log from the newest event back.
    """
    _require_auditor(actor)
    return _found(
        {
            "action": action,
            "subject": subject,
            "actor_id": actor_id,
            "object_type": object_type,
            "object_id": object_id,
            "since": since,
            "until": until,
        },
        before_id=before_id,
        limit=limit,
    )


def _found(filters: Mapping[str, Any], *, before_id: int | None, limit: int) -> list[AuditEvent]:
    term = _term(filters)
    if term is None and (filters.get("since") or filters.get("until")):
        return _by_time(filters, before_id=before_id, limit=limit)
    events = _matching(filters, before_id=before_id)
    since = search_index.uncovered_since() if term is not None else None
    if since is None:
        return list(events[:limit])
    # Every match is in the index, or was created since the index may miss events: those have
    # ids from the smallest of theirs on, a range the primary key reads without a scan. The
    # join lets the database read the term's entries newest first and stop at the page's end.
    found = list(events.filter(search_terms__term=term)[:limit])
    first_recent = _first_id_since(since)
    if first_recent is not None:
        found += events.filter(id__gte=first_recent)[:limit]
    unique = {event.pk: event for event in found}
    return sorted(unique.values(), key=lambda event: event.pk, reverse=True)[:limit]


def _term(filters: Mapping[str, Any]) -> str | None:
    """The search term to look the filters up by: the one likely to match fewest events."""
    if filters.get("object_type") and filters.get("object_id"):
        return search_index.object_term(filters["object_type"], str(filters["object_id"]))
    if filters.get("object_id"):
        return search_index.record_term(str(filters["object_id"]))
    if filters.get("subject"):
        return str(filters["subject"])
    if filters.get("actor_id"):
        return search_index.actor_term(filters["actor_id"])
    if filters.get("action"):
        return search_index.action_term(filters["action"])
    return None


def _by_time(filters: Mapping[str, Any], *, before_id: int | None, limit: int) -> list[AuditEvent]:
    """Newest first by time, then id: the order the time index reads in, so a span of dates
    anywhere in the log is read by itself (by id, the database would read every newer event
    to reach it). Pages go on from the time of the event ``before_id`` names."""
    events = _matching(filters)
    if before_id is not None:
        at = AuditEvent.objects.filter(pk=before_id).values_list("created_at", flat=True).first()
        if at is None:
            events = events.filter(id__lt=before_id)
        else:
            events = events.filter(created_at__lte=at).exclude(created_at=at, id__gte=before_id)
    return list(events.order_by("-created_at", "-id")[:limit])


def _first_id_since(moment: dt.datetime) -> int | None:
    # Materialised, so the database finds the recent events by their time, which is indexed,
    # instead of reading ids upwards from the first until one is recent.
    with connection.cursor() as cursor:
        cursor.execute(_FIRST_ID_SINCE, [connection.ops.adapt_datetimefield_value(moment)])
        row = cursor.fetchone()
    return None if row is None or row[0] is None else int(row[0])


_FIRST_ID_SINCE = (
    "WITH recent AS MATERIALIZED "
    "(SELECT id FROM audit_auditevent WHERE created_at >= %s) SELECT min(id) FROM recent"
)


def _matching(filters: Mapping[str, Any], *, before_id: int | None = None) -> QuerySet[AuditEvent]:
    """Events matching every filter given (see :func:`events_for_auditor`), newest first."""
    events = AuditEvent.objects.all()
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("subject"):
        # Subjects are stored as a JSON list of strings; the quotes make the match exact.
        events = events.filter(subjects_json__contains=f'"{filters["subject"]}"')
    if filters.get("actor_id"):
        events = events.filter(actor_id=filters["actor_id"])
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        events = events.filter(object_id=str(filters["object_id"]))
    start, end = clock.day_bounds(filters.get("since"), filters.get("until"))
    if start is not None:
        events = events.filter(created_at__gte=start)
    if end is not None:
        events = events.filter(created_at__lt=end)
    if before_id is not None:
        events = events.filter(id__lt=before_id)
    return events.order_by("-id")


@dataclass(frozen=True)
class LogPage:
    """One page of the audit log as an auditor sees it, with the state of its verification."""

    events: list[AuditEvent]
    older_than: int | None  # where the next page starts, if older events match
    checkpoint: Checkpoint | None  # the latest
    runs: list[VerificationRun]  # the latest verifications, newest first
    pending: VerificationRun | None  # the one waiting or running, if any


def log_page(
    *, actor: Any, filters: Mapping[str, Any] | None, before_id: int | None, size: int
) -> LogPage:
    """Up to ``size`` events matching ``filters`` (see :func:`events_for_auditor`); no events
    when ``filters`` is None (a search that could not be run)."""
    _require_auditor(actor)
    found: list[AuditEvent] = []
    if filters is not None:
        found = _found(filters, before_id=before_id, limit=size + 1)
    events = found[:size]
    runs = list(VerificationRun.objects.order_by("-requested_at", "-id")[:RECENT_RUNS])
    return LogPage(
        events=events,
        older_than=events[-1].pk if len(found) > size else None,
        checkpoint=Checkpoint.objects.order_by("-tree_size").first(),
        runs=runs,
        # Only one run waits or runs at a time, so a pending run is the newest.
        pending=runs[0] if runs and runs[0].pending else None,
    )


@dataclass(frozen=True)
class Seal:
    """Where an event stands in the sealed log."""

    position: int | None  # its leaf, or None while it awaits the sealer
    checkpoint: Checkpoint | None  # the first checkpoint that signs it
    # Whether the event's fields still hash to what was sealed (None while unsealed). The full
    # check, that the sealed entries hash to the signed roots, is the verifier's.
    content_matches: bool | None
    # The content hash that counts: the one sealed, or while unsealed the one stored with the
    # event (which the sealer will take). Once sealed, the stored copy is not what is checked.
    digest: bytes = b""


def event_for_auditor(*, actor: Any, event_id: int) -> tuple[AuditEvent, Seal] | None:
    """One event and where it stands in the sealed log, or None if there is no such event."""
    _require_auditor(actor)
    event = AuditEvent.objects.filter(pk=event_id).first()
    if event is None:
        return None
    leaf = Leaf.objects.filter(event_id=event.pk).first()
    if leaf is None:
        return event, Seal(
            position=None,
            checkpoint=None,
            content_matches=None,
            digest=bytes(event.content_hash),
        )
    checkpoint = (
        Checkpoint.objects.filter(tree_size__gt=leaf.leaf_index).order_by("tree_size").first()
    )
    try:
        digest = domain.content_hash(event_fields(event))
    except ValueError:  # a field the platform would never have written
        digest = None
    return event, Seal(
        position=leaf.leaf_index,
        checkpoint=checkpoint,
        content_matches=digest == bytes(leaf.content_hash),
        digest=bytes(leaf.content_hash),
    )
