"""A person reports that a registry value about them is wrong; the owning department sees it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, domain, policy
from yiwang.exchange.constants import SubjectKind
from yiwang.exchange.models import Registry, RegistryCorrectionRequest
from yiwang.exchange.services._common import record
from yiwang.identity import selectors as identity_selectors

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
