"""Reads of exchange data, each scoped to the actor asking.

Registry *records* are only readable here by their own department; everyone else reads them
through :func:`yiwang.exchange.services.read`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import is_english
from yiwang.exchange import policy
from yiwang.exchange.constants import (
    OWNER_PURPOSE_NAME,
    SYSTEM_ROLE,
    AgreementState,
    Reason,
    RecordStatus,
    SubjectKind,
)
from yiwang.exchange.models import (
    AccessLogEntry,
    Consent,
    DepartmentSystem,
    Flag,
    RegistryRecord,
    RegistryRecordVersion,
    SharingAgreement,
)
from yiwang.exchange.types import (
    AccessLogView,
    ConsentView,
    ElementSpec,
    FlagView,
    LegalBasis,
    RecordVersionView,
    RecordView,
)
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.constants import Role
from yiwang.identity.models import Department

# --- Definitions (not personal: anyone in the platform may know what registries hold) --------


def registry_info(code: str) -> policy.RegistryInfo | None:
    """Metadata of a registry: department, subject kind, fields and their elements."""
    return policy.snapshot().registries.get(code)


def registries() -> list[policy.RegistryInfo]:
    return sorted(policy.snapshot().registries.values(), key=lambda r: r.code)


def purposes() -> list[policy.PurposeInfo]:
    return sorted(policy.snapshot().purposes.values(), key=lambda p: p.code)


def element_codes() -> list[str]:
    """Every data element's code (definitions, not personal data)."""
    from yiwang.exchange.models import DataElement

    return sorted(DataElement.objects.values_list("code", flat=True))


def element_spec(registry: str, field: str) -> ElementSpec | None:
    info = registry_info(registry)
    if info is None or field not in info.fields:
        return None
    return info.fields[field].element


def is_department_system(principal: Any) -> bool:
    """Whether an authenticated principal (see ``services.authenticate_system``) is a
    department system rather than an account: the API layer's question, answered here so
    that nobody outside the exchange needs its models."""
    from yiwang.exchange.models import DepartmentSystem

    return isinstance(principal, DepartmentSystem)


def policy_text() -> str:
    """The Cedar policies in force, for auditors and ``yiwang exchange policies``."""
    return policy.snapshot().text


def _pick(zh: str, en: str) -> str:
    return en if is_english() and en else zh


# --- Consent --------------------------------------------------------------------------------


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


# --- The access log -------------------------------------------------------------------------


def _official(entry: AccessLogEntry) -> str:
    if entry.identity_restricted:
        if entry.role == SYSTEM_ROLE:
            return _("Department system")
        return str(Role(entry.role).label) if entry.role in Role.values else entry.role
    if entry.system is not None:
        return entry.system.name
    if entry.account is not None:
        return entry.account.display_name or entry.account.get_username()
    return ""


def _purpose_name(entry: AccessLogEntry) -> str:
    if entry.purpose is not None:
        return _pick(entry.purpose.name_zh, entry.purpose.name_en)
    if entry.reason == Reason.REGISTRY_OWNER:  # the department read its own registry
        return str(OWNER_PURPOSE_NAME)
    return entry.purpose_code


def _entry_view(entry: AccessLogEntry, snap: policy.Snapshot) -> AccessLogView:
    info = snap.registries.get(entry.registry.code)
    names = []
    for name in entry.fields:
        spec = info.fields[name].element if info and name in info.fields else None
        names.append(_pick(spec.name_zh, spec.name_en) if spec else name)
    basis = None
    if entry.legal_basis_zh or entry.legal_basis_en:
        basis = LegalBasis(entry.legal_basis_zh, entry.legal_basis_en, entry.legal_basis_url)
    return AccessLogView(
        id=entry.pk,
        at=entry.created_at,
        outcome=entry.outcome,
        reason=entry.reason,
        department_code=entry.consumer_code,
        department_name=entry.consumer.name if entry.consumer else entry.consumer_code,
        official=_official(entry),
        identity_restricted=entry.identity_restricted,
        registry_code=entry.registry.code,
        registry_name=_pick(entry.registry.name_zh, entry.registry.name_en),
        fields=tuple(entry.fields),
        field_names=tuple(names),
        purpose_code=entry.purpose_code,
        purpose_name=_purpose_name(entry),
        legal_basis=basis,
        case_ref=entry.case_ref,
        flagged=bool(getattr(entry, "is_flagged", False)),
    )


