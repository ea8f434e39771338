"""Writes of the exchange, and the governed read. Import from here, not from the submodules."""

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
from yiwang.exchange.services.exchange import read
from yiwang.exchange.services.flags import flag_access
from yiwang.exchange.services.records import create_record, retire_record, update_record
from yiwang.exchange.services.systems import (
    authenticate_system,
    deactivate_system,
    issue_credential,
    register_system,
    revoke_credential,
    rotate_credential,
)

__all__ = [
    "approve_agreement",
    "authenticate_system",
    "check_terms",
    "create_record",
    "deactivate_system",
    "flag_access",
    "grant_consent",
    "issue_credential",
    "read",
    "register_system",
    "reject_agreement",
    "request_agreement",
    "resume_agreement",
    "retire_record",
    "revoke_agreement",
    "revoke_consent",
    "revoke_credential",
    "rotate_credential",
    "suspend_agreement",
    "update_record",
]
