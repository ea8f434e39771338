"""Reads of exchange data, each scoped to the actor asking.

Registry *records* are only readable here by their own department; everyone else reads them
through :func:`yiwang.exchange.services.read`. Other apps import every read from this package;
each module holds one kind:

* :mod:`.definitions` — registries, purposes and data elements (not personal: no actor);
* :mod:`.consents` — the consents a person has given, and whether one covers a read;
* :mod:`.access_log` — a person's or a firm's access log, shown only to them;
* :mod:`.flags` — flags on access-log entries, for the providing department's data officers;
* :mod:`.own_flags` — a person's own flags on their access log, with the provider's answer;
* :mod:`.agreements` — sharing agreements and their history;
* :mod:`.systems` — department systems, for the people who manage them;
* :mod:`.records` — a registry's records, for the department that keeps it;
* :mod:`.corrections` — correction requests on registry values (数据纠错).
"""

from __future__ import annotations

from yiwang.exchange.selectors.access_log import (
    AccessLogFilter,
    _entries,
    access_log_departments,
    access_log_entry_for,
    access_log_for,
    access_log_for_firm,
    may_see_entry,
)
from yiwang.exchange.selectors.agreements import (
    AgreementEvent,
    agreement_for,
    agreement_history,
    agreement_status,
    agreements_for,
    consentable_agreements,
)
from yiwang.exchange.selectors.consents import (
    ConsentCheck,
    active_consent,
    consent_check,
    consent_view,
    consents_for,
)
from yiwang.exchange.selectors.corrections import (
    RegistryCorrectionView,
    registry_correction_for,
    registry_corrections_for,
    registry_corrections_reported_by,
)
from yiwang.exchange.selectors.definitions import (
    element_codes,
    element_spec,
    is_department_system,
    policy_text,
    purposes,
    registries,
    registry_info,
)
from yiwang.exchange.selectors.flags import FlagDetail, flag_details_for, flags_for
from yiwang.exchange.selectors.own_flags import (
    CLOSING_NOTE_MAX_LENGTH,
    FlagOutcome,
    OwnFlagView,
    as_own_flag_view,
    flag_answers_for,
    flag_raised_by,
    flags_raised_by,
)
from yiwang.exchange.selectors.records import (
    list_records,
    read_record,
    record_exists,
    record_history,
    records_for_subject,
)
from yiwang.exchange.selectors.systems import systems_for

__all__ = [
    "CLOSING_NOTE_MAX_LENGTH",
    "AccessLogFilter",
    "AgreementEvent",
    "ConsentCheck",
    "FlagDetail",
    "FlagOutcome",
    "OwnFlagView",
    "RegistryCorrectionView",
    "_entries",  # the benchmark of the access log times the query itself
    "access_log_departments",
    "access_log_entry_for",
    "access_log_for",
    "access_log_for_firm",
    "active_consent",
    "agreement_for",
    "agreement_history",
    "agreement_status",
    "agreements_for",
    "as_own_flag_view",
    "consent_check",
    "consent_view",
    "consentable_agreements",
    "consents_for",
    "element_codes",
    "element_spec",
    "flag_answers_for",
    "flag_details_for",
    "flag_raised_by",
    "flags_for",
    "flags_raised_by",
    "is_department_system",
    "list_records",
    "may_see_entry",
    "policy_text",
    "purposes",
    "read_record",
    "record_exists",
    "record_history",
    "records_for_subject",
    "registries",
    "registry_correction_for",
    "registry_corrections_for",
    "registry_corrections_reported_by",
    "registry_info",
    "systems_for",
]
