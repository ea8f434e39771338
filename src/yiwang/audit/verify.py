"""Verify the audit log in the database, and read it for export.

The rows are streamed (server-side cursors on PostgreSQL) into the pure engine in
:mod:`yiwang.audit.verifier`, so memory does not grow with the log. On PostgreSQL the canonical
event text is assembled by the query itself: the client receives one string per event and only
hashes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from yiwang.audit import domain, keys
from yiwang.audit.models import AuditEvent, Checkpoint, Leaf
from yiwang.audit.verifier import CheckpointRecord, Report, Verifier

CHUNK = 20_000

# PostgreSQL builds exactly the text domain.event_text() builds in Python. concat_ws() skips
# NULLs; a NULL forced into a column therefore loses a separator and fails verification.
_PG_TIMESTAMP = "to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
_COLUMNS = {"subjects": "subjects_json", "data": "data_json"}
_PG_FIELDS = ", ".join(
    _PG_TIMESTAMP if name == "created_at" else f"e.{_COLUMNS.get(name, name)}"
    for name in domain.EVENT_FIELDS
)
# The queries are assembled from constants only (field names, the version tag).
_PG_EVENT_TEXT = (
    f"SELECT e.id, concat_ws(chr(31), '{domain.EVENT_VERSION}', {_PG_FIELDS}) "  # noqa: S608
    "FROM audit_auditevent e ORDER BY e.id"
)
_PG_EVENT_FIELDS = f"SELECT e.id, {_PG_FIELDS} FROM audit_auditevent e ORDER BY e.id"  # noqa: S608
_PG_LEAVES = "SELECT leaf_index, event_id, content_hash FROM audit_leaf ORDER BY leaf_index"
_PG_CHECKPOINTS = (
    "SELECT tree_size, root_hash, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
    "key_id, signature, frontier FROM audit_checkpoint ORDER BY tree_size"
)
_ORM_EVENT_FIELDS = tuple(_COLUMNS.get(name, name) for name in domain.EVENT_FIELDS)


@contextmanager
def read_snapshot() -> Iterator[None]:
    """One consistent view of all three tables for the whole read, without blocking writers."""
    if connection.in_atomic_block:
        yield  # the caller's transaction is the snapshot (tests, nested use)
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # A deferred read transaction is a WAL snapshot that does not take the write lock
        # (Django's own atomic() would, since the settings ask for BEGIN IMMEDIATE).
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic():
        yield


def _pg_stream(sql: str, name: str) -> Iterator[tuple[Any, ...]]:
    with connection.connection.cursor(name=name) as cursor:
        cursor.itersize = CHUNK
        cursor.execute(sql)
        yield from cursor


def _ts(value: Any) -> str:
    return domain.canonical_timestamp(value)


def event_field_rows() -> Iterator[tuple[Any, ...]]:
    """``(id, *fields)`` in id order, every field as the text that is hashed."""
    if connection.vendor == "postgresql":
        yield from _pg_stream(_PG_EVENT_FIELDS, "yiwang_audit_event_fields")
        return
    for row in (
        AuditEvent.objects.order_by("id")
        .values_list("id", *_ORM_EVENT_FIELDS)
        .iterator(chunk_size=CHUNK)
    ):
        yield (row[0], _ts(row[1]), *row[2:])


def event_texts() -> Iterator[tuple[int, str | None]]:
    if connection.vendor == "postgresql":
        yield from _pg_stream(_PG_EVENT_TEXT, "yiwang_audit_event_texts")
        return
    for row in event_field_rows():
        try:
            yield row[0], domain.event_text(row[1:])
        except TypeError:  # a NULL where the platform never writes one
            yield row[0], None


def leaf_rows() -> Iterator[tuple[int, int, bytes]]:
    if connection.vendor == "postgresql":
        yield from _pg_stream(_PG_LEAVES, "yiwang_audit_leaves")
        return
    for index, event_id, digest in (
        Leaf.objects.order_by("leaf_index")
        .values_list("leaf_index", "event_id", "content_hash")
        .iterator(chunk_size=CHUNK)
    ):
        yield index, event_id, bytes(digest)


def checkpoint_records() -> Iterator[CheckpointRecord]:
    if connection.vendor == "postgresql":
        for size, root, ts, kid, sig, frontier in _pg_stream(_PG_CHECKPOINTS, "yiwang_audit_cps"):
            yield CheckpointRecord(size, bytes(root), ts, kid, bytes(sig), bytes(frontier))
        return
    for cp in Checkpoint.objects.order_by("tree_size").iterator(chunk_size=CHUNK):
        yield CheckpointRecord(
            cp.tree_size,
            bytes(cp.root_hash),
            _ts(cp.created_at),
            cp.key_id,
            bytes(cp.signature),
            bytes(cp.frontier),
        )


def totals() -> tuple[int, int]:
    """Events and leaves in the log, for progress bars."""
    return AuditEvent.objects.count(), Leaf.objects.count()


def verify(*, progress: Callable[[int], None] | None = None) -> Report:
    """Recompute every content hash, leaf, root and signature; name the first problem."""
    verifier = Verifier(
        public_keys=keys.trusted_public_keys(),
        max_transaction_seconds=settings.YIWANG_AUDIT_MAX_TRANSACTION_SECONDS,
        progress=progress,
    )
    with read_snapshot():
        return verifier.run(
            leaves=leaf_rows(), events=event_texts(), checkpoints=checkpoint_records()
        )
