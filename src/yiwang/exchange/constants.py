"""Choices and codes of the exchange. Stable strings: they appear in files, the API and audit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ElementType(models.TextChoices):
    STRING = "string", _("Text")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    BOOLEAN = "boolean", _("Yes or no")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    ENUM = "enum", _("One of a list")


class Classification(models.TextChoices):
    """Data classification level (数据分级) of an element, lowest to highest."""

    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    SENSITIVE = "sensitive", _("Sensitive")
    CORE = "core", _("Core")


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Person")
    FIRM = "firm", _("Firm")


class Storage(models.TextChoices):
    HOSTED = "hosted", _("Kept in yiwang")
    REMOTE = "remote", _("Kept by the department's own system")


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class SharingClass(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Unconditional sharing")
    CONDITIONAL = "conditional", _("Conditional sharing")
    NOT_SHARED = "not_shared", _("Not shared")


class AgreementState(models.TextChoices):
    """Stored lifecycle state. "active", "expired" and "not yet valid" are computed from dates."""

    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class AgreementStatus(models.TextChoices):
    """What an agreement means today: its state combined with its validity period."""

    REQUESTED = "requested", _("Requested")
    ACTIVE = "active", _("Active")
    NOT_YET_VALID = "not_yet_valid", _("Not yet valid")
    EXPIRED = "expired", _("Expired")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class Masking(models.TextChoices):
    NONE = "none", _("Shown in full")
    BIRTH_YEAR_ONLY = "birth_year_only", _("Year only")
    LAST4 = "last4", _("Last four characters only")
    FIRST1_LAST1 = "first1_last1", _("First and last character only")
    YEAR_MONTH = "year_month", _("Year and month only")
    HIDE = "hide", _("Hidden")


class Outcome(models.TextChoices):
    SERVED = "served", _("Data provided")
    DENIED = "denied", _("Refused")


class Reason(models.TextChoices):
    """Why a read was served or refused. Written into the audit event and the access log."""

    ALLOWED = "allowed", _("Allowed by the agreement")
    # Not a decision of the exchange: the department read its own registry (the registry API).
    REGISTRY_OWNER = "registry_owner", _("Read by the department that keeps the registry")
    NO_AGREEMENT = "no_agreement", _("No sharing agreement")
    AGREEMENT_PENDING = "agreement_pending", _("The agreement is not approved yet")
    AGREEMENT_REJECTED = "agreement_rejected", _("The agreement was rejected")
    NOT_YET_VALID = "not_yet_valid", _("The agreement is not valid yet")
    EXPIRED = "expired", _("The agreement has expired")
    SUSPENDED = "suspended", _("The agreement is suspended")
    REVOKED = "revoked", _("The agreement was revoked")
    NOT_SHARED = "not_shared", _("These data are not shared")
    WRONG_PURPOSE = "wrong_purpose", _("Purpose not covered by the agreement")
    WRONG_ROLE = "wrong_role", _("The official's role is not covered by the agreement")
    FIELD_OUTSIDE_AGREEMENT = "field_outside_agreement", _("Data not covered by the agreement")
    CONSENT_MISSING = "consent_missing", _("The person has not consented")
    CONSENT_REVOKED = "consent_revoked", _("The person revoked their consent")
    CONSENT_EXPIRED = "consent_expired", _("The person's consent has expired")
    NO_OPEN_CASE = "no_open_case", _("No open case of this person")
    UNKNOWN_SUBJECT = "unknown_subject", _("The registry holds no record of this person or firm")
    INVALID_SUBJECT = "invalid_subject", _("The identifier is not valid")
    UNKNOWN_REGISTRY = "unknown_registry", _("No such registry")
    UNKNOWN_PURPOSE = "unknown_purpose", _("No such purpose")
    UNKNOWN_FIELD = "unknown_field", _("The registry has no such field")
    NO_FIELDS = "no_fields", _("No data was asked for")
    UNKNOWN_REQUESTER = (
        "unknown_requester",
        _("The official or system does not belong to the requesting department in that role"),
    )
    REGISTRY_UNAVAILABLE = "registry_unavailable", _("The registry could not be reached")
    POLICY_DENIED = "policy_denied", _("Refused by the authorisation policy")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CorrectionStatus(models.TextChoices):
    """Where a person's report of a wrong registry value stands. Only an open one is decided."""

    # With a context: "Corrected" is also a case's 补正, a different thing in Chinese.
    OPEN = "open", pgettext_lazy("registry correction", "Open")
    CORRECTED = "corrected", pgettext_lazy("registry correction", "Corrected")
    REJECTED = "rejected", pgettext_lazy("registry correction", "Not corrected")


# The role a department system acts in. Agreements that list roles may name it to let systems
# read too; staff roles come from identity.constants.Role.
SYSTEM_ROLE = "system"

# Prefix of department-system API tokens, so leaked tokens are recognisable by secret scanners.
TOKEN_PREFIX = "ywds"

# The purpose recorded when a department reads its own registry through the registry API: it
# needs no agreement, and is not one of the purposes agreements name (those are loaded rows).
OWNER_PURPOSE = "registry_owner"
OWNER_PURPOSE_NAME = _("The department keeping its own registry")

# Audit actions written by the exchange.
ACTION_READ = "exchange.read"
ACTION_RECORD_CREATED = "exchange.record.created"
ACTION_RECORD_UPDATED = "exchange.record.updated"
ACTION_RECORD_RETIRED = "exchange.record.retired"
ACTION_RECORDS_IMPORTED = "exchange.records.imported"
ACTION_RECORD_VIEWED = "exchange.record.viewed"
ACTION_RECORD_CHECKED = "exchange.record.checked"
ACTION_RECORD_HISTORY_VIEWED = "exchange.record.history_viewed"
ACTION_RECORDS_LISTED = "exchange.records.listed"
ACTION_AGREEMENT_REQUESTED = "exchange.agreement.requested"
ACTION_AGREEMENT_APPROVED = "exchange.agreement.approved"
ACTION_AGREEMENT_REJECTED = "exchange.agreement.rejected"
ACTION_AGREEMENT_SUSPENDED = "exchange.agreement.suspended"
ACTION_AGREEMENT_RESUMED = "exchange.agreement.resumed"
ACTION_AGREEMENT_REVOKED = "exchange.agreement.revoked"
ACTION_CONSENT_GRANTED = "exchange.consent.granted"
ACTION_CONSENT_REVOKED = "exchange.consent.revoked"
ACTION_ACCESS_FLAGGED = "exchange.access.flagged"
ACTION_FLAG_CLOSED = "exchange.flag.closed"
ACTION_CORRECTION_REQUESTED = "exchange.registry_correction.requested"
ACTION_CORRECTION_CORRECTED = "exchange.registry_correction.corrected"
ACTION_CORRECTION_REJECTED = "exchange.registry_correction.rejected"
ACTION_SYSTEM_REGISTERED = "exchange.system.registered"
ACTION_SYSTEM_DEACTIVATED = "exchange.system.deactivated"
ACTION_CREDENTIAL_ISSUED = "exchange.credential.issued"
ACTION_CREDENTIAL_REVOKED = "exchange.credential.revoked"
ACTION_DEFINITIONS_LOADED = "exchange.definitions.loaded"
