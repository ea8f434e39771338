"""Pure functions of the workflow: receipt numbers, forms and their checks, file sniffing, the
plan of a case's tasks and its deadline dates. Nothing here touches the database.

* :mod:`~yiwang.applications.domain.receipts`: receipt numbers (受理编号): making one, its check
  character, and reading one a person typed;
* :mod:`~yiwang.applications.domain.forms`: the form of one application, for one service or a
  bundle (:class:`FormSpec`, its pages and materials), and which answers count as given;
* :mod:`~yiwang.applications.domain.parts`: the part of an application a reader is shown: for a
  case of a bundle, what its own service asks for (:func:`service_part`, :class:`FormPart`);
* :mod:`~yiwang.applications.domain.corrections`: what a correction (补正) may change
  (:func:`correction_scope`);
* :mod:`~yiwang.applications.domain.answers`: answers posted by an HTML form as the field's type,
  answers checked against the form, and error messages in the active language;
* :mod:`~yiwang.applications.domain.uploads`: the content types an uploaded file may be, judged
  by its bytes;
* :mod:`~yiwang.applications.domain.plan`: the plan of a case: its tasks, which apply, the status
  each starts in, when a stage may start or is complete, and what changed answers change;
* :mod:`~yiwang.applications.domain.deadlines`: a case's due dates and the days it turns *due
  soon* and *overdue*.

Import from here, not from the submodules.
"""

from __future__ import annotations

from yiwang.applications.domain.answers import (
    answer_problem,
    coerce_answer,
    error_message,
    format_number,
    storable,
    validate_answers,
)
from yiwang.applications.domain.corrections import (
    CorrectionScope,
    correction_closed_message,
    correction_scope,
)
from yiwang.applications.domain.deadlines import CaseDates, Pause, case_dates, deadline_state_on
from yiwang.applications.domain.forms import FormSpec, MaterialSpec, PageSpec, clean_answers
from yiwang.applications.domain.parts import NOTHING, FormPart, Part, parts_of, service_part
from yiwang.applications.domain.plan import (
    PlannedTask,
    Replan,
    initial_statuses,
    plan_tasks,
    replan,
    stage_complete,
    stages_ready,
)
from yiwang.applications.domain.receipts import (
    ALPHABET,
    DRAFT_PREFIX,
    SERIAL_LENGTH,
    check_character,
    draft_pk,
    draft_reference,
    make_receipt_number,
    normalise_receipt_number,
)
from yiwang.applications.domain.uploads import SNIFF_BYTES, SNIFFABLE_TYPES, sniff_content_types

__all__ = [
    "ALPHABET",
    "DRAFT_PREFIX",
    "NOTHING",
    "SERIAL_LENGTH",
    "SNIFFABLE_TYPES",
    "SNIFF_BYTES",
    "CaseDates",
    "CorrectionScope",
    "FormPart",
    "FormSpec",
    "MaterialSpec",
    "PageSpec",
    "Part",
    "Pause",
    "PlannedTask",
    "Replan",
    "answer_problem",
    "case_dates",
    "check_character",
    "clean_answers",
    "coerce_answer",
    "correction_closed_message",
    "correction_scope",
    "deadline_state_on",
    "draft_pk",
    "draft_reference",
    "error_message",
    "format_number",
    "initial_statuses",
    "make_receipt_number",
    "normalise_receipt_number",
    "parts_of",
    "plan_tasks",
    "replan",
    "service_part",
    "sniff_content_types",
    "stage_complete",
    "stages_ready",
    "storable",
    "validate_answers",
]
