"""A person's consent to conditional sharing, and its revocation. The person is the actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, domain, policy
from yiwang.exchange.constants import SubjectKind
from yiwang.exchange.models import Consent
from yiwang.exchange.selectors import consent_view
from yiwang.exchange.services._common import record
from yiwang.exchange.types import ConsentView
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.models import Department


def _subject_key(actor: Any) -> str:
    person = identity_selectors.person_for(actor)
    if person is None or not person.national_id:
        raise PermissionDenied("only a person with a citizen id number may give consent")
    return str(person.national_id)


def grant_consent(
    *,
    actor: Any,
    consumer: str,
    registry: str,
    purpose: str,
    fields: Iterable[str],
    expires_at: dt.datetime,
) -> ConsentView:
    """Let ``consumer`` read the listed fields about the actor for ``purpose`` until
    ``expires_at``."""
    subject_key = _subject_key(actor)
    snap = policy.snapshot()
    errors: dict[str, list[str]] = {}
    info = snap.registries.get(registry)
    dept = Department.objects.filter(code=consumer, is_active=True).first()
    if dept is None:
        errors["consumer"] = [_("There is no active department with this code.")]
    if info is None or info.subject_kind != SubjectKind.PERSON:
        errors["registry"] = [_("There is no registry about persons with this code.")]
    purpose_info = snap.purposes.get(purpose)
    if purpose_info is None:
        errors["purpose"] = [_("There is no purpose with this code.")]
    wanted = list(dict.fromkeys(fields))
    if not wanted:
        errors["fields"] = [_("Choose at least one kind of data.")]
    elif info is not None and any(f not in info.fields for f in wanted):
        errors["fields"] = [_("The registry does not hold some of the chosen data.")]
    now = clock.now()
    if expires_at <= now:
        errors["expires_at"] = [_("Choose an end date in the future.")]
    if errors:
        raise ValidationError(errors)
    assert info is not None and dept is not None and purpose_info is not None
    with transaction.atomic():
        consent = Consent.objects.create(
            subject_key=subject_key,
            granted_by=actor,
            consumer=dept,
            registry_id=info.id,
            purpose_id=purpose_info.id,
            fields=wanted,
            granted_at=now,
            expires_at=expires_at,
        )
        record(
            actor=actor,
            action=constants.ACTION_CONSENT_GRANTED,
            object_type="consent",
            object_id=str(consent.pk),
            subjects=[domain.subject_ref(SubjectKind.PERSON, subject_key)],
            purpose=purpose,
            data={
                "consumer": consumer,
                "registry": registry,
                "fields": wanted,
                "expires_at": expires_at.isoformat(),
            },
        )
    return consent_view(consent)


def revoke_consent(*, actor: Any, consent_id: int) -> ConsentView:
    """Withdraw a consent. The next read that needed it is refused."""
    subject_key = _subject_key(actor)
    with transaction.atomic():
        consent = (
            Consent.objects.select_for_update()
            .select_related("consumer", "registry", "purpose")
            .filter(pk=consent_id, subject_key=subject_key)
            .first()
        )
        if consent is None:
            raise PermissionDenied("no such consent of this person")
        if consent.revoked_at is None:
            consent.revoked_at = clock.now()
            consent.save(update_fields=["revoked_at"])
            record(
                actor=actor,
                action=constants.ACTION_CONSENT_REVOKED,
                object_type="consent",
                object_id=str(consent.pk),
                subjects=[domain.subject_ref(SubjectKind.PERSON, subject_key)],
                purpose=consent.purpose.code,
                data={"consumer": consent.consumer.code, "registry": consent.registry.code},
            )
    return consent_view(consent)
