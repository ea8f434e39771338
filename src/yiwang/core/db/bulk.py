"""Inserting rows of one model with one statement, written once, that returns their ids.

``QuerySet.bulk_create`` and ``save()`` rebuild their SQL through the compiler on every call and,
when ignoring conflicts, cannot say which rows they wrote. A submission inserts a few dozen rows
and a governed read one access-log row on every call; :func:`insert` writes the statement
directly, once per model, row count and conflict rule: the model's columns, one row of
placeholders per object, ``RETURNING`` the ids. Fields' ``pre_save`` and database preparation
run as they do for ``bulk_create``; ``save()`` and the model signals do not, exactly as for
``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model

from yiwang.core.db.rows import placeholders


def insert(objs: Sequence[Model], *, unless_taken: str | None = None) -> list[Model]:
    """Insert ``objs`` (all of one model, without ids) and give each its id; return them.

    With ``unless_taken`` (a field with a unique constraint of its own) a row whose value is
    stored already is left out, and only the objects that were written are returned (with
    their ids; the others keep none).
    """
    if not objs:
        return []
    model = type(objs[0])
    db = connections[DEFAULT_DB_ALIAS]
    fields, unique, sql = _statement(model, db.ops, len(objs), unless_taken)
    if not db.features.can_return_columns_from_insert:  # SQLite before 3.35
        return _insert_one_by_one(objs, unique)
    params: list[Any] = []
    for obj in objs:
        # As bulk_create does: a related object saved after it was assigned lends its id.
        obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
        for f in fields:
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection=db))
    with db.cursor() as cursor:
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
        obj._state.db = db.alias
    return written


@lru_cache(maxsize=64)
def _statement(
    model: type[Model], ops: Any, count: int, unless_taken: str | None
) -> tuple[list[Field[Any, Any]], Field[Any, Any] | None, str]:
    meta = model._meta
    fields: list[Field[Any, Any]] = [f for f in meta.concrete_fields if f is not meta.pk]
    unique = next((f for f in fields if f.name == unless_taken), None) if unless_taken else None
    if unless_taken and unique is None:
        raise ValueError(f"{meta.label} has no field {unless_taken!r}")
    quote = ops.quote_name
    pk = quote(meta.pk.column)
    row = f"({placeholders(len(fields))})"
    returning = f"RETURNING {pk}"
    if unique is not None:
        key = quote(unique.column)
        returning = f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}, {key}"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608  # names from the model
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * count)} {returning}"
    )
    return fields, unique, sql


def _insert_one_by_one(objs: Sequence[Model], unique: Field[Any, Any] | None) -> list[Model]:
    """Without RETURNING: each row saved on its own, one already stored skipped."""
    model = type(objs[0])
    written = []
    for obj in objs:
        if unique is not None:
            value = getattr(obj, unique.attname)
            if model._default_manager.filter(**{unique.attname: value}).exists():
                continue
        obj.save(force_insert=True)
        written.append(obj)
    return written
