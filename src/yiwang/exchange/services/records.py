"""Writes to one hosted record at a time. Every change is a new version; nothing is deleted."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.exchange import constants, domain, policy
from yiwang.exchange.constants import SYSTEM_ROLE, RecordStatus, Storage
from yiwang.exchange.models import RegistryRecord, RegistryRecordVersion
from yiwang.exchange.selectors.records import record_view
from yiwang.exchange.services._common import (
    actor_label,
    audit_actor,
    is_department_system,
    record,
    require_registry_owner,
)
from yiwang.exchange.types import RecordView
from yiwang.identity.constants import Role


def hosted_registry(code: str) -> policy.RegistryInfo:
    info = policy.snapshot().registries.get(code)
    if info is None or not info.is_active:
        raise ValidationError(
            {"registry": _("There is no registry with the code %(code)s.") % {"code": code}}
        )
    if info.storage != Storage.HOSTED:
        raise ValidationError(
            {
                "registry": _(
                    "The registry %(code)s is kept by its department's own system, not in yiwang."
                )
                % {"code": code}
            }
        )
    return info


def _cleaner(info: policy.RegistryInfo) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A checker of whole records for one registry, its element lookups done once."""
    specs = {name: f.element for name, f in info.fields.items()}
    required = frozenset(name for name, f in info.fields.items() if f.required)

    def clean_record(values: Mapping[str, Any]) -> dict[str, Any]:
        clean, problems = domain.clean_values(specs, values, required=required)
        errors: dict[str, list[str]] = {
            name: [p.message for p in found] for name, found in problems.items()
        }
        subject = clean.get(info.subject_field)
        if subject is not None and info.subject_field not in errors:
            try:
                clean[info.subject_field] = domain.normalise_subject(info.subject_kind, subject)
            except domain.SubjectInvalid as exc:
                errors[info.subject_field] = [exc.message]
        if errors:
            raise ValidationError(errors)
        return clean

    return clean_record


def _clean(info: policy.RegistryInfo, values: Mapping[str, Any]) -> dict[str, Any]:
    return _cleaner(info)(values)


def _clean_with_reason(
    info: policy.RegistryInfo, values: Mapping[str, Any], reason: str
) -> tuple[dict[str, Any], str]:
    """The record's values checked and the reason for the change required, every mistake in
    either reported at once (a missing reason does not hide wrong values)."""
    errors: dict[str, list[str]] = {}
    try:
        reason = _require_reason(reason)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        clean = _clean(info, values)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
        clean = {}
    if errors:
        raise ValidationError(errors)
    return clean, reason


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record is changed.")})
    return reason


def _add_version(rec: RegistryRecord, *, actor: Any, reason: str) -> None:
    system = actor if is_department_system(actor) else None
    RegistryRecordVersion.objects.create(
        record=rec,
        version=rec.version,
        values=rec.values,
        status=rec.status,
        changed_by_account=None if system is not None else actor,
        changed_by_system=system,
        changed_by_label=actor_label(actor),
        reason=reason,
        created_at=rec.updated_at,
    )


def _audit(
    action: str, info: policy.RegistryInfo, rec: RegistryRecord, *, actor: Any, changed: list[str]
) -> None:
    # Field names only: registry values (and free-text reasons, which may quote them) are
    # personal data and never enter the append-only log; the version row keeps the reason.
    record(
        actor=audit_actor(actor),
        action=action,
        department=info.department_code,
        role=SYSTEM_ROLE if is_department_system(actor) else Role.DATA_OFFICER,
        object_type="registry_record",
        object_id=f"{info.code}/{rec.record_key}",
        subjects=[domain.subject_ref(info.subject_kind, rec.subject_key)],
        data={"registry": info.code, "version": rec.version, "fields": changed},
    )


def create_record(
    *, actor: Any, registry: str, values: Mapping[str, Any], reason: str
) -> RecordView:
    info = hosted_registry(registry)
    require_registry_owner(actor, info.department_id)
    clean, reason = _clean_with_reason(info, values, reason)
    key = str(clean[info.record_key_field])
    now = clock.now()
    with transaction.atomic():
        if RegistryRecord.objects.filter(registry_id=info.id, record_key=key).exists():
            raise ValidationError(
                {
                    info.record_key_field: _(
                        "The registry already holds a record with this key; update it instead."
                    )
                }
            )
        rec = RegistryRecord.objects.create(
            registry_id=info.id,
            record_key=key,
            subject_key=clean[info.subject_field],
            version=1,
            status=RecordStatus.ACTIVE,
            values=clean,
            created_at=now,
            updated_at=now,
        )
        _add_version(rec, actor=actor, reason=reason)
        _audit(constants.ACTION_RECORD_CREATED, info, rec, actor=actor, changed=sorted(clean))
    return record_view(info, rec)


def _locked(info: policy.RegistryInfo, record_key: str) -> RegistryRecord:
    rec = (
        RegistryRecord.objects.select_for_update()
        .filter(registry_id=info.id, record_key=record_key)
        .first()
    )
    if rec is None:
        raise ValidationError({"record_key": _("The registry holds no record with this key.")})
    return rec


def update_record(
    *, actor: Any, registry: str, record_key: str, changes: Mapping[str, Any], reason: str
) -> RecordView:
    """Change some fields (``None`` or ``""`` clears one); the whole result is re-checked."""
    info = hosted_registry(registry)
    require_registry_owner(actor, info.department_id)
    with transaction.atomic():
        rec = _locked(info, record_key)
        if rec.status != RecordStatus.ACTIVE:
            raise ValidationError({"record_key": _("The record is retired and cannot change.")})
        merged = {**rec.values, **changes}
        clean, reason = _clean_with_reason(info, merged, reason)
        if str(clean[info.record_key_field]) != rec.record_key:
            raise ValidationError(
                {
                    info.record_key_field: _(
                        "The key of a record cannot change; retire it and create a new one."
                    )
                }
            )
        if clean[info.subject_field] != rec.subject_key:
            raise ValidationError(
                {
                    info.subject_field: _(
                        "The person or firm of a record cannot change; "
                        "retire it and create a new one."
                    )
                }
            )
        changed = sorted(
            k for k in set(clean) | set(rec.values) if clean.get(k) != rec.values.get(k)
        )
        if not changed:
            return record_view(info, rec)
        rec.values = clean
        rec.version += 1
        rec.updated_at = clock.now()
        rec.save(update_fields=["values", "version", "updated_at"])
        _add_version(rec, actor=actor, reason=reason)
        _audit(constants.ACTION_RECORD_UPDATED, info, rec, actor=actor, changed=changed)
    return record_view(info, rec)


def retire_record(*, actor: Any, registry: str, record_key: str, reason: str) -> RecordView:
    """Take a record out of use. Its history stays; the exchange no longer serves it."""
    info = hosted_registry(registry)
    require_registry_owner(actor, info.department_id)
    reason = _require_reason(reason)
    with transaction.atomic():
        rec = _locked(info, record_key)
        if rec.status == RecordStatus.RETIRED:
            raise ValidationError({"record_key": _("The record is already retired.")})
        rec.status = RecordStatus.RETIRED
        rec.version += 1
        rec.updated_at = clock.now()
        rec.save(update_fields=["status", "version", "updated_at"])
        _add_version(rec, actor=actor, reason=reason)
        _audit(constants.ACTION_RECORD_RETIRED, info, rec, actor=actor, changed=[])
    return record_view(info, rec)
