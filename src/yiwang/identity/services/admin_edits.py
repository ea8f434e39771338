"""Identity records saved or deleted through the admin, each with its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors
from yiwang.identity.models import Account, Department, Firm, FirmRepresentative, Membership, Person
from yiwang.identity.services._common import record

# Field values that are safe and useful to keep in the audit log. Everything else an admin edits
# is recorded by field name only, so that personal data never lands in the append-only log.
AUDITED_VALUES = frozenset(
    {
        "code",
        "level",
        "kind",
        "role",
        "is_active",
        "is_superuser",
        "department",
        "region",
        "parent",
        "valid_from",
        "valid_until",
        "uscc",
        "id_kind",
    }
)
NEVER_AUDITED = frozenset({"password", "last_login"})


def _may_administer(actor: Any, instance: models.Model) -> bool:
    if selectors.is_platform_admin(actor) or selectors.is_system_actor(actor):
        return True
    if isinstance(instance, Department):
        return selectors.administered_departments(actor).filter(pk=instance.pk).exists()
    if isinstance(instance, Account):
        return instance.pk is not None and selectors.may_manage_account(actor, instance)
    if isinstance(instance, Membership):
        return selectors.may_grant(
            actor, account=instance.account, department=instance.department, role=instance.role
        )
    return False


def _audit_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _subjects(instance: models.Model) -> list[Any]:
    if isinstance(instance, Person | Firm):
        return [instance]
    if isinstance(instance, FirmRepresentative):
        return [instance.person, instance.firm]
    return []


def save_record(
    *, actor: Any, instance: models.Model, created: bool, fields: Iterable[str] = ()
) -> models.Model:
    """Save an identity record edited in the admin, with its audit event.

    The admin's own form has validated the values; this checks that the actor may touch the
    record at all and writes down which fields changed (with values only for fields that carry
    no personal data).
    """
    if not _may_administer(actor, instance):
        raise PermissionDenied("you may not change this record")
    fields = list(fields)
    makes_superuser = (
        isinstance(instance, Account)
        and instance.is_superuser
        and (created or "is_superuser" in fields)
    )
    if makes_superuser and not (
        selectors.is_system_actor(actor) or getattr(actor, "is_superuser", False)
    ):
        raise PermissionDenied("only a superuser may make another superuser")
    changed = [f for f in fields if f not in NEVER_AUDITED]
    values = {f: _audit_value(getattr(instance, f, None)) for f in changed if f in AUDITED_VALUES}
    name = instance._meta.model_name
    with transaction.atomic():
        instance.save()
        record(
            actor=actor,
            action=f"identity.{name}_{'created' if created else 'changed'}",
            obj=instance,
            subjects=_subjects(instance),
            data={"fields": sorted(changed), "values": values},
        )
    return instance


def delete_record(*, actor: Any, instance: models.Model) -> None:
    if not _may_administer(actor, instance):
        raise PermissionDenied("you may not delete this record")
    name = instance._meta.model_name
    object_id = str(instance.pk)
    subjects = _subjects(instance)
    with transaction.atomic():
        record(
            actor=actor,
            action=f"identity.{name}_deleted",
            obj=instance,
            subjects=subjects,
            data={"id": object_id},
        )
        instance.delete()
