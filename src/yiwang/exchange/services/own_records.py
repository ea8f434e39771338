"""Reads of a hosted registry by the department that keeps it: the registry API's reads.

A department reads its own records directly, not through the governed read: it needs no
agreement for its own data. They are still reads of personal data, so each call writes, in one
transaction with the read:

* one audit event naming the department, the system or data officer, the registry and every
  person or firm whose records it returned, with the purpose :data:`OWNER_PURPOSE`;
* one access-log row (数据使用记录) per person or firm returned, which they see beside the other
  departments' reads, marked with the reason ``registry_owner``.

A call that finds nothing still writes its event (with no subjects). Anyone who does not own the
registry is refused with ``PermissionDenied`` before anything is read or written. Values never
enter the audit log: only keys, versions and counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from yiwang.core import clock
from yiwang.exchange import domain, policy, selectors
from yiwang.exchange.constants import (
    ACTION_RECORD_CHECKED,
    ACTION_RECORD_HISTORY_VIEWED,
    ACTION_RECORD_VIEWED,
    ACTION_RECORDS_LISTED,
    OWNER_PURPOSE,
    SYSTEM_ROLE,
    Outcome,
    Reason,
)
from yiwang.exchange.models import AccessLogEntry, RegistryRecord
from yiwang.exchange.services._common import audit_actor, is_department_system, record
from yiwang.exchange.types import RecordPage, RecordVersionView, RecordView
from yiwang.identity.constants import Role

# One served record: (record key, subject key, version).
_Served = tuple[str, str, int]


def _printable(value: Any, limit: int) -> str:
    """Caller-supplied text (a key from the address) as the audit log can hold it."""
    text = str(value)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    return text[:limit]


def _info(registry: str) -> policy.RegistryInfo:
    # The selector that read the records already refused a registry the actor does not own.
    info = selectors.registry_info(registry)
    assert info is not None
    return info


def _log_read(
    actor: Any,
    info: policy.RegistryInfo,
    *,
    action: str,
    object_type: str,
    object_id: str,
    served: Sequence[_Served],
    fields: Iterable[str],
    data: dict[str, Any],
) -> None:
    system = actor if is_department_system(actor) else None
    role = SYSTEM_ROLE if system is not None else Role.DATA_OFFICER
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for key, subject, version in served:
        by_subject.setdefault(subject, []).append({"key": key, "version": version})
    event = record(
        actor=audit_actor(actor),
        action=action,
        department=info.department_code,
        role=role,
        object_type=object_type,
        object_id=_printable(object_id, 100),
        subjects=[domain.subject_ref(info.subject_kind, s) for s in by_subject],
        purpose=OWNER_PURPOSE,
        data={"registry": info.code, **data},
    )
    now = clock.now()
    names = list(fields)
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            created_at=now,
            subject_kind=info.subject_kind,
            subject_key=subject,
            outcome=Outcome.SERVED,
            reason=Reason.REGISTRY_OWNER,
            consumer_id=info.department_id,
            consumer_code=info.department_code,
            account=None if system is not None else actor,
            system=system,
            role=role,
            registry_id=info.id,
            fields=names,
            purpose_code=OWNER_PURPOSE,
            records=records,
            audit_event_id=str(event.pk),
        )
        for subject, records in by_subject.items()
    )


def read_own_record(*, actor: Any, registry: str, record_key: str) -> RecordView | None:
    """One record of the actor's department's registry (any status), or None if it holds none
    with this key."""
    with transaction.atomic():
        found = selectors.read_record(actor=actor, registry=registry, record_key=record_key)
        info = _info(registry)
        _log_read(
            actor,
            info,
            action=ACTION_RECORD_VIEWED,
            object_type="registry_record",
            object_id=f"{info.code}/{record_key}",
            served=[(found.record_key, found.subject_key, found.version)] if found else [],
            fields=info.fields,
            data={"found": found is not None, "version": found.version if found else None},
        )
    return found


def check_own_record(*, actor: Any, registry: str, record_key: str) -> RecordView | None:
    """Whether the registry holds a record with this key: the record, or None. Recorded as a
    check (the caller learns that the record exists and its status, not its values)."""
    with transaction.atomic():
        found = selectors.read_record(actor=actor, registry=registry, record_key=record_key)
        info = _info(registry)
        _log_read(
            actor,
            info,
            action=ACTION_RECORD_CHECKED,
            object_type="registry_record",
            object_id=f"{info.code}/{record_key}",
            served=[(found.record_key, found.subject_key, found.version)] if found else [],
            fields=[info.record_key_field],
            data={"found": found is not None, "status": found.status if found else None},
        )
    return found


def read_own_record_history(
    *, actor: Any, registry: str, record_key: str
) -> list[RecordVersionView]:
    """Every version of a record, oldest first (empty if there is no such record)."""
    with transaction.atomic():
        versions = selectors.record_history(actor=actor, registry=registry, record_key=record_key)
        info = _info(registry)
        subject = (
            RegistryRecord.objects.filter(registry_id=info.id, record_key=record_key)
            .values_list("subject_key", flat=True)
            .first()
        )
        served = [(record_key, subject, v.version) for v in versions] if subject else []
        _log_read(
            actor,
            info,
            action=ACTION_RECORD_HISTORY_VIEWED,
            object_type="registry_record",
            object_id=f"{info.code}/{record_key}",
            served=served,
            fields=info.fields,
            data={"found": bool(versions), "versions": len(versions)},
        )
    return versions


def list_own_records(
    *,
    actor: Any,
    registry: str,
    after: str = "",
    limit: int = 100,
    include_retired: bool = False,
    updated_since: dt.datetime | None = None,
) -> RecordPage:
    """A page of at most ``limit`` records in key order (see
    :func:`yiwang.exchange.selectors.list_records`). One event for the page, naming every
    person or firm on it; the record looked at only to know whether another page follows is
    neither returned nor recorded."""
    with transaction.atomic():
        found = selectors.list_records(
            actor=actor,
            registry=registry,
            after=after,
            limit=limit + 1,
            include_retired=include_retired,
            updated_since=updated_since,
        )
        page = tuple(found[:limit])
        info = _info(registry)
        _log_read(
            actor,
            info,
            action=ACTION_RECORDS_LISTED,
            object_type="registry",
            object_id=info.code,
            served=[(r.record_key, r.subject_key, r.version) for r in page],
            fields=info.fields,
            data={
                "count": len(page),
                "after": after or None,
                "include_retired": include_retired,
                "updated_since": updated_since.isoformat() if updated_since else None,
            },
        )
    return RecordPage(items=page, next_after=page[-1].record_key if len(found) > limit else None)