# What an entry's view shows, and nothing else: not the record versions read, nor the rest of
# the account, department and registry rows (a page lists many entries).
_ENTRY_VIEW_FIELDS = (
    "created_at",
    "subject_kind",
    "subject_key",
    "outcome",
    "reason",
    "consumer_code",
    "role",
    "identity_restricted",
    "fields",
    "purpose_code",
    "legal_basis_zh",
    "legal_basis_en",
    "legal_basis_url",
    "case_ref",
    "consumer__name_zh",
    "consumer__name_en",
    "account__username",
    "account__display_name",
    "system__name",
    "registry__code",
    "registry__name_zh",
    "registry__name_en",
    "purpose__name_zh",
    "purpose__name_en",
)


def _entries(kind: str, key: str) -> QuerySet[AccessLogEntry]:
    return (
        AccessLogEntry.objects.filter(subject_kind=kind, subject_key=key)
        .select_related("consumer", "account", "system", "registry", "purpose")
        .only(*_ENTRY_VIEW_FIELDS)
        .annotate(is_flagged=Exists(Flag.objects.filter(entry=OuterRef("pk"))))
        .order_by("-created_at", "-pk")
    )


def _window(
    rows: QuerySet[AccessLogEntry], limit: int | None, offset: int
) -> QuerySet[AccessLogEntry]:
    if limit:
        return rows[offset : offset + limit]
    return rows[offset:] if offset else rows


