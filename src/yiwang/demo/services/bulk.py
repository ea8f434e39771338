"""Fast bulk inserts of generated records: chunks, COPY or ``executemany``, planner statistics."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Field, Model

BATCH_SIZE = 5000
T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class _BulkInserter:
    """Insert many rows of one model fast: COPY on PostgreSQL, ``executemany`` elsewhere.

    ``bulk_create`` spends most of its time preparing every field of every object. Here a
    template object is prepared once (defaults, ``auto_now`` times and fields added to the model
    later included) and only the fields that differ from row to row are prepared per row. On a
    million people this is several times faster, and COPY on PostgreSQL faster still.
    """

    def __init__(self, template: Model, varying: list[str]) -> None:
        self.model = type(template)
        self.connection = connections[router.db_for_write(self.model)]
        fields: list[Field[Any, Any]] = [
            f for f in self.model._meta.concrete_fields if not f.primary_key
        ]
        by_name = {f.name: f for f in fields}
        self.varying = [by_name[name] for name in varying]
        fixed = [f for f in fields if f not in self.varying]
        self.fixed_values = tuple(
            f.get_db_prep_save(f.pre_save(template, True), connection=self.connection)
            for f in fixed
        )
        self.columns = [str(f.column) for f in [*self.varying, *fixed]]
        self.table = self.model._meta.db_table

    def insert(self, rows: Iterable[tuple[Any, ...]]) -> None:
        prepared = [
            tuple(
                field.get_db_prep_save(value, connection=self.connection)
                for field, value in zip(self.varying, row, strict=True)
            )
            + self.fixed_values
            for row in rows
        ]
        if not prepared:
            return
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                copy_sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})",  # noqa: S608  # names from the model
                    prepared,
                )


# Keys looked up per query when skipping what exists. Against a table of millions PostgreSQL
# turns one query for thousands of keys into a sequential scan; a few hundred keep it on the index.
LOOKUP_CHUNK = 500


def _existing(model: type[Model], field: str, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys, LOOKUP_CHUNK):
        rows = model._default_manager.filter(**{f"{field}__in": chunk}).values_list(
            field, flat=True
        )
        found.update(rows)
    return found


class _PlannerStatistics:
    """Keeps PostgreSQL's statistics of the tables a bulk load grows up to date.

    A table that grows from nothing to millions of rows within one load still looks small to the
    planner until autovacuum gets round to it, and then the existence checks run as sequential
    scans: each batch gets slower than the last. Analysing at the start and whenever the table
    has doubled since costs a fraction of a second a time. Other databases need nothing.
    """

    def __init__(self, *models: type[Model]) -> None:
        self.tables = [m._meta.db_table for m in models]
        self.connection = connections[router.db_for_write(models[0])]
        self.enabled = self.connection.vendor == "postgresql"
        self.known_rows = 0
        self.since = 0

    def refresh(self) -> None:
        if not self.enabled:
            return
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"ANALYZE {quote(table)}")
            cursor.execute(
                "SELECT coalesce(max(reltuples), 0) FROM pg_class WHERE relname = %s",
                [self.tables[0]],
            )
            self.known_rows = max(int(cursor.fetchone()[0]), 0)
        self.since = 0

    def grew(self, rows: int) -> None:
        self.since += rows
        if self.enabled and self.since >= max(BATCH_SIZE, self.known_rows):
            self.refresh()
