"""A person flags a read of their data that looks wrong; the provider's data officers see it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, domain, selectors
from yiwang.exchange.models import AccessLogEntry, Flag, FlagOutcome
from yiwang.exchange.selectors import CLOSING_NOTE_MAX_LENGTH, OwnFlagView, as_own_flag_view
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
            # The outcome is written to the person in the language they flagged in.
            language=(get_language() or "")[:16].lower(),
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


def close_flag(*, actor: Any, flag_id: int, outcome: str, note: str) -> OwnFlagView:
    """A data officer of the provider closes a flag, saying what was found or done.

    The outcome and the note stay on the flag, where the person who raised it reads them, and
    in the audit event, the record of who answered the person and how. The person is told by
    inbox and e-mail, in the language they flagged in. Returns the flag as the person sees it.
    """
    note = (note or "").strip()
    if outcome not in FlagOutcome.values:
        raise ValidationError({"outcome": _("Choose what you found.")})
    if not note:
        raise ValidationError({"note": _("Say what you found or did about this use.")})
    if len(note) > CLOSING_NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("Keep the note to %(limit)d characters or fewer.")
                % {"limit": CLOSING_NOTE_MAX_LENGTH}
            }
        )
    with transaction.atomic():
        flag = (
            Flag.objects.select_for_update(of=("self",))
            .select_related(
                "entry", "entry__registry", "entry__consumer", "provider", "raised_by", "closed_by"
            )
            .filter(pk=flag_id)
            .first()
        )
        if flag is None or not is_data_officer(actor, flag.provider_id):
            raise PermissionDenied("only the provider's data officers may close a flag")
        if flag.status == constants.FlagStatus.CLOSED:
            raise ValidationError({"note": _("This flag is already closed.")})
        flag.status = constants.FlagStatus.CLOSED
        flag.outcome = outcome
        flag.closing_note = note
        flag.closed_by = actor
        flag.closed_at = clock.now()
        flag.save(update_fields=["status", "outcome", "closing_note", "closed_by", "closed_at"])
        record(
            actor=actor,
            action=constants.ACTION_FLAG_CLOSED,
            object_type="access_log_entry",
            object_id=str(flag.entry_id),
            subjects=[domain.subject_ref(flag.entry.subject_kind, flag.entry.subject_key)],
            data={
                "flag": flag.pk,
                "provider": flag.provider.code,
                "note": note,
                "outcome": outcome,
            },
            department=flag.provider.code,
            role=Role.DATA_OFFICER,
        )
        _notify_person(flag)
    return as_own_flag_view(flag)


def _notify_person(flag: Flag) -> None:
    """Tell the person who raised the flag, in the language they flagged in (inside the
    transaction: the notifications app's outbox sends e-mail after the commit)."""
    from yiwang.notifications import services as notifications
    from yiwang.notifications.constants import Event

    entry = flag.entry
    consumer = entry.consumer
    notifications.notify(
        event=Event.ACCESS_FLAG_CLOSED,
        accounts=[flag.raised_by],
        language=flag.language or None,
        discriminator=str(flag.pk),
        context={
            "flagged_at": flag.created_at,
            "read_at": entry.created_at,
            "registry": {
                "zh": entry.registry.name_zh,
                "en": entry.registry.name_en or entry.registry.name_zh,
            },
            "consumer": {
                "zh": consumer.name_zh if consumer else entry.consumer_code,
                "en": (consumer.name_en or consumer.name_zh) if consumer else entry.consumer_code,
            },
            "department": {
                "zh": flag.provider.name_zh,
                "en": flag.provider.name_en or flag.provider.name_zh,
            },
            "acted_on": flag.outcome == FlagOutcome.ACTED_ON,
            "note": flag.closing_note,
        },
    )
