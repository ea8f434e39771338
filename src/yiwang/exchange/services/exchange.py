"""The exchange: the one governed way to read another department's registry data.

``read`` denies by default. It allows a read only when the Cedar policies generated from the
active agreements permit it; it then reads the subject's records, keeps only the agreed fields,
masks them as agreed and returns them with their provenance. Every call — served or refused —
writes one audit event, and (when the subject is a valid identifier in a known registry) one
access-log row the subject can see, in the same transaction as the read.

Queries on the hot path: the policy token (with a system's check, in one statement), an
official's membership, the consent (only when an agreement needs it), the records, and the two
inserts (audit event, access log).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yiwang.core import clock
from yiwang.core.db import bulk
from yiwang.core.db import rows as _rows
from yiwang.exchange import constants, domain, hooks, policy, selectors
from yiwang.exchange.constants import (
    SYSTEM_ROLE,
    AgreementStatus,
    Outcome,
    Reason,
    RecordStatus,
    SharingClass,
    Storage,
)
from yiwang.exchange.models import AccessLogEntry, DepartmentSystem, RegistryRecord
from yiwang.exchange.services._common import audit_actor, record
from yiwang.exchange.types import (
    ConnectorError,
    ExchangeResult,
    FetchedRecord,
    Provenance,
    Requester,
    SharedRecord,
)
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.models import Account

log = logging.getLogger(__name__)

_STATUS_REASON = {
    AgreementStatus.REQUESTED: Reason.AGREEMENT_PENDING,
    AgreementStatus.REJECTED: Reason.AGREEMENT_REJECTED,
    AgreementStatus.REVOKED: Reason.REVOKED,
    AgreementStatus.SUSPENDED: Reason.SUSPENDED,
    AgreementStatus.EXPIRED: Reason.EXPIRED,
    AgreementStatus.NOT_YET_VALID: Reason.NOT_YET_VALID,
}

# How far a request got against an agreement before a rule stopped it. When several agreements
# could apply, the refusal names the one that got furthest: that is the rule the requester
# has to fix (or the person has to consent to).
_PROGRESS = {
    Reason.AGREEMENT_REJECTED: 0,
    Reason.REVOKED: 1,
    Reason.AGREEMENT_PENDING: 2,
    Reason.SUSPENDED: 3,
    Reason.EXPIRED: 4,
    Reason.NOT_YET_VALID: 5,
    Reason.WRONG_PURPOSE: 6,
    Reason.FIELD_OUTSIDE_AGREEMENT: 7,
    Reason.WRONG_ROLE: 8,
    Reason.NO_OPEN_CASE: 9,
    Reason.CONSENT_MISSING: 10,
    Reason.CONSENT_REVOKED: 10,
    Reason.CONSENT_EXPIRED: 10,
}


# A read asks for a handful of fields; more than this is refused (and not copied into the log).
MAX_FIELDS = 200


@dataclass(frozen=True)
class _Verdict:
    allowed: bool
    reason: str
    rule: policy.AgreementRule | None = None


def _clip(value: Any, limit: int) -> str:
    """Requester-supplied text as the audit log can hold it: no control characters, bounded."""
    text = str(value)
    if not text.isprintable():  # one C-level pass; the per-character rewrite is rarely needed
        text = "".join(c if c.isprintable() else " " for c in text)
    return text[:limit]


def _deny(reason: str, rule: policy.AgreementRule | None = None) -> _Verdict:
    return _Verdict(False, str(reason), rule)


def _static_failure(
    rule: policy.AgreementRule, *, day: Any, purpose: str, wanted: Sequence[str], role: str
) -> str | None:
    """The first rule of the agreement this request breaks, before consent and case checks."""
    status = rule.status_on(day)
    if status != AgreementStatus.ACTIVE:
        return _STATUS_REASON[AgreementStatus(status)]
    if purpose not in rule.purposes:
        return Reason.WRONG_PURPOSE
    if not set(wanted) <= set(rule.fields):
        return Reason.FIELD_OUTSIDE_AGREEMENT
    if rule.roles and role not in rule.roles:
        return Reason.WRONG_ROLE
    return None


def _verify_account(requester: Requester) -> int | None:
    """The department id of an official's claimed membership if it holds now, else None."""
    found = (
        identity_selectors.memberships_of(requester.account)
        .filter(department__code=requester.department, role=requester.role)
        .values_list("department_id", flat=True)
    )
    # No ordering, no select_related: this runs on every read.
    ids = list(found.order_by()[:1])
    return ids[0] if ids else None


