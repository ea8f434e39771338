"""Flags raised on access-log entries, for the providing department's data officers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from yiwang.exchange import policy
from yiwang.exchange.models import Flag
from yiwang.exchange.selectors.access_log import entry_view
from yiwang.exchange.types import AccessLogView, FlagView
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.constants import Role


def _flag_departments(actor: Any) -> list[int]:
    return list(
        identity_selectors.memberships_of(actor)
        .filter(role=Role.DATA_OFFICER)
        .values_list("department_id", flat=True)
    )


@dataclass(frozen=True)
class FlagDetail:
    """A flag with the access-log entry it is about, for the provider's data officers."""

    flag: FlagView
    entry: AccessLogView
    provider_code: str


def flag_details_for(*, actor: Any, status: str | None = None) -> list[FlagDetail]:
    """The flags :func:`flags_for` shows, each with its whole access-log entry."""
    rows = (
        Flag.objects.filter(provider_id__in=_flag_departments(actor))
        .select_related(
            "provider",
            "raised_by",
            "entry",
            "entry__consumer",
            "entry__account",
            "entry__system",
            "entry__registry",
            "entry__purpose",
        )
        .order_by("-created_at", "-pk")
    )
    if status:
        rows = rows.filter(status=status)
    snap = policy.snapshot()
    out = []
    for f in rows:
        entry = f.entry
        entry.is_flagged = True  # type: ignore[attr-defined]  # the annotation _entries adds
        out.append(
            FlagDetail(
                flag=FlagView(
                    id=f.pk,
                    created_at=f.created_at,
                    status=f.status,
                    reason=f.reason,
                    access_log_id=f.entry_id,
                    registry_code=entry.registry.code,
                    consumer_code=entry.consumer_code,
                    raised_by=str(f.raised_by),
                ),
                entry=entry_view(entry, snap),
                provider_code=f.provider.code,
            )
        )
    return out


def flags_for(*, actor: Any) -> list[FlagView]:
    """Open and closed flags on reads of registries of the actor's departments (data officers)."""
    departments = _flag_departments(actor)
    rows = (
        Flag.objects.filter(provider_id__in=departments)
        .select_related("entry", "entry__registry", "raised_by")
        .order_by("-created_at", "-pk")
    )
    return [
        FlagView(
            id=f.pk,
            created_at=f.created_at,
            status=f.status,
            reason=f.reason,
            access_log_id=f.entry_id,
            registry_code=f.entry.registry.code,
            consumer_code=f.entry.consumer_code,
            raised_by=str(f.raised_by),
        )
        for f in rows
    ]