@dataclass(frozen=True)
class AccessLogFilter:
    """What a person narrows their access log to: one reading department, a span of days
    (inclusive, in the platform's time zone)."""

    department: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def _filtered(
    rows: QuerySet[AccessLogEntry], where: AccessLogFilter | None
) -> QuerySet[AccessLogEntry]:
    if where is None:
        return rows
    from django.utils import timezone

    if where.department:
        rows = rows.filter(consumer_code=where.department)
    zone = timezone.get_current_timezone()
    # The first and last days a calendar has bound nothing: their edges cannot be written as a
    # moment in every time zone.
    if where.since is not None and where.since > dt.date.min:
        start = dt.datetime.combine(where.since, dt.time.min, tzinfo=zone)
        rows = rows.filter(created_at__gte=start)
    if where.until is not None and where.until < dt.date.max:
        end = dt.datetime.combine(where.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        rows = rows.filter(created_at__lt=end)
    return rows


def access_log_for(
    *,
    actor: Any,
    person: Any,
    limit: int | None = None,
    offset: int = 0,
    where: AccessLogFilter | None = None,
) -> list[AccessLogView]:
    """Who read (or tried to read) a person's data, newest first. Only the person may look."""
    own = identity_selectors.person_for(actor)
    if own is None or person is None or own.pk != person.pk or not own.national_id:
        raise PermissionDenied("a person sees only their own access log")
    rows = _filtered(_entries(SubjectKind.PERSON, own.national_id), where)
    snap = policy.snapshot()
    return [_entry_view(e, snap) for e in _window(rows, limit, offset)]


def access_log_for_firm(
    *,
    actor: Any,
    firm: Any,
    limit: int | None = None,
    offset: int = 0,
    where: AccessLogFilter | None = None,
) -> list[AccessLogView]:
    """The same for a firm, shown to the people who may act for it today."""
    if firm is None or not identity_selectors.can_act_for_firm(actor, firm):
        raise PermissionDenied("only a firm's representatives see its access log")
    rows = _filtered(_entries(SubjectKind.FIRM, firm.uscc), where)
    snap = policy.snapshot()
    return [_entry_view(e, snap) for e in _window(rows, limit, offset)]


def access_log_departments(*, actor: Any, firm: Any = None) -> list[tuple[str, str]]:
    """``(code, name)`` of the departments a person may narrow their access log (or their
    firm's) to: those that consume an agreement on a registry about persons (or firms), and
    those that keep such a registry (their own reads of it are listed too).

    Taken from the agreements, not from the log itself: a DISTINCT over a person's whole log
    would cost as much as the log is long on every page. A read refused to a department with no
    agreement at all is still listed unfiltered.
    """
    if firm is not None:
        if not identity_selectors.can_act_for_firm(actor, firm):
            raise PermissionDenied("only a firm's representatives see its access log")
        kind = SubjectKind.FIRM
    else:
        kind = SubjectKind.PERSON
    consumers = SharingAgreement.objects.filter(registry__subject_kind=kind).values("consumer_id")
    owners = {
        r.department_id for r in policy.snapshot().registries.values() if r.subject_kind == kind
    }
    departments = Department.objects.filter(Q(pk__in=consumers) | Q(pk__in=owners))
    return [(d.code, d.name) for d in departments.order_by("code")]


def access_log_entry_for(*, actor: Any, entry_id: int) -> AccessLogView | None:
    """One entry of the actor's own access log (person or a firm they act for), or None."""
    entry = (
        AccessLogEntry.objects.select_related(
            "consumer", "account", "system", "registry", "purpose"
        )
        .annotate(is_flagged=Exists(Flag.objects.filter(entry=OuterRef("pk"))))
        .filter(pk=entry_id)
        .first()
    )
    if entry is None or not may_see_entry(actor, entry):
        return None
    return _entry_view(entry, policy.snapshot())


def may_see_entry(actor: Any, entry: AccessLogEntry) -> bool:
    if entry.subject_kind == SubjectKind.PERSON:
        person = identity_selectors.person_for(actor)
        return person is not None and person.national_id == entry.subject_key
    firms = identity_selectors.firms_actor_may_act_for(actor)
    return firms.filter(uscc=entry.subject_key).exists()


def _flag_departments(actor: Any) -> list[int]:
    return list(
        identity_selectors.memberships_of(actor)
        .filter(role=Role.DATA_OFFICER)
        .values_list("department_id", flat=True)
    )


@dataclass(frozen=True)
class FlagDetail:
    """A flag with the access-log entry it is about, for the provider's data officers."""

    flag: FlagView
    entry: AccessLogView
    provider_code: str


def flag_details_for(*, actor: Any, status: str | None = None) -> list[FlagDetail]:
    """The flags :func:`flags_for` shows, each with its whole access-log entry."""
    rows = (
        Flag.objects.filter(provider_id__in=_flag_departments(actor))
        .select_related(
            "provider",
            "raised_by",
            "entry",
            "entry__consumer",
            "entry__account",
            "entry__system",
            "entry__registry",
            "entry__purpose",
        )
        .order_by("-created_at", "-pk")
    )
    if status:
        rows = rows.filter(status=status)
    snap = policy.snapshot()
    out = []
    for f in rows:
        entry = f.entry
        entry.is_flagged = True  # type: ignore[attr-defined]  # the annotation _entries adds
        out.append(
            FlagDetail(
                flag=FlagView(
                    id=f.pk,
                    created_at=f.created_at,
                    status=f.status,
                    reason=f.reason,
                    access_log_id=f.entry_id,
                    registry_code=entry.registry.code,
                    consumer_code=entry.consumer_code,
                    raised_by=str(f.raised_by),
                ),
                entry=_entry_view(entry, snap),
                provider_code=f.provider.code,
            )
        )
    return out


def flags_for(*, actor: Any) -> list[FlagView]:
    """Open and closed flags on reads of registries of the actor's departments (data officers)."""
    departments = _flag_departments(actor)
    rows = (
        Flag.objects.filter(provider_id__in=departments)
        .select_related("entry", "entry__registry", "raised_by")
        .order_by("-created_at", "-pk")
    )
    return [
        FlagView(
            id=f.pk,
            created_at=f.created_at,
            status=f.status,
            reason=f.reason,
            access_log_id=f.entry_id,
            registry_code=f.entry.registry.code,
            consumer_code=f.entry.consumer_code,
            raised_by=str(f.raised_by),
        )
        for f in rows
    ]


# --- Agreements -----------------------------------------------------------------------------


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
        .values_list("created_at", "action", "actor_label", "actor_department", "data_json")
    )
    out = []
    for at, action, label, department, data_json in events:
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