def _snapshot_for(requester: Requester) -> tuple[policy.Snapshot, int | None]:
    """The policy snapshot and, for a department system, its department's id if the system and
    its department are still active now (None if not).

    A system's check and the policy token come from one statement: systems are the busiest
    readers, and each statement is a round trip. An official's membership is checked later,
    only when the request gets that far (see :func:`_verify_account`).
    """
    if requester.system is None or requester.role != SYSTEM_ROLE:
        return policy.snapshot(), None
    with connection.cursor() as cursor:
        cursor.execute(_system_check_sql(), [requester.system.pk, True, True, requester.department])
        token, department_id = cursor.fetchone()
    snap = policy.snapshot(token=str(token or ""))
    return snap, int(department_id) if department_id is not None else None


@cache
def _records_sql() -> str:
    """A subject's active records in one registry, by the (registry, subject) index."""
    r = RegistryRecord
    return (
        f"SELECT {_rows.select_list(_rows.columns(r, 'r', _RECORD_FIELDS))} "  # noqa: S608
        f"FROM {_rows.table(r)} r WHERE r.{_rows.column_name(r, 'registry')} = %s "
        f"AND r.{_rows.column_name(r, 'subject_key')} = %s "
        f"AND r.{_rows.column_name(r, 'status')} = %s"
    )


@cache
def _system_check_sql() -> str:
    """The policy token, and the department of an active system in an active department with
    the claimed code (NULL if there is none): one row, always.

    Plain SQL, as for the policy token alone: building this query with the ORM on every read
    cost more than running it. Table and column names come from the models, so the text
    follows them.
    """
    s, d = DepartmentSystem, DepartmentSystem._meta.get_field("department").related_model
    assert d is not None
    return (
        f"SELECT ({policy.token_sql()}), ("  # noqa: S608
        f"SELECT s.{_rows.column_name(s, 'department')} "
        f"FROM {_rows.table(s)} s INNER JOIN {_rows.table(d)} d "
        f"ON d.{_rows.column_name(d, 'id')} = s.{_rows.column_name(s, 'department')} "
        f"WHERE s.{_rows.column_name(s, 'id')} = %s "
        f"AND s.{_rows.column_name(s, 'is_active')} = %s "
        f"AND d.{_rows.column_name(d, 'is_active')} = %s "
        f"AND d.{_rows.column_name(d, 'code')} = %s)"
    )


def _decide(
    snap: policy.Snapshot,
    *,
    info: policy.RegistryInfo,
    requester: Requester,
    consumer_id: int,
    subject_key: str,
    wanted: tuple[str, ...],
    purpose: policy.PurposeInfo,
    case_ref: str | None,
    now: Any,
) -> _Verdict:
    day = timezone.localdate(now)
    candidates = [
        r
        for r in snap.candidates(requester.department, info.code)
        if r.sharing_class != SharingClass.NOT_SHARED
    ]
    static = {
        r.code: _static_failure(
            r, day=day, purpose=purpose.code, wanted=wanted, role=requester.role
        )
        for r in candidates
    }
    viable = [r for r in candidates if static[r.code] is None]
    consent = None
    if any(r.requires_consent for r in viable):
        consent = selectors.consent_check(
            subject_key=subject_key,
            consumer_id=consumer_id,
            registry_id=info.id,
            purpose_id=purpose.id,
            fields=wanted,
            at=now,
        )
    open_case = False
    if any(r.requires_open_case for r in viable):
        open_case = hooks.is_open_case(
            case_ref=case_ref,
            subject_kind=info.subject_kind,
            subject_key=subject_key,
            consumer=requester.department,
        )
    decision = policy.authorise(
        snap.policy_set,
        policy.request_for(
            consumer=requester.department,
            registry=info.code,
            purpose=purpose.code,
            fields=wanted,
            role=requester.role,
            day=day,
            consent=bool(consent and consent.granted),
            open_case=open_case,
        ),
    )
    if decision.errors:
        log.error("policy evaluation errors: %s", "; ".join(decision.errors))

    def failure(rule: policy.AgreementRule) -> str | None:
        found = static.get(rule.code)
        if found is None and rule.requires_open_case and not open_case:
            found = Reason.NO_OPEN_CASE
        if found is None and rule.requires_consent and not (consent and consent.granted):
            found = consent.reason if consent else Reason.CONSENT_MISSING
        return found

    if decision.allowed:
        eligible = {r.code: r for r in candidates}
        for code in decision.agreements:
            rule = eligible.get(code)
            if rule is not None and failure(rule) is None:
                return _Verdict(True, str(Reason.ALLOWED), rule)
        # Cedar and the explanation disagree: never serve on a decision nobody can explain.
        log.error("policy allowed %s but no agreement explains it", decision.agreements)
        return _deny(Reason.POLICY_DENIED)
    if decision.agreements:
        # A not_shared agreement's forbid matched.
        return _deny(Reason.NOT_SHARED, snap.agreements.get(decision.agreements[0]))
    if not candidates:
        return _deny(Reason.NO_AGREEMENT)
    best: tuple[int, policy.AgreementRule, str] | None = None
    for rule in candidates:
        reason = failure(rule)
        if reason is None:
            log.error("agreement %s allows the read but the policy denied it", rule.code)
            return _deny(Reason.POLICY_DENIED, rule)
        progress = _PROGRESS[Reason(reason)]
        if best is None or progress > best[0]:
            best = (progress, rule, reason)
    assert best is not None
    return _deny(best[2], best[1])


