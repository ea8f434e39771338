"""Writes of the exchange, and the governed read. Import from here, not from the submodules."""

from yiwang.exchange.services._common import audit_actor
from yiwang.exchange.services.agreements import (
    approve_agreement,
    check_terms,
    reject_agreement,
    request_agreement,
    resume_agreement,
    revoke_agreement,
    suspend_agreement,
)
from yiwang.exchange.services.consent import grant_consent, revoke_consent
from yiwang.exchange.services.corrections import (
    mark_registry_corrected,
    reject_registry_correction,
    request_registry_correction,
)
from yiwang.exchange.services.exchange import read
from yiwang.exchange.services.flags import flag_access
from yiwang.exchange.services.own_records import (
    check_own_record,
    list_own_records,
    read_own_record,
    read_own_record_history,
)
from yiwang.exchange.services.platform import PLATFORM_SYSTEM_NAME, platform_requester
from yiwang.exchange.services.records import create_record, retire_record, update_record
from yiwang.exchange.services.records_bulk import bulk_import_records, refresh_record_statistics
from yiwang.exchange.services.systems import (
    authenticate_system,
    deactivate_system,
    issue_credential,
    register_system,
    revoke_credential,
    rotate_credential,
)

__all__ = [
    "PLATFORM_SYSTEM_NAME",
    "approve_agreement",
    "audit_actor",
    "authenticate_system",
    "bulk_import_records",
    "check_own_record",
    "check_terms",
    "create_record",
    "deactivate_system",
    "flag_access",
    "grant_consent",
    "issue_credential",
    "list_own_records",
    "mark_registry_corrected",
    "platform_requester",
    "read",
    "read_own_record",
    "read_own_record_history",
    "refresh_record_statistics",
    "register_system",
    "reject_agreement",
    "reject_registry_correction",
    "request_agreement",
    "request_registry_correction",
    "resume_agreement",
    "retire_record",
    "revoke_agreement",
    "revoke_consent",
    "revoke_credential",
    "rotate_credential",
    "suspend_agreement",
    "update_record",
]
