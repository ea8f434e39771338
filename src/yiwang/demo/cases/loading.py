"""Loading generated cases in batches, each with its audit event, the writing in a second thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yiwang.applications.models import Application, Case, Task
from yiwang.core import clock
from yiwang.core.errors import LoadError, LoadProblem
from yiwang.demo.cases.case_generator import KEY_PREFIX, CaseGenerator, _Drawn
from yiwang.demo.cases.writing import (
    APPLICATION_COLUMNS,
    CASE_COLUMNS,
    TASK_COLUMNS,
    _analyze,
    _Ids,
    _Rows,
    _Writer,
)
from yiwang.identity.models import Account, Person

# Applications per transaction: big enough for COPY to pay off, small enough that an interrupted
# load loses little and a batch's audit event stays readable.
BATCH_SIZE = 2000
# The account generated applications name as having entered them: the people have no accounts.
GENERATOR_USERNAME = "demo.generator"
# Person lookups per query (PostgreSQL keeps a few hundred keys on the index).
LOOKUP_CHUNK = 500

Progress = Callable[[int], None]


@dataclass
class CasesReport:
    applications: int = 0
    cases: int = 0
    tasks: int = 0
    skipped: int = 0
    skipped_cases: int = 0
    batches: int = 0


def _record(**kwargs: Any) -> Any:
    from yiwang.audit.services import record_event

    return record_event(**kwargs)


def generator_account(*, actor: Any) -> Account:
    """The account generated applications name as having entered and submitted them.

    The generated people have no accounts, and an application must name the account that
    entered it; this one has no password and no role, so it can neither log in nor see anything.
    """
    from yiwang.identity import services as identity

    account = Account.objects.filter(username=GENERATOR_USERNAME).first()
    if account is None:
        account = identity.create_staff_account(
            actor=actor,
            username=GENERATOR_USERNAME,
            display_name="演示数据生成器 / Demo data generator",
            password=None,
        )
    return account


def existing_indices(seed: int) -> set[int]:
    """The indexes of the generated applications of ``seed`` already in the database."""
    prefix = f"{KEY_PREFIX}:{seed}:"
    keys = Application.objects.filter(idempotency_key__startswith=prefix).values_list(
        "idempotency_key", flat=True
    )
    return {
        int(k[len(prefix) :])
        for k in keys.iterator(chunk_size=20_000)
        if k[len(prefix) :].isdigit()
    }


def _person_pks(seed: int, drawn: Sequence[_Drawn]) -> dict[int, int]:
    """Person index -> pk of the applicants of a batch; every one must be loaded."""
    wanted = {d.person_index: d.national_id for d in drawn}
    by_id: dict[str, int] = {}
    national_ids = sorted(set(wanted.values()))
    for start in range(0, len(national_ids), LOOKUP_CHUNK):
        chunk = national_ids[start : start + LOOKUP_CHUNK]
        rows = Person.objects.filter(national_id__in=chunk).values_list("national_id", "pk")
        by_id.update((str(national_id), pk) for national_id, pk in rows)
    missing = sorted(i for i, nid in wanted.items() if nid not in by_id)
    if missing:
        raise LoadError(
            [
                LoadProblem(
                    "generated people",
                    f"person {missing[0]}",
                    f"{len(missing)} applicant(s) among the first generated people of seed {seed} "
                    "are not loaded; load the generated people first (load-demo --people)",
                )
            ]
        )
    return {i: by_id[nid] for i, nid in wanted.items()}


def load_generated_cases(
    *,
    actor: Any,
    seed: int,
    count: int,
    people: int,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    pipelined: bool = True,
) -> CasesReport:
    """Add generated applications until at least ``count`` generated cases of ``seed`` exist.

    Applications are taken in order (application 0, 1, 2, ...) and each has one case per service
    that applies, so the last one may take the total a few cases past ``count``. Applicants are
    drawn from the first ``people`` generated people of the same seed, who must be loaded.
    ``progress`` is called with the number of cases each batch covered (written or found).

    Each batch is its own transaction, so an interrupted load keeps what it wrote and the next
    run carries on (applications already there are found by their key and skipped). On
    PostgreSQL, with ``pipelined``, a second thread (with its own connection) writes each batch
    while the next one is generated: the database's work and Python's then overlap.

    Auditing: each batch that writes writes one audit event with the seed, the index range and
    the counts, in the same transaction as the rows. An event per application, case and task
    would multiply the log by the size of the load and record nothing more: the generator is
    deterministic, so the seed and the range say exactly what was made.
    """
    from yiwang.demo.services import refuse_in_production

    refuse_in_production()
    report = CasesReport()
    if count <= 0:
        return report
    if people < 1:
        raise LoadError(
            [
                LoadProblem(
                    "generated people",
                    "people",
                    "generated cases need generated people as applicants: load at least one",
                )
            ]
        )
    cases_gen = CaseGenerator(
        seed=seed,
        people=people,
        now=clock.now(),
        entered_by=generator_account(actor=actor).pk,
    )
    existing = existing_indices(seed)
    writers = _Writers()
    pipeline = (
        _Pipeline(lambda batch: _store(actor, seed, writers, batch, report))
        if pipelined and writers.postgres and not transaction.get_connection().in_atomic_block
        else None
    )
    total = index = grown = 0
    try:
        while total < count:
            first, drawn, covered = index, [], 0
            while index - first < batch_size and total < count:
                if index in existing:
                    n = cases_gen.case_count(index)
                    report.skipped += 1
                    report.skipped_cases += n
                else:
                    one = cases_gen.draw(index)
                    drawn.append(one)
                    n = len(one.shape.services)
                total += n
                covered += n
                index += 1
            if drawn:
                if pipeline is not None:
                    pipeline.put(_prepare(cases_gen, writers, drawn, first, index - 1))
                else:
                    with transaction.atomic():
                        batch = _prepare(cases_gen, writers, drawn, first, index - 1)
                        _store(actor, seed, writers, batch, report)
                grown += len(drawn)
                if grown >= 200_000:  # keep the statistics of a long load current
                    _analyze(Application, Case, Task)
                    grown = 0
            report.batches += 1
            if progress is not None:
                progress(covered)
    finally:
        if pipeline is not None:
            pipeline.close()
    if report.applications:
        _analyze(Application, Case, Task)
    return report


class _Writers:
    def __init__(self) -> None:
        self.applications = _Writer(Application, APPLICATION_COLUMNS)
        self.cases = _Writer(Case, CASE_COLUMNS)
        self.tasks = _Writer(Task, TASK_COLUMNS)
        self.postgres = self.applications.connection.vendor == "postgresql"


@dataclass
class _Batch:
    first: int
    last: int
    rows: _Rows
    applications: int
    cases: int
    tasks: int


def _prepare(
    cases_gen: CaseGenerator, writers: _Writers, drawn: Sequence[_Drawn], first: int, last: int
) -> _Batch:
    """The rows of a batch, with primary keys reserved for them."""
    n_cases = sum(len(d.shape.services) for d in drawn)
    n_tasks = sum(len(d.shape.plans[c]) for d in drawn for c in d.shape.services)
    persons = _person_pks(cases_gen.seed, drawn)
    ids = _Ids(
        writers.applications.reserve(len(drawn)),
        writers.cases.reserve(n_cases),
        writers.tasks.reserve(n_tasks),
    )
    rows = _Rows()
    for one in drawn:
        cases_gen.rows(one, persons[one.person_index], ids, rows)
    return _Batch(first, last, rows, len(drawn), n_cases, n_tasks)


def _store(actor: Any, seed: int, writers: _Writers, batch: _Batch, report: CasesReport) -> None:
    """Write a batch and its audit event in one transaction."""
    with transaction.atomic():
        if writers.postgres:
            # Not waiting for the disk at each batch's commit is safe here: a crash can only lose
            # whole batches (rows and audit event together), which the next load writes again.
            with transaction.get_connection().cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        writers.applications.insert(batch.rows.applications)
        writers.cases.insert(batch.rows.cases)
        writers.tasks.insert(batch.rows.tasks)
        _record(
            actor=actor,
            action="demo.cases_generated",
            object_type="applications.application",
            object_id=f"seed:{seed}:{batch.first}-{batch.last}",
            data={
                "seed": seed,
                "first_index": batch.first,
                "last_index": batch.last,
                "applications": batch.applications,
                "cases": batch.cases,
                "tasks": batch.tasks,
                "skipped": batch.last - batch.first + 1 - batch.applications,
            },
        )
    report.applications += batch.applications
    report.cases += batch.cases
    report.tasks += batch.tasks


class _Pipeline:
    """Stores prepared batches in a second thread, at most two batches behind."""

    def __init__(self, store: Callable[[_Batch], None]) -> None:
        self._store = store
        self._queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="yiwang-demo-cases", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from django.db import connection

        try:
            while (batch := self._queue.get()) is not None:
                if self._error is None:  # after a failure, only drain so put() never blocks
                    try:
                        self._store(batch)
                    except BaseException as exc:
                        self._error = exc
        finally:
            connection.close()  # this thread's own connection

    def put(self, batch: _Batch) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(batch)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
