"""Sharing agreements: those the actor's departments are party to, and their history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import policy
from yiwang.exchange.constants import AgreementState, SubjectKind
from yiwang.exchange.models import SharingAgreement
from yiwang.identity import selectors as identity_selectors


def agreements_for(*, actor: Any) -> QuerySet[SharingAgreement]:
    """Agreements the actor's departments consume or provide; every one for the platform."""
    base = SharingAgreement.objects.select_related(
        "consumer", "registry", "registry__department"
    ).prefetch_related("purposes")
    if identity_selectors.is_platform_admin(actor) or identity_selectors.is_system_actor(actor):
        return base.order_by("code")
    departments = identity_selectors.memberships_of(actor).values_list("department_id", flat=True)
    return base.filter(
        Q(consumer_id__in=departments) | Q(registry__department_id__in=departments)
    ).order_by("code")


def consentable_agreements() -> list[SharingAgreement]:
    """Agreements in force that need the person's consent: what a person may consent to.

    Definitions, not personal data, so no actor: anyone may know which departments could ask.
    """
    from django.utils import timezone

    day = timezone.localdate(clock.now())
    rows = (
        SharingAgreement.objects.filter(
            state=AgreementState.APPROVED,
            requires_consent=True,
            registry__subject_kind=SubjectKind.PERSON,
            valid_from__lte=day,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .select_related("consumer", "registry")
        .prefetch_related("purposes")
        .order_by("consumer__code", "registry__code", "code")
    )
    return list(rows)


def agreement_for(*, actor: Any, code: str) -> SharingAgreement | None:
    """One agreement the actor's departments consume or provide, or None."""
    return agreements_for(actor=actor).filter(code=code).first()


@dataclass(frozen=True)
class AgreementEvent:
    """One step in an agreement's history, as the audit log recorded it."""

    at: dt.datetime
    action: str
    actor: str
    department: str
    note: str


def agreement_history(*, actor: Any, agreement: SharingAgreement) -> list[AgreementEvent]:
    """The audit events about an agreement, oldest first, for the people who may see it.

    Read here rather than through the auditors' selector: the data officers of both sides
    answer for the agreement and see its history, not the rest of the audit log.
    """
    import json

    from django.apps import apps

    if agreement_for(actor=actor, code=agreement.code) is None:
        raise PermissionDenied("only the agreement's departments see its history")
    events = (
        apps.get_model("audit", "AuditEvent")
        .objects.filter(object_type="sharing_agreement", object_id=agreement.code)
        .order_by("id")
        .values_list(
            "created_at",
            "action",
            "actor_type",
            "actor_id",
            "actor_label",
            "actor_department",
            "data_json",
        )
    )
    out = []
    for at, action, actor_type, actor_id, label, department, data_json in events:
        if actor_type == "system":  # the log's label is for operators ("yiwang demo-loader")
            label = (
                _("The platform")
                if actor_id == "platform"
                else _("The platform (%(part)s)") % {"part": actor_id}
            )
        try:
            data = json.loads(data_json or "{}")
        except ValueError:
            data = {}
        out.append(AgreementEvent(at, action, label, department, str(data.get("note", ""))))
    return out


def agreement_status(agreement: SharingAgreement, day: dt.date | None = None) -> str:
    """active / not_yet_valid / expired / requested / rejected / suspended / revoked."""
    from django.utils import timezone

    day = day or timezone.localdate(clock.now())
    return policy.agreement_status(
        agreement.state, agreement.valid_from, agreement.valid_until, day
    )
