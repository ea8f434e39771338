"""A person flags a read of their data that looks wrong; the provider's data officers see it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, domain, selectors
from yiwang.exchange.models import AccessLogEntry, Flag
from yiwang.exchange.services._common import is_data_officer, record
from yiwang.exchange.types import AccessLogView, FlagView
from yiwang.identity.constants import Role


def flag_access(*, actor: Any, entry: AccessLogView | int, reason: str) -> FlagView:
    """Raise a flag on one entry of the actor's own access log (or of a firm they act for).

    The flag is routed to the department that owns the registry: its data officers answer for
    who reads their data. Notifying them is scheduled by the notifications app on the audit
    event; the flag row is what their work list shows.
    """
    entry_id = entry if isinstance(entry, int) else entry.id
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what looks wrong about this use of your data.")})
    with transaction.atomic():
        found = (
            AccessLogEntry.objects.select_related("registry", "registry__department")
            .filter(pk=entry_id)
            .first()
        )
        if found is None or not selectors.may_see_entry(actor, found):
            raise PermissionDenied("not an entry of the actor's own access log")
        flag = Flag.objects.create(
            entry=found,
            raised_by=actor,
            provider=found.registry.department,
            reason=reason,
            created_at=clock.now(),
        )
        record(
            actor=actor,
            action=constants.ACTION_ACCESS_FLAGGED,
            object_type="access_log_entry",
            object_id=str(found.pk),
            subjects=[domain.subject_ref(found.subject_kind, found.subject_key)],
            data={
                "flag": flag.pk,
                "provider": found.registry.department.code,
                "consumer": found.consumer_code,
                "registry": found.registry.code,
            },
        )
    return FlagView(
        id=flag.pk,
        created_at=flag.created_at,
        status=flag.status,
        reason=flag.reason,
        access_log_id=found.pk,
        registry_code=found.registry.code,
        consumer_code=found.consumer_code,
        raised_by=str(actor),
    )


def close_flag(*, actor: Any, flag_id: int, note: str) -> FlagView:
    """A data officer of the provider closes a flag, saying what was found or done.

    The note is kept in the audit event, the record of who answered the person and how.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what you found or did about this use.")})
    with transaction.atomic():
        flag = (
            Flag.objects.select_for_update()
            .select_related("entry", "entry__registry", "provider")
            .filter(pk=flag_id)
            .first()
        )
        if flag is None or not is_data_officer(actor, flag.provider_id):
            raise PermissionDenied("only the provider's data officers may close a flag")
        if flag.status == constants.FlagStatus.CLOSED:
            raise ValidationError({"note": _("This flag is already closed.")})
        flag.status = constants.FlagStatus.CLOSED
        flag.save(update_fields=["status"])
        record(
            actor=actor,
            action=constants.ACTION_FLAG_CLOSED,
            object_type="access_log_entry",
            object_id=str(flag.entry_id),
            subjects=[domain.subject_ref(flag.entry.subject_kind, flag.entry.subject_key)],
            data={"flag": flag.pk, "provider": flag.provider.code, "note": note},
            department=flag.provider.code,
            role=Role.DATA_OFFICER,
        )
    return FlagView(
        id=flag.pk,
        created_at=flag.created_at,
        status=flag.status,
        reason=flag.reason,
        access_log_id=flag.entry_id,
        registry_code=flag.entry.registry.code,
        consumer_code=flag.entry.consumer_code,
    )
