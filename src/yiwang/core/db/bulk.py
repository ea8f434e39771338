"""Inserting many rows of one model with one statement that returns their ids.

``QuerySet.bulk_create`` rebuilds its SQL through the compiler on every call and, when it
ignores conflicts, cannot say which rows it wrote. A submission inserts a few dozen rows on
every call; :func:`insert` writes the same statement directly: the model's columns, one row of
placeholders per object, ``RETURNING`` the ids (PostgreSQL, and SQLite since 3.35). Fields'
``pre_save`` and database preparation run as they do for ``bulk_create``; ``save()`` and the
model signals do not, exactly as for ``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def insert(objs: Sequence[Model], *, unless_taken: str | None = None) -> list[Model]:
    """Insert ``objs`` (all of one model, without ids) and give each its id; return them.

    With ``unless_taken`` (a field with a unique constraint of its own) a row whose value is
    stored already is left out, and only the objects that were written are returned (with their ids;
    the others keep none).
    """
    if not objs:
        return []
    model = type(objs[0])
    meta = model._meta
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk = quote(str(meta.pk.column))
    unique = next((f for f in fields if f.name == unless_taken), None) if unless_taken else None
    if unless_taken and unique is None:
        raise ValueError(f"{meta.label} has no field {unless_taken!r}")
    key = quote(str(unique.column)) if unique is not None else None
    sql = (
        f"INSERT INTO {quote(str(meta.db_table))} "  # noqa: S608  # names from the model
        f"({', '.join(quote(str(f.column)) for f in fields)}) "
        f"VALUES {', '.join([row] * len(objs))} "
        + (f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}, {key}" if key else f"RETURNING {pk}")
    )
    params: list[Any] = []
    for obj in objs:
        # As bulk_create does: a related object saved after it was assigned lends its id.
        obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
        for f in fields:
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    if unique is None:
        written = list(objs)
        ids = [r[0] for r in returned]
    else:
        by_key = {r[1]: r[0] for r in returned}
        written = [o for o in objs if getattr(o, unique.attname) in by_key]
        ids = [by_key[getattr(o, unique.attname)] for o in written]
    for obj, pk_value in zip(written, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
    return written
