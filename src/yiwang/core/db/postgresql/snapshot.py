"""A second connection that sees exactly what this one sees.

A long read that consumes two streams at once (the audit verifier reads the events and the
leaves side by side) makes one server process produce both when they share a connection:
each waits for the other's fetches, and the second core idles. PostgreSQL can give another
session the very snapshot of a REPEATABLE READ transaction (``pg_export_snapshot`` and
``SET TRANSACTION SNAPSHOT``, as ``pg_dump --jobs`` does), so a second server process can serve
one of the streams with no risk that the two disagree about what was committed.

Only committed rows are shared: the exporting transaction's own uncommitted writes stay its
own. That is why the caller must own a read-only REPEATABLE READ transaction, not borrow a
caller's (a test's, say).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql


@contextmanager
def sibling(connection: BaseDatabaseWrapper) -> Iterator[Any | None]:
    """A raw psycopg connection in a transaction on ``connection``'s snapshot, or None when
    ``connection`` is not PostgreSQL in a transaction.

    ``connection`` must be in a REPEATABLE READ (or SERIALIZABLE) transaction, outside any
    savepoint (PostgreSQL exports snapshots of whole transactions only), that stays open until
    the block ends. The sibling's transaction is read-only and ends with the block.
    """
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]
    other = connection.copy()
    try:
        other.ensure_connection()
        raw = other.connection
        raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        raw.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot_id)))
        yield raw
        raw.execute("COMMIT")
    finally:
        with suppress(DatabaseError):
            other.close()
