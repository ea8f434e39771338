"""Authorisation policies: Cedar text generated from the agreements, cached per process.

Every process keeps one :class:`Snapshot` — the registries, purposes and agreements, and the
Cedar policy set parsed from them — tagged with the token of the ``PolicyVersion`` row it was
built from. Each read first fetches that token (one indexed single-row query) and rebuilds the
snapshot when it differs, so a suspension committed by any process is honoured by every other
process on its very next read. See docs/adr/0006-exchange-authorisation-with-cedar.md.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import cedarpy
from django.db.models import F

from yiwang.core import clock
from yiwang.exchange.constants import AgreementState, AgreementStatus, SharingClass
from yiwang.exchange.domain import day_number
from yiwang.exchange.types import ElementSpec, LegalBasis

NAMESPACE = "Yiwang"
ACTION_READ = {"type": f"{NAMESPACE}::Action", "id": "read"}
POLICY_ID_PREFIX = "agreement:"


# --- What the read path needs to know, without touching the database ------------------------


@dataclass(frozen=True)
class FieldInfo:
    name: str
    element: ElementSpec
    required: bool


@dataclass(frozen=True)
class RegistryInfo:
    id: int
    code: str
    name_zh: str
    name_en: str
    department_id: int
    department_code: str
    subject_kind: str
    subject_field: str
    record_key_field: str
    storage: str
    connector: Mapping[str, Any]
    is_active: bool
    fields: Mapping[str, FieldInfo]


@dataclass(frozen=True)
class PurposeInfo:
    id: int
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class AgreementRule:
    id: int
    code: str
    consumer_id: int
    consumer_code: str
    registry_code: str
    fields: tuple[str, ...]
    purposes: frozenset[str]
    sharing_class: str
    requires_consent: bool
    requires_open_case: bool
    roles: frozenset[str]
    masking: Mapping[str, str]
    identity_restricted: bool
    valid_from: dt.date
    valid_until: dt.date | None
    state: str
    legal_basis: LegalBasis

    def status_on(self, day: dt.date) -> str:
        return agreement_status(self.state, self.valid_from, self.valid_until, day)

    @property
    def policy_id(self) -> str:
        return POLICY_ID_PREFIX + self.code


def agreement_status(
    state: str, valid_from: dt.date, valid_until: dt.date | None, day: dt.date
) -> str:
    """What an agreement means on ``day``: the stored state, narrowed by the validity period."""
    if state in (AgreementState.REQUESTED, AgreementState.REJECTED, AgreementState.REVOKED):
        return state
    if valid_until is not None and day > valid_until:
        return AgreementStatus.EXPIRED
    if state == AgreementState.SUSPENDED:
        return AgreementStatus.SUSPENDED
    if day < valid_from:
        return AgreementStatus.NOT_YET_VALID
    return AgreementStatus.ACTIVE


# --- Cedar text -----------------------------------------------------------------------------


def cedar_string(value: str) -> str:
    """A Cedar string literal. Codes come from files people write, so escape everything."""
    out = ['"']
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char.isprintable() and char.isascii():
            out.append(char)
        else:
            out.append(f"\\u{{{ord(char):x}}}")
    out.append('"')
    return "".join(out)


def _set(values: Iterable[str]) -> str:
    return "[" + ", ".join(cedar_string(v) for v in sorted(values)) + "]"


def _scope(rule: AgreementRule) -> str:
    return (
        f"  principal == {NAMESPACE}::Department::{cedar_string(rule.consumer_code)},\n"
        f'  action == {NAMESPACE}::Action::"read",\n'
        f"  resource == {NAMESPACE}::Registry::{cedar_string(rule.registry_code)}\n"
    )


def _window(rule: AgreementRule) -> list[str]:
    conditions = [f"context.day >= {day_number(rule.valid_from)}"]
    if rule.valid_until is not None:
        conditions.append(f"context.day <= {day_number(rule.valid_until)}")
    return conditions


def policy_for(rule: AgreementRule) -> str | None:
    """The Cedar policy of one agreement, or ``None`` when it grants or forbids nothing now.

    Only approved agreements produce a policy. A ``not_shared`` agreement is a ``forbid``: it
    overrides any permit for the same consumer and registry when the request touches its
    fields. Everything else is a ``permit`` whose conditions spell out the agreement.
    """
    if rule.state != AgreementState.APPROVED:
        return None
    header = f"@id({cedar_string(rule.policy_id)})\n"
    if rule.sharing_class == SharingClass.NOT_SHARED:
        conditions = [*_window(rule), f"{_set(rule.fields)}.containsAny(context.fields)"]
        effect = "forbid"
    else:
        conditions = [
            f"{_set(rule.purposes)}.contains(context.purpose)",
            f"{_set(rule.fields)}.containsAll(context.fields)",
            *_window(rule),
        ]
        if rule.roles:
            conditions.append(f"{_set(rule.roles)}.contains(context.role)")
        if rule.requires_consent:
            conditions.append("context.consent")
        if rule.requires_open_case:
            conditions.append("context.open_case")
        effect = "permit"
    body = " &&\n  ".join(conditions)
    return f"{header}{effect} (\n{_scope(rule)}) when {{\n  {body}\n}};\n"


def policy_text(rules: Iterable[AgreementRule]) -> str:
    parts = [text for rule in sorted(rules, key=lambda r: r.code) if (text := policy_for(rule))]
    return "\n".join(parts)


def request_for(
    *,
    consumer: str,
    registry: str,
    purpose: str,
    fields: Iterable[str],
    role: str,
    day: dt.date,
    consent: bool,
    open_case: bool,
) -> dict[str, Any]:
    return {
        "principal": {"type": f"{NAMESPACE}::Department", "id": consumer},
        "action": ACTION_READ,
        "resource": {"type": f"{NAMESPACE}::Registry", "id": registry},
        "context": {
            "purpose": purpose,
            "fields": sorted(set(fields)),
            "role": role,
            "day": day_number(day),
            "consent": consent,
            "open_case": open_case,
        },
    }


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The agreements whose policies decided: the permits when allowed, the forbids otherwise.
    agreements: tuple[str, ...]
    errors: tuple[str, ...] = ()


_NO_ENTITIES = cedarpy.Entities.from_json_str("[]")


def authorise(policy_set: Any, request: dict[str, Any]) -> Decision:
    result = cedarpy.is_authorized(request, policy_set, _NO_ENTITIES)
    ids = result.diagnostics.id_annotations_by_reason
    codes = tuple(
        sorted(
            ids[p].removeprefix(POLICY_ID_PREFIX) for p in result.diagnostics.reasons if p in ids
        )
    )
    return Decision(
        allowed=result.allowed, agreements=codes, errors=tuple(result.diagnostics.errors)
    )


# --- The per-process snapshot ---------------------------------------------------------------


@dataclass
class Snapshot:
    token: str
    registries: dict[str, RegistryInfo]
    purposes: dict[str, PurposeInfo]
    agreements: dict[str, AgreementRule]
    by_pair: dict[tuple[str, str], tuple[AgreementRule, ...]]
    text: str
    policy_set: Any = field(repr=False)

    def candidates(self, consumer: str, registry: str) -> tuple[AgreementRule, ...]:
        return self.by_pair.get((consumer, registry), ())


_lock = threading.Lock()
_current: Snapshot | None = None


def token_sql() -> str:
    """The statement that reads the policy token (one primary-key lookup)."""
    from django.db import connection

    from yiwang.exchange.models import PolicyVersion

    table = connection.ops.quote_name(PolicyVersion._meta.db_table)
    return f"SELECT token FROM {table} WHERE id = 1"  # noqa: S608


def current_token() -> str:
    """The committed (or this transaction's) policy token: one primary-key lookup per read."""
    from django.db import connection

    with connection.cursor() as cursor:
        # Plain SQL: this runs before every exchange read, and the ORM's query building would
        # cost more than the lookup itself.
        cursor.execute(token_sql())
        row = cursor.fetchone()
    return str(row[0]) if row and row[0] else ""


def bump() -> None:
    """Mark every cached snapshot stale. Call inside the transaction that changes the data."""
    from yiwang.exchange.models import PolicyVersion

    token = uuid.uuid4().hex
    changed = PolicyVersion.objects.filter(pk=1).update(
        version=F("version") + 1, token=token, changed_at=clock.now()
    )
    if not changed:
        PolicyVersion.objects.create(pk=1, version=1, token=token, changed_at=clock.now())


def snapshot(token: str | None = None) -> Snapshot:
    """The snapshot for the committed (or, inside a writing transaction, current) data.

    ``token``: the policy token, when the caller has just read it (with another query);
    otherwise it is read here.
    """
    global _current
    if token is None:
        token = current_token()
    cached = _current
    if cached is not None and cached.token == token:
        return cached
    with _lock:
        cached = _current
        if cached is not None and cached.token == token:
            return cached
        # Built from data read after the token, so it is at least as new as the token says;
        # if it is newer, the next read sees a newer token and rebuilds again.
        fresh = build(token)
        _current = fresh
        return fresh


def build(token: str) -> Snapshot:
    from yiwang.exchange.models import Purpose, Registry, RegistryField, SharingAgreement

    fields_by_registry: dict[int, dict[str, FieldInfo]] = defaultdict(dict)
    for rf in RegistryField.objects.select_related("element").order_by("registry_id", "position"):
        fields_by_registry[rf.registry_id][rf.name] = FieldInfo(
            rf.name, rf.element.spec(), rf.required
        )
    registries = {
        r.code: RegistryInfo(
            id=r.pk,
            code=r.code,
            name_zh=r.name_zh,
            name_en=r.name_en,
            department_id=r.department_id,
            department_code=r.department.code,
            subject_kind=r.subject_kind,
            subject_field=r.subject_field,
            record_key_field=r.record_key_field,
            storage=r.storage,
            connector=dict(r.connector or {}),
            is_active=r.is_active,
            fields=fields_by_registry.get(r.pk, {}),
        )
        for r in Registry.objects.select_related("department")
    }
    purposes = {
        p.code: PurposeInfo(p.pk, p.code, p.name_zh, p.name_en) for p in Purpose.objects.all()
    }
    agreements: dict[str, AgreementRule] = {}
    by_pair: dict[tuple[str, str], list[AgreementRule]] = defaultdict(list)
    queryset = SharingAgreement.objects.select_related("consumer", "registry").prefetch_related(
        "purposes"
    )
    for a in queryset:
        rule = AgreementRule(
            id=a.pk,
            code=a.code,
            consumer_id=a.consumer_id,
            consumer_code=a.consumer.code,
            registry_code=a.registry.code,
            fields=tuple(a.fields),
            purposes=frozenset(p.code for p in a.purposes.all()),
            sharing_class=a.sharing_class,
            requires_consent=a.requires_consent,
            requires_open_case=a.requires_open_case,
            roles=frozenset(a.roles or ()),
            masking=dict(a.masking or {}),
            identity_restricted=a.official_identity_restricted,
            valid_from=a.valid_from,
            valid_until=a.valid_until,
            state=a.state,
            legal_basis=LegalBasis(a.legal_basis_zh, a.legal_basis_en, a.legal_basis_url),
        )
        agreements[rule.code] = rule
        by_pair[(rule.consumer_code, rule.registry_code)].append(rule)
    text = policy_text(agreements.values())
    return Snapshot(
        token=token,
        registries=registries,
        purposes=purposes,
        agreements=agreements,
        by_pair={k: tuple(sorted(v, key=lambda r: r.code)) for k, v in by_pair.items()},
        text=text,
        policy_set=cedarpy.PolicySet.from_str(text),
    )


def forget() -> None:
    """Drop this process's snapshot (tests of the rebuild path; never needed for correctness)."""
    global _current
    with _lock:
        _current = None