_RECORD_FIELDS = ("record_key", "values", "version", "updated_at")


def _fetch_hosted(info: policy.RegistryInfo, subject_key: str) -> list[FetchedRecord]:
    cols = _rows.columns(RegistryRecord, "r", _RECORD_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(_records_sql(), [info.id, subject_key, RecordStatus.ACTIVE.value])
        rows = [_rows.values(cols, row) for row in cursor.fetchall()]
    found = [FetchedRecord(key, values, version, updated) for key, values, version, updated in rows]
    # Sorted here rather than in SQL: a subject has a handful of records at most.
    return sorted(found, key=lambda r: r.record_key)


def _fetch_remote(
    info: policy.RegistryInfo, subject_key: str, wanted: tuple[str, ...]
) -> list[FetchedRecord] | None:
    """The remote registry's records, or None when it cannot be reached."""
    connector = hooks.connector_for(str(info.connector.get("type", "")))
    if connector is None:
        log.warning("no connector registered for registry %s", info.code)
        return None
    try:
        return list(
            connector.fetch(
                registry=info.code, config=info.connector, subject=subject_key, fields=wanted
            )
        )
    except ConnectorError as exc:
        log.warning("registry %s unavailable: %s", info.code, exc)
        return None


def _share(
    info: policy.RegistryInfo,
    rule: policy.AgreementRule,
    fetched: Iterable[FetchedRecord],
    wanted: tuple[str, ...],
) -> tuple[SharedRecord, ...]:
    masking = {name: str(rule.masking.get(name, constants.Masking.NONE)) for name in wanted}
    return tuple(
        SharedRecord(
            values={
                name: domain.apply_masking(masking[name], rec.values.get(name)) for name in wanted
            },
            masking=masking,
            provenance=Provenance(
                registry=info.code,
                department=info.department_code,
                record_key=rec.record_key,
                version=rec.version,
                updated_at=rec.updated_at,
            ),
        )
        for rec in fetched
    )


def read(
    *,
    requester: Requester,
    subject: str,
    fields: Iterable[str],
    purpose: str,
    registry: str,
    case_ref: str | None = None,
) -> ExchangeResult:
    """Read ``fields`` of ``subject`` (a national id or USCC) from ``registry`` for
    ``purpose``. Never raises for a refusal: look at ``result.allowed`` and ``result.reason``
    (or call ``result.raise_if_denied()``)."""
    now = clock.now()
    wanted = tuple(dict.fromkeys(fields))
    case_ref = (case_ref or "").strip() or None
    snap, system_department_id = _snapshot_for(requester)
    info = snap.registries.get(registry)
    subject_key: str | None = None
    consumer_id: int | None = None
    purpose_info = snap.purposes.get(purpose)
    verdict: _Verdict
    if info is None or not info.is_active:
        verdict = _deny(Reason.UNKNOWN_REGISTRY)
    else:
        try:
            subject_key = domain.normalise_subject(info.subject_kind, subject)
        except domain.SubjectInvalid:
            verdict = _deny(Reason.INVALID_SUBJECT)
        else:
            consumer_id = (
                _verify_account(requester) if requester.system is None else system_department_id
            )
            if consumer_id is None:
                verdict = _deny(Reason.UNKNOWN_REQUESTER)
            elif purpose_info is None:
                verdict = _deny(Reason.UNKNOWN_PURPOSE)
            elif not wanted:
                verdict = _deny(Reason.NO_FIELDS)
            elif len(wanted) > MAX_FIELDS or any(name not in info.fields for name in wanted):
                verdict = _deny(Reason.UNKNOWN_FIELD)
            else:
                verdict = _decide(
                    snap,
                    info=info,
                    requester=requester,
                    consumer_id=consumer_id,
                    subject_key=subject_key,
                    wanted=wanted,
                    purpose=purpose_info,
                    case_ref=case_ref,
                    now=now,
                )

    fetched: list[FetchedRecord] | None = None
    if verdict.allowed and info is not None and info.storage == Storage.REMOTE:
        # Outside the transaction: a slow remote must not hold database locks.
        assert subject_key is not None
        fetched = _fetch_remote(info, subject_key, wanted)
        if fetched is None:
            verdict = _deny(Reason.REGISTRY_UNAVAILABLE, verdict.rule)

    logged_fields = [_clip(f, 64) for f in wanted[:MAX_FIELDS]]
    with transaction.atomic():
        shared: tuple[SharedRecord, ...] = ()
        if verdict.allowed:
            assert info is not None and subject_key is not None and verdict.rule is not None
            if fetched is None:
                fetched = _fetch_hosted(info, subject_key)
            if fetched:
                shared = _share(info, verdict.rule, fetched, wanted)
            else:
                verdict = _deny(Reason.UNKNOWN_SUBJECT, verdict.rule)
        rule = verdict.rule
        outcome = Outcome.SERVED if verdict.allowed else Outcome.DENIED
        served = [{"key": r.provenance.record_key, "version": r.provenance.version} for r in shared]
        subjects = (
            [domain.subject_ref(info.subject_kind, subject_key)]
            if info is not None and subject_key is not None
            else []
        )
        event = record(
            actor=audit_actor(requester.system or requester.account),
            action=constants.ACTION_READ,
            object_type="registry",
            object_id=_clip(registry, 64),
            subjects=subjects,
            purpose=_clip(purpose, 64),
            department=_clip(requester.department, 32),
            role=_clip(requester.role, 32),
            data={
                "outcome": outcome,
                "reason": verdict.reason,
                "agreement": rule.code if rule else None,
                "fields": logged_fields,
                "case_ref": _clip(case_ref, 64) if case_ref else None,
                "records": served,
            },
        )
        entry = None
        if info is not None and subject_key is not None:
            entry = AccessLogEntry(
                created_at=now,
                subject_kind=info.subject_kind,
                subject_key=subject_key,
                outcome=outcome,
                reason=verdict.reason,
                consumer_id=consumer_id,
                consumer_code=_clip(requester.department, 32),
                account=requester.account if isinstance(requester.account, Account) else None,
                system=requester.system if isinstance(requester.system, DepartmentSystem) else None,
                role=_clip(requester.role, 32),
                identity_restricted=bool(rule and rule.identity_restricted),
                registry_id=info.id,
                fields=logged_fields,
                purpose_id=purpose_info.id if purpose_info else None,
                purpose_code=_clip(purpose, 64),
                agreement_id=rule.id if rule else None,
                legal_basis_zh=rule.legal_basis.citation_zh if rule else "",
                legal_basis_en=rule.legal_basis.citation_en if rule else "",
                legal_basis_url=rule.legal_basis.url if rule else "",
                case_ref=_clip(case_ref, 64) if case_ref else "",
                records=served,
                audit_event_id=str(getattr(event, "pk", "") or ""),
            )
            bulk.insert([entry])  # the ORM's create, without building the statement each read
    return ExchangeResult(
        allowed=verdict.allowed,
        reason=verdict.reason,
        registry=registry,
        subject=subject_key or subject,
        purpose=purpose,
        fields=wanted,
        agreement=rule.code if rule else None,
        legal_basis=rule.legal_basis if rule and verdict.allowed else None,
        records=shared,
        audit_event_id=getattr(event, "pk", None),
        access_log_id=entry.pk if entry else None,
    )
