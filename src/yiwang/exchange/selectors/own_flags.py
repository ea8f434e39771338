"""The person's own flags on reads of their data, with what the provider found (异议与答复).

A flag is seen by the person who raised it and by the provider's data officers (their reads are
in :mod:`.flags`). The person's view says which department answered, never which official: they
are answered by the department. Other apps import these from :mod:`yiwang.exchange.selectors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from yiwang.core.language import pick
from yiwang.exchange.constants import FlagStatus
from yiwang.exchange.models import Flag, FlagOutcome
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.constants import Role

__all__ = [
    "CLOSING_NOTE_MAX_LENGTH",
    "FlagOutcome",
    "OwnFlagView",
    "as_own_flag_view",
    "flag_answers_for",
    "flag_raised_by",
    "flags_raised_by",
]

# What a data officer's closing note may hold; the form and the service both keep to it.
CLOSING_NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class OwnFlagView:
    """A flag as the person who raised it sees it: their reason and, once it is closed, the
    outcome and the provider's note. ``outcome`` is empty on a flag closed before outcomes
    were kept. ``closed_by`` names the official for the provider's data officers only."""

    id: int
    access_log_id: int
    created_at: dt.datetime
    status: str
    reason: str
    registry_code: str
    registry_name: str
    consumer_code: str
    consumer_name: str
    provider_code: str
    provider_name: str
    outcome: str = ""
    closing_note: str = ""
    closed_at: dt.datetime | None = None
    closed_by: str = ""

    @property
    def is_closed(self) -> bool:
        return self.status == FlagStatus.CLOSED

    @property
    def outcome_label(self) -> str:
        return str(FlagOutcome(self.outcome).label) if self.outcome in FlagOutcome.values else ""


def as_own_flag_view(row: Flag, *, staff: bool = False) -> OwnFlagView:
    """The person's view of a flag row already read with its entry, registry and departments."""
    entry = row.entry
    return OwnFlagView(
        id=row.pk,
        access_log_id=row.entry_id,
        created_at=row.created_at,
        status=row.status,
        reason=row.reason,
        registry_code=entry.registry.code,
        registry_name=pick(entry.registry.name_zh, entry.registry.name_en),
        consumer_code=entry.consumer_code,
        consumer_name=entry.consumer.name if entry.consumer else entry.consumer_code,
        provider_code=row.provider.code,
        provider_name=row.provider.name,
        outcome=row.outcome,
        closing_note=row.closing_note,
        closed_at=row.closed_at,
        closed_by=str(row.closed_by) if staff and row.closed_by is not None else "",
    )


def _own(actor: Any) -> QuerySet[Flag]:
    # Only an account raises flags; anything else (a department system) has none to see.
    if not isinstance(actor, get_user_model()) or actor.pk is None:
        return Flag.objects.none()
    return Flag.objects.filter(raised_by_id=actor.pk).select_related(
        "provider", "entry", "entry__registry", "entry__consumer"
    )


def flags_raised_by(
    *,
    actor: Any,
    entry_ids: Iterable[int] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[OwnFlagView]:
    """The actor's own flags, newest first; only those on ``entry_ids`` when it is given (one
    query for a page of the access log)."""
    rows = _own(actor)
    if entry_ids is not None:
        rows = rows.filter(entry_id__in=list(entry_ids))
    rows = rows.order_by("-created_at", "-pk")
    if limit is not None:
        rows = rows[offset : offset + limit]
    elif offset:
        rows = rows[offset:]
    return [as_own_flag_view(row) for row in rows]


def flag_raised_by(*, actor: Any, flag_id: int) -> OwnFlagView | None:
    """One of the actor's own flags, or None (also when it is someone else's)."""
    row = _own(actor).filter(pk=flag_id).first()
    return as_own_flag_view(row) if row is not None else None


def flag_answers_for(*, actor: Any, flag_ids: Iterable[int]) -> dict[int, OwnFlagView]:
    """What was answered on each of these flags, by flag id, for the data officers of the
    department that answered (with the official's name); other flags are left out."""
    departments = (
        identity_selectors.memberships_of(actor)
        .filter(role=Role.DATA_OFFICER)
        .values_list("department_id", flat=True)
    )
    rows = Flag.objects.filter(
        pk__in=list(flag_ids), provider_id__in=list(departments)
    ).select_related("provider", "entry", "entry__registry", "entry__consumer", "closed_by")
    return {row.pk: as_own_flag_view(row, staff=True) for row in rows}
