"""The consents a person has given, and whether one covers a read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from yiwang.core import clock
from yiwang.exchange import policy
from yiwang.exchange.constants import Reason
from yiwang.exchange.models import Consent
from yiwang.exchange.types import ConsentView
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.models import Department


def consent_view(consent: Consent) -> ConsentView:
    return ConsentView(
        id=consent.pk,
        consumer_code=consent.consumer.code,
        consumer_name=consent.consumer.name,
        registry_code=consent.registry.code,
        purpose_code=consent.purpose.code,
        fields=tuple(consent.fields),
        granted_at=consent.granted_at,
        expires_at=consent.expires_at,
        revoked_at=consent.revoked_at,
    )


def consents_for(*, actor: Any) -> list[ConsentView]:
    """Every consent the actor has given, newest first."""
    person = identity_selectors.person_for(actor)
    if person is None or not person.national_id:
        return []
    rows = (
        Consent.objects.filter(subject_key=person.national_id)
        .select_related("consumer", "registry", "purpose")
        .order_by("-granted_at", "-pk")
    )
    return [consent_view(c) for c in rows]


@dataclass(frozen=True)
class ConsentCheck:
    granted: bool
    # None when granted; otherwise consent_missing, consent_revoked or consent_expired.
    reason: str | None
    consent_id: int | None = None


def consent_check(
    *,
    subject_key: str,
    consumer_id: int,
    registry_id: int,
    purpose_id: int,
    fields: Iterable[str],
    at: dt.datetime,
) -> ConsentCheck:
    """Whether the person's consent covers this read; if not, why (one indexed query).

    A consent covers a read when it names the consumer, registry and purpose, lists every
    field asked for, is not revoked and has not expired. Without a covering consent the reason
    comes from the newest consent that would have covered it: revoked or expired; with none at
    all, consent is missing.
    """
    wanted = set(fields)
    rows = Consent.objects.filter(
        subject_key=subject_key,
        consumer_id=consumer_id,
        registry_id=registry_id,
        purpose_id=purpose_id,
    ).values_list("pk", "fields", "expires_at", "revoked_at", "granted_at")
    newest: tuple[dt.datetime, str] | None = None
    for pk, consent_fields, expires_at, revoked_at, granted_at in rows:
        if not wanted <= set(consent_fields):
            continue
        if revoked_at is None and expires_at > at:
            return ConsentCheck(True, None, pk)
        why = Reason.CONSENT_REVOKED if revoked_at is not None else Reason.CONSENT_EXPIRED
        if newest is None or granted_at > newest[0]:
            newest = (granted_at, why)
    return ConsentCheck(False, newest[1] if newest else Reason.CONSENT_MISSING)


def active_consent(
    *,
    subject_key: str,
    consumer: str,
    registry: str,
    purpose: str,
    fields: Iterable[str],
    at: dt.datetime | None = None,
) -> ConsentView | None:
    """The consent that covers this read right now, if any."""
    at = at or clock.now()
    snap = policy.snapshot()
    info = snap.registries.get(registry)
    purpose_info = snap.purposes.get(purpose)
    if info is None or purpose_info is None:
        return None
    consumer_id = Department.objects.filter(code=consumer).values_list("pk", flat=True).first()
    if consumer_id is None:
        return None
    check = consent_check(
        subject_key=subject_key,
        consumer_id=consumer_id,
        registry_id=info.id,
        purpose_id=purpose_info.id,
        fields=fields,
        at=at,
    )
    if check.consent_id is None:
        return None
    consent = Consent.objects.select_related("consumer", "registry", "purpose").get(
        pk=check.consent_id
    )
    return consent_view(consent)
