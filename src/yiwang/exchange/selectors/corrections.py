"""Reads of registry correction requests (数据纠错), each scoped to the actor asking.

The data officers of the department that owns a registry see the requests on it (they alone
change its records); the person who reported a value sees their own reports and what became of
them. Other apps import these from :mod:`yiwang.exchange.selectors`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, IntegerField, QuerySet, Value, When

from yiwang.core.language import pick
from yiwang.exchange import domain, policy
from yiwang.exchange.constants import CorrectionStatus
from yiwang.exchange.models import RegistryCorrectionRequest, RegistryRecord
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.constants import Role


@dataclass(frozen=True)
class RegistryCorrectionView:
    """A person's report that a value in a registry is wrong, and the department's decision.

    ``subject_masked`` and ``reported_by`` are what lists show of the person; the record key
    is what the data officer looks the record up by. ``decided_by`` is empty in the person's
    own view: they are answered by the department, not by a named official.
    """

    id: int
    created_at: dt.datetime
    status: str
    registry_code: str
    registry_name: str
    subject_kind: str
    subject_key: str
    record_key: str
    record_version: int | None
    field: str
    note: str
    case_ref: str
    field_name: str = ""
    subject_masked: str = ""
    reported_by: str = ""
    provider_code: str = ""
    provider_name: str = ""
    decision_note: str = ""
    decided_at: dt.datetime | None = None
    decided_by: str = ""
    # The record's version in yiwang now (the data officer's view of one report; None for a
    # remote registry, or where not looked up): tells whether it changed since it was read.
    record_version_now: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status == CorrectionStatus.OPEN

    @property
    def record_changed_since_read(self) -> bool:
        return (
            self.record_version is not None
            and self.record_version_now is not None
            and self.record_version_now != self.record_version
        )


def _field_name(snap: policy.Snapshot, registry: str, field: str) -> str:
    info = snap.registries.get(registry)
    spec = info.fields[field].element if info and field in info.fields else None
    return (pick(spec.name_zh, spec.name_en) or field) if spec else field


def _view(
    row: RegistryCorrectionRequest, snap: policy.Snapshot, *, staff: bool
) -> RegistryCorrectionView:
    return RegistryCorrectionView(
        id=row.pk,
        created_at=row.created_at,
        status=row.status,
        registry_code=row.registry.code,
        registry_name=pick(row.registry.name_zh, row.registry.name_en),
        subject_kind=row.subject_kind,
        subject_key=row.subject_key,
        record_key=row.record_key,
        record_version=row.record_version,
        field=row.field,
        note=row.note,
        case_ref=row.case_ref,
        field_name=_field_name(snap, row.registry.code, row.field),
        subject_masked=domain.masked_subject(row.subject_kind, row.subject_key),
        reported_by=domain.mask_first1_last1(str(row.reported_by)) or "",
        provider_code=row.provider.code,
        provider_name=row.provider.name,
        decision_note=row.decision_note,
        decided_at=row.decided_at,
        decided_by=str(row.decided_by) if staff and row.decided_by is not None else "",
    )


def _rows() -> QuerySet[RegistryCorrectionRequest]:
    return RegistryCorrectionRequest.objects.select_related(
        "registry", "provider", "reported_by", "decided_by"
    )


def _officer_departments(actor: Any) -> list[int]:
    return list(
        identity_selectors.memberships_of(actor)
        .filter(role=Role.DATA_OFFICER)
        .values_list("department_id", flat=True)
    )


def registry_corrections_for(
    *, actor: Any, status: str | None = None
) -> list[RegistryCorrectionView]:
    """Correction requests on the registries of the departments where the actor is a data
    officer (they alone change their records): open ones first, each group newest first."""
    rows = _rows().filter(provider_id__in=_officer_departments(actor))
    if status:
        rows = rows.filter(status=status)
    rows = rows.annotate(
        decided=Case(
            When(status=CorrectionStatus.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("decided", "-created_at", "-pk")
    snap = policy.snapshot()
    return [_view(row, snap, staff=True) for row in rows]


def registry_correction_for(*, actor: Any, correction_id: int) -> RegistryCorrectionView | None:
    """One request, if the actor is a data officer of the registry's department, with the
    record's version now beside the one that was read."""
    row = _rows().filter(pk=correction_id, provider_id__in=_officer_departments(actor)).first()
    if row is None:
        return None
    view = _view(row, policy.snapshot(), staff=True)
    return replace(view, record_version_now=_current_version(row))


def _current_version(row: RegistryCorrectionRequest) -> int | None:
    """The version of the reported record kept in yiwang (None for remote registries)."""
    if not row.record_key:
        return None
    return (
        RegistryRecord.objects.filter(registry_id=row.registry_id, record_key=row.record_key)
        .values_list("version", flat=True)
        .first()
    )


def registry_corrections_reported_by(*, actor: Any) -> list[RegistryCorrectionView]:
    """The actor's own reports of wrong registry values, newest first, with each decision."""
    # Only an account reports; anything else (a department system) has no reports to see.
    if not isinstance(actor, get_user_model()) or actor.pk is None:
        return []
    rows = _rows().filter(reported_by_id=actor.pk).order_by("-created_at", "-pk")
    snap = policy.snapshot()
    return [_view(row, snap, staff=False) for row in rows]
