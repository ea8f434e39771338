"""A person reports that a registry value about them is wrong; the owning department's data
officers see it and decide: the record was corrected, or it is not corrected, and why. The
person is told either way."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, domain, policy
from yiwang.exchange.constants import CorrectionStatus, SubjectKind
from yiwang.exchange.models import Registry, RegistryCorrectionRequest
from yiwang.exchange.selectors import RegistryCorrectionView, registry_correction_for
from yiwang.exchange.services._common import is_data_officer, record
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.constants import Role

# A note is the person's words about one value; this is room enough and keeps the table sane.
MAX_NOTE = 2000


def _speaks_for(actor: Any, kind: str, key: str) -> bool:
    """The actor is the subject, or may act for the subject firm."""
    if kind == SubjectKind.PERSON:
        person = identity_selectors.person_for(actor)
        return person is not None and person.national_id == key
    return identity_selectors.firms_actor_may_act_for(actor).filter(uscc=key).exists()


def request_registry_correction(
    *,
    actor: Any,
    registry: str,
    subject: str,
    field: str,
    note: str,
    record_key: str = "",
    record_version: int | None = None,
    case_ref: str = "",
) -> RegistryCorrectionRequest:
    """Record the actor's report that ``field`` of their record in ``registry`` is wrong.

    Only the subject (or someone who may act for the subject firm) may report. The request goes
    to the registry's owning department, which alone may correct its records; it is audited with
    the field's name, never with a value.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what is wrong with this value.")})
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {"note": _("Keep the note under %(count)d characters.") % {"count": MAX_NOTE}}
        )
    info = policy.snapshot().registries.get(registry)
    if info is None or field not in info.fields:
        raise ValidationError({"field": _("This registry has no such field.")})
    try:
        key = domain.normalise_subject(info.subject_kind, subject)
    except domain.SubjectInvalid:
        raise PermissionDenied("not a valid subject") from None
    if not _speaks_for(actor, info.subject_kind, key):
        raise PermissionDenied("only the subject may report a wrong registry value")
    with transaction.atomic():
        row = RegistryCorrectionRequest.objects.create(
            registry=Registry.objects.get(pk=info.id),
            provider_id=info.department_id,
            subject_kind=info.subject_kind,
            subject_key=key,
            record_key=(record_key or "")[:128],
            record_version=record_version,
            field=field,
            note=note,
            case_ref=(case_ref or "")[:64],
            reported_by=actor,
            # The decision is written to the person in the language they reported in.
            language=(get_language() or "")[:16].lower(),
            created_at=clock.now(),
        )
        record(
            actor=actor,
            action=constants.ACTION_CORRECTION_REQUESTED,
            object_type="registry_correction_request",
            object_id=str(row.pk),
            subjects=[domain.subject_ref(info.subject_kind, key)],
            data={
                "registry": registry,
                "provider": info.department_code,
                "field": field,
                "record_key": row.record_key,
                "record_version": record_version,
                "case_ref": row.case_ref,
            },
        )
    return row


def mark_registry_corrected(
    *, actor: Any, correction_id: int, note: str = ""
) -> RegistryCorrectionView:
    """A data officer of the registry's department says the record is now right.

    The note (what was changed, optional) is shown to the person, who is told by message.
    """
    return _decide(
        actor=actor,
        correction_id=correction_id,
        status=CorrectionStatus.CORRECTED,
        note=note,
        action=constants.ACTION_CORRECTION_CORRECTED,
    )


def reject_registry_correction(
    *, actor: Any, correction_id: int, reason: str
) -> RegistryCorrectionView:
    """A data officer of the registry's department says the record stays as it is, and why.

    The reason is required: the person reads it, in a message and on their data pages.
    """
    if not (reason or "").strip():
        raise ValidationError(
            {"reason": _("Give the reason the record stays as it is: the person reads it.")}
        )
    return _decide(
        actor=actor,
        correction_id=correction_id,
        status=CorrectionStatus.REJECTED,
        note=reason,
        action=constants.ACTION_CORRECTION_REJECTED,
    )


def _decide(
    *, actor: Any, correction_id: int, status: str, note: str, action: str
) -> RegistryCorrectionView:
    note = (note or "").strip()
    key = "reason" if status == CorrectionStatus.REJECTED else "note"
    if len(note) > MAX_NOTE:
        raise ValidationError(
            {key: _("Keep the text under %(count)d characters.") % {"count": MAX_NOTE}}
        )
    with transaction.atomic():
        row = (
            RegistryCorrectionRequest.objects.select_for_update()
            .select_related("registry", "provider", "reported_by")
            .filter(pk=correction_id)
            .first()
        )
        if row is None or not is_data_officer(actor, row.provider_id):
            raise PermissionDenied("only the registry's data officers may decide a correction")
        if row.status != CorrectionStatus.OPEN:
            raise ValidationError(
                _(
                    "This report is already decided (“%(status)s”). A decision cannot be "
                    "changed; if the value is still wrong, the person can report it again."
                )
                % {"status": CorrectionStatus(row.status).label}
            )
        row.status = status
        row.decision_note = note
        row.decided_by = actor
        row.decided_at = clock.now()
        row.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
        decided = registry_correction_for(actor=actor, correction_id=row.pk)
        assert decided is not None  # the actor is one of the data officers who see it
        record(
            actor=actor,
            action=action,
            object_type="registry_correction_request",
            object_id=str(row.pk),
            subjects=[domain.subject_ref(row.subject_kind, row.subject_key)],
            data={
                "registry": row.registry.code,
                "provider": row.provider.code,
                "field": row.field,
                "record_key": row.record_key,
                "record_version": row.record_version,
                # The record's version now, so that a "corrected" can be checked against it.
                "record_version_now": decided.record_version_now,
                "note": note,
            },
            department=row.provider.code,
            role=Role.DATA_OFFICER,
        )
        _notify_person(row)
    return decided


def _notify_person(row: RegistryCorrectionRequest) -> None:
    """Tell the person who reported it, in the language they reported in (inside the
    transaction: the notifications app's outbox sends e-mail after the commit)."""
    from yiwang.notifications import services as notifications
    from yiwang.notifications.constants import Event

    info = policy.snapshot().registries.get(row.registry.code)
    spec = info.fields[row.field].element if info and row.field in info.fields else None
    notifications.notify(
        event=Event.REGISTRY_CORRECTION_DECIDED,
        accounts=[row.reported_by],
        language=row.language or None,
        discriminator=str(row.pk),
        context={
            "registry": {"zh": row.registry.name_zh, "en": row.registry.name_en},
            "field": {
                "zh": spec.name_zh if spec else row.field,
                "en": (spec.name_en or spec.name_zh) if spec else row.field,
            },
            "corrected": row.status == CorrectionStatus.CORRECTED,
            "note": row.decision_note,
            "reported_at": row.created_at,
            "case_ref": row.case_ref,
            "department": {"zh": row.provider.name_zh, "en": row.provider.name_en},
        },
    )
