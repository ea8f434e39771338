"""Once-only prefill (一次告知): answers and materials the registries already hold.

A service definition marks a form field with ``x-prefill`` and a material with ``prefill``
(``docs/services.md`` section 4). When a draft starts, :func:`prefill_application` asks the
exchange for those values — one governed read per (department, registry, purpose, subject) — as
the department that owns the service, through the platform's own system of that department, for
the draft (``case_ref`` is the application's reference). The exchange audits each read and puts
it in the person's access log; nothing is read around it.

What the reads gave is kept in a :class:`PrefillSnapshot`. Nothing is used until the person sees
it and confirms (:func:`confirm_prefill`): the values then fill the form and are locked, and the
materials a registry stands in for need no upload. A value the person says is wrong
(:func:`report_prefill_error`) becomes a correction request to the registry's department and the
person answers that question themself. When a clerk's correction (补正) asks about a locked
answer, the person may answer it differently or report it the same way
(:func:`release_for_correction`). ``docs/adr/0010-prefill-reads.md`` explains the choices.
"""

from yiwang.applications.prefill.confirming import (
    confirm_prefill,
    may_report,
    release_for_correction,
    report_prefill_error,
)
from yiwang.applications.prefill.lookups import (
    check_open_case,
    fallback_message,
    locked_fields,
    refuse_locked_changes,
    satisfied_materials,
)
from yiwang.applications.prefill.reading import prefill_application
from yiwang.applications.prefill.wants import (
    APPLICANT,
    Status,
    application_reference,
    prefillable_count,
    record_day,
)

__all__ = [
    "APPLICANT",
    "Status",
    "application_reference",
    "check_open_case",
    "confirm_prefill",
    "fallback_message",
    "locked_fields",
    "may_report",
    "prefill_application",
    "prefillable_count",
    "record_day",
    "refuse_locked_changes",
    "release_for_correction",
    "report_prefill_error",
    "satisfied_materials",
]
