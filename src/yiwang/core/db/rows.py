"""Fixed queries on hot paths, without the ORM building them on every call.

Checking a department system's token, fetching a subject's records, reading a submission's
departments and calendars: on such paths building the query with the ORM cost more CPU than the
database spent answering it. Their SQL is written from the models' own table and column names
with these helpers, and their rows are turned into values (or model instances) with the very
converters the ORM would have applied — so JSON, dates, date-times and booleans come back the
same on PostgreSQL and on SQLite. Inserts written once are in :mod:`yiwang.core.db.bulk`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Field, Model


def _db() -> Any:
    """This thread's connection, looked up once: every use of the ``connection`` proxy is a
    thread-local lookup, and these functions run on every read."""
    return connections[DEFAULT_DB_ALIAS]


@dataclass(frozen=True)
class Column:
    field: Field[Any, Any]
    sql: str  # alias."column", quoted
    converters: tuple[Callable[..., Any], ...]
    expression: Any

    def convert(self, value: Any, db: Any) -> Any:
        for converter in self.converters:
            value = converter(value, self.expression, db)
        return value


def _quote(name: str | None) -> str:
    assert name, "a table or column without a name"
    return str(connection.ops.quote_name(name))


def _column(field: Field[Any, Any], alias: str) -> Column:
    col = field.get_col(alias)
    converters = (*connection.ops.get_db_converters(col), *col.get_db_converters(connection))
    return Column(field, f"{alias}.{_quote(field.column)}", tuple(converters), col)


def columns(model: type[Model], alias: str, names: tuple[str, ...] = ()) -> tuple[Column, ...]:
    """The named fields of ``model`` (all concrete fields when none are named) under ``alias``."""
    return _columns(model, alias, names, _db().ops)


# Keyed by the connection's operations object too: connections (and the converters bound to
# them) are per thread.
@lru_cache(maxsize=256)
def _columns(
    model: type[Model], alias: str, names: tuple[str, ...], ops: Any
) -> tuple[Column, ...]:
    meta = model._meta
    fields = [meta.get_field(n) for n in names] if names else list(meta.concrete_fields)
    return tuple(_column(f, alias) for f in fields)  # type: ignore[arg-type]


def select_list(cols: Sequence[Column]) -> str:
    return ", ".join(c.sql for c in cols)


def table(model: type[Model]) -> str:
    return _quote(model._meta.db_table)


def column_name(model: type[Model], name: str) -> str:
    """The quoted column of field ``name`` (``"department_id"`` for ``department``)."""
    return _quote(getattr(model._meta.get_field(name), "column", None))


def values(cols: Sequence[Column], row: Sequence[Any]) -> list[Any]:
    db = _db()
    return [c.convert(v, db) for c, v in zip(cols, row, strict=True)]


def instance(model: type[Model], cols: Sequence[Column], row: Sequence[Any]) -> Any:
    """A model instance as a queryset would have loaded it from these columns."""
    return model.from_db(DEFAULT_DB_ALIAS, [c.field.attname for c in cols], values(cols, row))


def placeholders(count: int) -> str:
    """``%s, %s, …``: one parameter for each of ``count`` values (an IN list, a row)."""
    return ", ".join(["%s"] * count)
