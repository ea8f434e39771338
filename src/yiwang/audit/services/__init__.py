"""Writing to the audit log: import from here, not from the submodules.

:mod:`.recording` checks and appends events; :mod:`.sealing` seals them into signed checkpoints.
A test that patches a name patches it where its caller looks it up (here, for ``record_event``).
"""

from yiwang.audit.services.recording import (
    AuditError,
    PayloadTooLarge,
    build_event,
    event_fields,
    record_event,
    subject_key,
)
from yiwang.audit.services.sealing import SEALER_LOCK_KEY, SealRefused, lock_sealer, seal

__all__ = [
    "SEALER_LOCK_KEY",
    "AuditError",
    "PayloadTooLarge",
    "SealRefused",
    "build_event",
    "event_fields",
    "lock_sealer",
    "record_event",
    "seal",
    "subject_key",
]
