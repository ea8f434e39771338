"""Plain values the exchange hands to other apps. No models cross this boundary except the
opaque account and department-system objects a requester carries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from yiwang.core.errors import PermissionDenied
from yiwang.exchange.constants import SYSTEM_ROLE, Reason


@dataclass(frozen=True)
class EnumOption:
    value: str
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class ElementSpec:
    """Everything needed to check a value against a data element, without the database."""

    code: str
    type: str
    name_zh: str = ""
    name_en: str = ""
    pattern: str | None = None
    options: tuple[EnumOption, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    minimum: Any = None
    maximum: Any = None
    classification: str = "internal"
    personal: bool = False


@dataclass(frozen=True)
class Requester:
    """Who asks the exchange: a department, through one of its officials or one of its systems.

    ``read`` checks again, in the database, that the official holds ``role`` in ``department``
    (or that the system is active and belongs to it): a requester is a claim, not a proof.
    """

    department: str
    role: str
    account: Any = None
    system: Any = None

    @classmethod
    def official(cls, account: Any, *, department: str, role: str) -> Requester:
        return cls(department=department, role=role, account=account)

    @classmethod
    def for_system(cls, system: Any) -> Requester:
        return cls(department=system.department.code, role=SYSTEM_ROLE, system=system)

    def __post_init__(self) -> None:
        if (self.account is None) == (self.system is None):
            raise ValueError("a requester is either an official or a system, not both or neither")


@dataclass(frozen=True)
class LegalBasis:
    citation_zh: str
    citation_en: str
    url: str = ""


@dataclass(frozen=True)
class Provenance:
    """Where a value came from: registry, record and the version that was read."""

    registry: str
    department: str
    record_key: str
    version: int
    updated_at: dt.datetime


@dataclass(frozen=True)
class SharedRecord:
    """One registry record as the consumer may see it: agreed fields only, masked as agreed."""

    values: Mapping[str, Any]
    masking: Mapping[str, str]
    provenance: Provenance


@dataclass(frozen=True)
class ExchangeResult:
    allowed: bool
    reason: str
    registry: str
    subject: str
    purpose: str
    fields: tuple[str, ...]
    agreement: str | None = None
    legal_basis: LegalBasis | None = None
    records: tuple[SharedRecord, ...] = ()
    audit_event_id: Any = None
    access_log_id: int | None = None

    @property
    def record(self) -> SharedRecord | None:
        """The record, for registries that hold at most one record per subject."""
        return self.records[0] if self.records else None

    def raise_if_denied(self) -> ExchangeResult:
        if not self.allowed:
            raise ExchangeDenied(self.reason)
        return self


class ExchangeDenied(PermissionDenied):
    def __init__(self, reason: str) -> None:
        self.reason = reason
        label = Reason(reason).label if reason in Reason.values else reason
        super().__init__(str(label))


@dataclass(frozen=True)
class RecordVersionView:
    version: int
    values: Mapping[str, Any]
    status: str
    changed_by: str
    reason: str
    created_at: dt.datetime


@dataclass(frozen=True)
class RecordView:
    """A hosted record as its own department sees it (no masking: it is their data)."""

    registry: str
    record_key: str
    subject_key: str
    version: int
    status: str
    values: Mapping[str, Any]
    updated_at: dt.datetime


@dataclass(frozen=True)
class RecordPage:
    """A page of a registry's records in key order; ``next_after`` is the key to continue after,
    or None on the last page."""

    items: tuple[RecordView, ...]
    next_after: str | None


@dataclass(frozen=True)
class RecordImport:
    """What one call of ``bulk_import_records`` did."""

    registry: str
    created: int
    skipped: int
    audit_event_id: Any = None


@dataclass(frozen=True)
class AccessLogView:
    """One line of a person's "who used my data" page."""

    id: int
    at: dt.datetime
    outcome: str
    reason: str
    department_code: str
    department_name: str
    # The official's name, or their role when the agreement restricts the official's identity.
    official: str
    identity_restricted: bool
    registry_code: str
    registry_name: str
    fields: tuple[str, ...]
    field_names: tuple[str, ...]
    purpose_code: str
    purpose_name: str
    legal_basis: LegalBasis | None
    case_ref: str
    # Whether the person reading the log flagged this entry: on a firm's log, a colleague's flag
    # does not count (they may raise their own).
    flagged: bool


@dataclass(frozen=True)
class ConsentView:
    id: int
    consumer_code: str
    consumer_name: str
    registry_code: str
    purpose_code: str
    fields: tuple[str, ...]
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    def is_active(self, at: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > at


@dataclass(frozen=True)
class IssuedCredential:
    """A new department-system token. ``token`` is shown once and never stored."""

    system_id: int
    prefix: str
    token: str
    created_at: dt.datetime


@dataclass(frozen=True)
class FetchedRecord:
    """A record a remote registry returned through its connector."""

    record_key: str
    values: Mapping[str, Any]
    version: int
    updated_at: dt.datetime


class Connector(Protocol):
    """Reads a remote registry. Registered per ``connector.type`` in :mod:`.hooks`.

    ``fetch`` returns the subject's records (empty when the remote holds none) and raises
    :class:`ConnectorError` when the remote cannot answer.
    """

    def fetch(
        self,
        *,
        registry: str,
        config: Mapping[str, Any],
        subject: str,
        fields: tuple[str, ...],
    ) -> list[FetchedRecord]: ...


class ConnectorError(Exception):
    """The remote registry could not answer (down, timed out, malformed reply)."""


@dataclass(frozen=True)
class FlagView:
    id: int
    created_at: dt.datetime
    status: str
    reason: str
    access_log_id: int
    registry_code: str
    consumer_code: str
    raised_by: str = field(default="")


@dataclass(frozen=True)
class AgreementTerms:
    """What a sharing agreement says. Requests, files and comparisons all use this shape."""

    code: str
    name_zh: str
    name_en: str
    consumer: str
    registry: str
    fields: tuple[str, ...]
    purposes: tuple[str, ...]
    legal_basis: LegalBasis
    sharing_class: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    requires_consent: bool = False
    requires_open_case: bool = False
    roles: tuple[str, ...] = ()
    masking: Mapping[str, str] = field(default_factory=dict)
    official_identity_restricted: bool = False

    def normalised(self) -> AgreementTerms:
        """The same terms in a canonical order, so two equal agreements compare equal."""
        return AgreementTerms(
            code=self.code,
            name_zh=self.name_zh,
            name_en=self.name_en,
            consumer=self.consumer,
            registry=self.registry,
            fields=tuple(self.fields),
            purposes=tuple(sorted(set(self.purposes))),
            legal_basis=self.legal_basis,
            sharing_class=self.sharing_class,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            requires_consent=self.requires_consent,
            requires_open_case=self.requires_open_case,
            roles=tuple(sorted(set(self.roles))),
            masking={k: v for k, v in sorted(self.masking.items()) if v != "none"},
            official_identity_restricted=self.official_identity_restricted,
        )
