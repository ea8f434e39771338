"""Generated applications, cases and tasks: a back office with real work in it.

:func:`load_generated_cases` adds submitted applications for the published services and bundles,
applied for by generated people (who have no accounts), until the world holds at least the number
of generated cases asked for. Each application was submitted on a day of the last quarter, its
cases carry the due dates the platform would have given them, and its tasks stand where the work
would stand today: older cases decided (a few refused), recent ones open or claimed by a clerk of
the right role, some late. So every queue has overdue, due-soon and on-time work, and the
queue, deadline and oversight pages show what they would show in a busy office.

Determinism. Application ``i`` of a seed is drawn from a random stream of its own, so it does not
depend on how many are asked for: a smaller load is a prefix of a bigger one, and loading more
later adds only the missing ones. The answers, services, steps, outcomes and the people involved
depend only on the seed (and on the number of generated people to choose applicants from); the
dates are laid out backwards from the day of loading, so that the queues always look current.
Each generated application is known by its idempotency key ``demo-cases:<seed>:<i>``: a second
load with the same seed and number writes nothing.

Applications are written in bulk (COPY on PostgreSQL), a batch per transaction, because a
million cases through the one-by-one workflow would take hours. What the rows hold is worked out
by the same rules the workflow applies: the form's conditions decide which services of a bundle
and which steps apply (``applications.domain``), the working calendar decides the due dates.
"""

from __future__ import annotations

from yiwang.demo.cases.answers import ANSWERS_FILE, DATA_DIR, answer, answer_data
from yiwang.demo.cases.case_generator import HISTORY_DAYS, KEY_PREFIX, CaseGenerator
from yiwang.demo.cases.definitions import (
    DefinitionInfo,
    ServiceInfo,
    Shape,
    published_definitions,
)
from yiwang.demo.cases.loading import (
    BATCH_SIZE,
    GENERATOR_USERNAME,
    LOOKUP_CHUNK,
    CasesReport,
    Progress,
    existing_indices,
    generator_account,
    load_generated_cases,
)
from yiwang.demo.cases.writing import APPLICATION_COLUMNS, CASE_COLUMNS, TASK_COLUMNS
from yiwang.demo.cases.writing import _Ids as _Ids  # the tests build rows with them
from yiwang.demo.cases.writing import _Rows as _Rows

__all__ = [
    "ANSWERS_FILE",
    "APPLICATION_COLUMNS",
    "BATCH_SIZE",
    "CASE_COLUMNS",
    "DATA_DIR",
    "GENERATOR_USERNAME",
    "HISTORY_DAYS",
    "KEY_PREFIX",
    "LOOKUP_CHUNK",
    "TASK_COLUMNS",
    "CaseGenerator",
    "CasesReport",
    "DefinitionInfo",
    "Progress",
    "ServiceInfo",
    "Shape",
    "answer",
    "answer_data",
    "existing_indices",
    "generator_account",
    "load_generated_cases",
    "published_definitions",
]
