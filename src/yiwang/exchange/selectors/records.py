"""A registry's records and their history, for the department that keeps the registry only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import policy
from yiwang.exchange.constants import RecordStatus
from yiwang.exchange.models import RegistryRecord, RegistryRecordVersion
from yiwang.exchange.selectors.definitions import registry_info
from yiwang.exchange.types import RecordVersionView, RecordView


def _owned(actor: Any, registry: str) -> policy.RegistryInfo:
    from yiwang.exchange.services._common import require_registry_owner

    info = registry_info(registry)
    if info is None:
        raise PermissionDenied("no such registry")
    require_registry_owner(actor, info.department_id)
    return info


def record_view(info: policy.RegistryInfo, rec: RegistryRecord) -> RecordView:
    """What the registry's owner sees of one record."""
    return RecordView(
        registry=info.code,
        record_key=rec.record_key,
        subject_key=rec.subject_key,
        version=rec.version,
        status=rec.status,
        values=dict(rec.values),
        updated_at=rec.updated_at,
    )


def read_record(*, actor: Any, registry: str, record_key: str) -> RecordView | None:
    info = _owned(actor, registry)
    rec = RegistryRecord.objects.filter(registry_id=info.id, record_key=record_key).first()
    return record_view(info, rec) if rec else None


def records_for_subject(
    *, actor: Any, registry: str, subject: str, include_retired: bool = False
) -> list[RecordView]:
    info = _owned(actor, registry)
    rows = RegistryRecord.objects.filter(registry_id=info.id, subject_key=subject)
    if not include_retired:
        rows = rows.filter(status=RecordStatus.ACTIVE)
    return [record_view(info, r) for r in rows.order_by("record_key")]


def record_exists(*, actor: Any, registry: str, subject: str) -> bool:
    info = _owned(actor, registry)
    return RegistryRecord.objects.filter(
        registry_id=info.id, subject_key=subject, status=RecordStatus.ACTIVE
    ).exists()


def list_records(
    *,
    actor: Any,
    registry: str,
    after: str = "",
    limit: int = 100,
    include_retired: bool = False,
    updated_since: dt.datetime | None = None,
) -> list[RecordView]:
    """A page of records in key order; pass the last key as ``after`` for the next page.

    ``updated_since`` keeps the records changed at or after that moment (a copy kept in step
    passes the newest ``updated_at`` it has seen; "at or after" never skips a record).
    """
    info = _owned(actor, registry)
    rows = RegistryRecord.objects.filter(registry_id=info.id, record_key__gt=after)
    if not include_retired:
        rows = rows.filter(status=RecordStatus.ACTIVE)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    return [record_view(info, r) for r in rows.order_by("record_key")[: max(1, min(limit, 1000))]]


def record_history(*, actor: Any, registry: str, record_key: str) -> list[RecordVersionView]:
    """Every version of a record, oldest first, with who changed it and why."""
    info = _owned(actor, registry)
    rows = RegistryRecordVersion.objects.filter(
        record__registry_id=info.id, record__record_key=record_key
    ).order_by("version")
    return [
        RecordVersionView(
            version=v.version,
            values=dict(v.values),
            status=v.status,
            changed_by=v.changed_by_label,
            reason=v.reason,
            created_at=v.created_at,
        )
        for v in rows
    ]