# --- Department systems, for the people who manage them ------------------------------------


def systems_for(*, actor: Any) -> QuerySet[DepartmentSystem]:
    """Systems of the departments whose systems the actor manages (their department admins and
    data officers, as the credential services require; every one for the platform), with
    their credentials."""
    base = DepartmentSystem.objects.select_related("department").prefetch_related("credentials")
    if identity_selectors.is_platform_admin(actor) or identity_selectors.is_system_actor(actor):
        return base.order_by("department__code", "name")
    departments = (
        identity_selectors.memberships_of(actor)
        .filter(role__in=(Role.DEPARTMENT_ADMIN, Role.DATA_OFFICER))
        .values_list("department_id", flat=True)
    )
    return base.filter(department_id__in=departments).order_by("department__code", "name")


# --- Records, for their own department only ---------------------------------------------------


def _owned(actor: Any, registry: str) -> policy.RegistryInfo:
    from yiwang.exchange.services._common import require_registry_owner

    info = registry_info(registry)
    if info is None:
        raise PermissionDenied("no such registry")
    require_registry_owner(actor, info.department_id)
    return info


def _view(info: policy.RegistryInfo, rec: RegistryRecord) -> RecordView:
    return RecordView(
        registry=info.code,
        record_key=rec.record_key,
        subject_key=rec.subject_key,
        version=rec.version,
        status=rec.status,
        values=dict(rec.values),
        updated_at=rec.updated_at,
    )


def read_record(*, actor: Any, registry: str, record_key: str) -> RecordView | None:
    info = _owned(actor, registry)
    rec = RegistryRecord.objects.filter(registry_id=info.id, record_key=record_key).first()
    return _view(info, rec) if rec else None


def records_for_subject(
    *, actor: Any, registry: str, subject: str, include_retired: bool = False
) -> list[RecordView]:
    info = _owned(actor, registry)
    rows = RegistryRecord.objects.filter(registry_id=info.id, subject_key=subject)
    if not include_retired:
        rows = rows.filter(status=RecordStatus.ACTIVE)
    return [_view(info, r) for r in rows.order_by("record_key")]


def record_exists(*, actor: Any, registry: str, subject: str) -> bool:
    info = _owned(actor, registry)
    return RegistryRecord.objects.filter(
        registry_id=info.id, subject_key=subject, status=RecordStatus.ACTIVE
    ).exists()


def list_records(
    *,
    actor: Any,
    registry: str,
    after: str = "",
    limit: int = 100,
    include_retired: bool = False,
    updated_since: dt.datetime | None = None,
) -> list[RecordView]:
    """A page of records in key order; pass the last key as ``after`` for the next page.

    ``updated_since`` keeps the records changed at or after that moment (a copy kept in step
    passes the newest ``updated_at`` it has seen; "at or after" never skips a record).
    """
    info = _owned(actor, registry)
    rows = RegistryRecord.objects.filter(registry_id=info.id, record_key__gt=after)
    if not include_retired:
        rows = rows.filter(status=RecordStatus.ACTIVE)
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    return [_view(info, r) for r in rows.order_by("record_key")[: max(1, min(limit, 1000))]]


def record_history(*, actor: Any, registry: str, record_key: str) -> list[RecordVersionView]:
    """Every version of a record, oldest first, with who changed it and why."""
    info = _owned(actor, registry)
    rows = RegistryRecordVersion.objects.filter(
        record__registry_id=info.id, record__record_key=record_key
    ).order_by("version")
    return [
        RecordVersionView(
            version=v.version,
            values=dict(v.values),
            status=v.status,
            changed_by=v.changed_by_label,
            reason=v.reason,
            created_at=v.created_at,
        )
        for v in rows
    ]


# --- Corrections people asked for ------------------------------------------------------------

# Kept in their own module; imported here, so that other apps read them through this one.
from yiwang.exchange.selectors_corrections import (  # noqa: E402, F401
    RegistryCorrectionView,
    registry_correction_for,
    registry_corrections_for,
    registry_corrections_reported_by,
)
