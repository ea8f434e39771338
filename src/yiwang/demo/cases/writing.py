"""Bulk writing of generated rows: their columns, reserved primary keys, COPY or ``executemany``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import Model


class _Ids:
    """Primary keys reserved for one batch, handed out in order."""

    def __init__(self, applications: list[int], cases: list[int], tasks: list[int]) -> None:
        self._applications = iter(applications)
        self._cases = iter(cases)
        self._tasks = iter(tasks)

    def next_application(self) -> int:
        return next(self._applications)

    def next_case(self) -> int:
        return next(self._cases)

    def next_task(self) -> int:
        return next(self._tasks)


@dataclass
class _Rows:
    applications: list[tuple[Any, ...]] = field(default_factory=list)
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    tasks: list[tuple[Any, ...]] = field(default_factory=list)


APPLICATION_COLUMNS = (
    "id",
    "receipt_number",
    "kind",
    "service_version_id",
    "bundle_version_id",
    "service_versions",
    "applicant_id",
    "created_by_id",
    "submitted_by_id",
    "form_data",
    "current_page",
    "status",
    "outcome",
    "language",
    "idempotency_key",
    "created_at",
    "updated_at",
    "submitted_at",
    "completed_at",
)
CASE_COLUMNS = (
    "id",
    "application_id",
    "service_version_id",
    "service_code",
    "name_zh",
    "name_en",
    "department_id",
    "position",
    "status",
    "accepted_at",
    "promised_days",
    "statutory_days",
    "due_date",
    "statutory_due_date",
    "warning_date",
    "overdue_date",
    "deadline_state",
    "decided_at",
    "outcome",
)
TASK_COLUMNS = (
    "id",
    "case_id",
    "service_code",
    "stage_id",
    "step_code",
    "position",
    "department_id",
    "role",
    "name_zh",
    "name_en",
    "promised_days",
    "status",
    "assignee_id",
    "opened_at",
    "claimed_at",
    "due_date",
    "decision",
    "reason",
    "decided_by_id",
    "decided_at",
)


class _Writer:
    """Insert rows of one model with their primary keys: COPY on PostgreSQL, ``executemany``
    elsewhere.

    The generator gives the columns it decides; every other column (one a later migration adds,
    say) gets the value a new instance would have, prepared once.
    """

    def __init__(self, model: type[Model], columns: Sequence[str]) -> None:
        self.model = model
        self.alias = router.db_for_write(model)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.given = [fields[name] for name in columns]
        template = model()
        rest = [f for name, f in fields.items() if name not in columns]
        self.fixed = tuple(
            f.get_db_prep_save(f.pre_save(template, True), connection=self.connection) for f in rest
        )
        self.columns = [str(f.column) for f in [*self.given, *rest]]
        self.table = model._meta.db_table
        postgres = self.connection.vendor == "postgresql"
        self.converters: list[Callable[[Any], Any] | None] = []
        for f in self.given:
            kind = f.get_internal_type()
            if postgres or kind not in ("DateTimeField", "DateField"):
                self.converters.append(None)
            elif kind == "DateTimeField":
                self.converters.append(self.connection.ops.adapt_datetimefield_value)
            else:
                self.converters.append(self.connection.ops.adapt_datefield_value)

    @property
    def connection(self) -> Any:
        # Looked up at each use: the connection belongs to the thread that uses it.
        return connections[self.alias]

    def reserve(self, count: int) -> list[int]:
        """``count`` unused primary keys (call inside the batch's transaction)."""
        if count == 0:
            return []
        quote = self.connection.ops.quote_name
        pk = str(self.model._meta.pk.column)  # type: ignore[union-attr]
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [quote(self.table), pk, count],
                )
                return [int(row[0]) for row in cursor.fetchall()]
            # SQLite: the batch's transaction holds the write lock, so nobody else can take the
            # keys after the largest one used (AUTOINCREMENT remembers deleted ones too).
            cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(self.table)}")  # noqa: S608  # names from the model
            start = int(cursor.fetchone()[0])
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            row = cursor.fetchone()
            start = max(start, int(row[0]) if row else 0)
        return list(range(start + 1, start + 1 + count))

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        converters = self.converters
        if any(converters):
            rows = [
                tuple(
                    value if convert is None or value is None else convert(value)
                    for convert, value in zip(converters, row, strict=True)
                )
                for row in rows
            ]
        fixed = self.fixed
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + fixed)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})",  # noqa: S608  # names from the model
                    [row + fixed for row in rows],
                )


def _analyze(*models: type[Model]) -> None:
    """Bring PostgreSQL's statistics up to date: the queue's plans depend on them, and a table
    that grew by a million rows within one load still looks small until autovacuum runs."""
    connection = connections[router.db_for_write(models[0])]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
