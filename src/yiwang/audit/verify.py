"""Verify the audit log in the database, and read it for export.

The rows are streamed (server-side cursors on PostgreSQL) into the pure engine in
:mod:`yiwang.audit.verifier`, so memory does not grow with the log. On PostgreSQL the canonical
event text is assembled by the query itself: the client receives one string per event and only
hashes it. When verification owns its snapshot, the leaves come from a second connection on
that same snapshot, so that another server process produces them while the first one assembles
the events' texts.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager
from itertools import chain
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from psycopg.types.string import ByteaBinaryLoader

from yiwang.audit import domain, keys, offline
from yiwang.audit.models import AuditEvent, Checkpoint, Leaf, SearchIndexProgress
from yiwang.audit.report import REMOVED, Problem, Report
from yiwang.audit.streams import CheckpointRecord
from yiwang.audit.verifier import Verifier
from yiwang.core.db.postgresql import snapshot

CHUNK = 20_000

# PostgreSQL assembles each event's whole canonical text, so the client receives two values per
# event (its id and the text as UTF-8 bytes) and only hashes them: verifying is bound by the
# client's CPU, and the server, on another core, has time to spare. The server only joins and
# formats; every hash is computed here. "||" yields NULL if any column is NULL (the platform never
# writes one), which then fails as changed. The timestamp is written exactly as
# domain.canonical_timestamp() writes it (a test compares the two).
_COLUMNS = {"subjects": "subjects_json", "data": "data_json"}
_PG_REST = " || chr(31) || ".join(
    f"e.{_COLUMNS.get(name, name)}" for name in domain.EVENT_FIELDS if name != "created_at"
)
PG_TIMESTAMP = "to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"
PG_EVENT_TEXT = f"'{domain.EVENT_VERSION}' || chr(31) || {PG_TIMESTAMP} || chr(31) || {_PG_REST}"
_PG_EVENTS = f"SELECT e.id, {PG_EVENT_TEXT} FROM audit_auditevent e ORDER BY e.id"  # noqa: S608
_PG_EVENT_FIELDS = (
    "SELECT e.id, e.created_at, "  # noqa: S608  # constants only
    + ", ".join(f"e.{_COLUMNS.get(name, name)}" for name in domain.EVENT_FIELDS[1:])
    + " FROM audit_auditevent e ORDER BY e.id"
)
_PG_LEAVES = "SELECT leaf_index, event_id, content_hash FROM audit_leaf ORDER BY leaf_index"
_PG_CHECKPOINTS = (
    "SELECT tree_size, root_hash, created_at, key_id, signature, frontier "
    "FROM audit_checkpoint ORDER BY tree_size"
)
_ORM_EVENT_FIELDS = tuple(_COLUMNS.get(name, name) for name in domain.EVENT_FIELDS)


@contextmanager
def read_snapshot() -> Iterator[bool]:
    """One consistent view of all three tables for the whole read, without blocking writers.

    Yields whether the snapshot is this read's own REPEATABLE READ transaction, which other
    connections can share (see :mod:`yiwang.core.db.postgresql.snapshot`).
    """
    if connection.in_atomic_block:
        yield False  # the caller's transaction is the snapshot (tests, nested use)
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield True
        return
    if connection.vendor == "sqlite":
        # A deferred read transaction is a WAL snapshot that does not take the write lock
        # (Django's own atomic() would, since the settings ask for BEGIN IMMEDIATE).
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield False
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic():
        yield False


def _pg_batches(
    sql: str, name: str, *, text_as_bytes: bool = False, raw: Any | None = None
) -> Generator[list[tuple[Any, ...]], None, None]:
    """Batches of rows of a server-side cursor, fetched ahead by a helper thread.

    While this thread hashes one batch, PostgreSQL is already producing the next one on the
    other core (psycopg lets go of the interpreter while it waits for the server). The queue
    holds at most a few batches, so memory stays bounded. Binary results spare the client from
    parsing numbers, hashes and timestamps out of text. ``raw`` is the psycopg connection to
    read from (by default this thread's Django connection).
    """
    if raw is None:
        raw = connection.connection
    batches: queue.Queue[list[tuple[Any, ...]] | BaseException | None] = queue.Queue(maxsize=3)
    stop = threading.Event()

    def fetch() -> None:
        try:
            with raw.cursor(name=name, binary=True) as cursor:
                if text_as_bytes:  # the UTF-8 bytes as sent: no decoding, and none to undo
                    cursor.adapters.register_loader("text", ByteaBinaryLoader)
                cursor.execute(sql)
                while not stop.is_set():
                    rows = cursor.fetchmany(CHUNK)
                    batches.put(rows)
                    if not rows:
                        return
        except BaseException as exc:  # handed to the reading thread, which re-raises it
            batches.put(exc)

    worker = threading.Thread(target=fetch, name=f"audit-{name}", daemon=True)
    worker.start()
    try:
        while True:
            item = batches.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting for room, then let it finish
            with contextlib.suppress(queue.Empty):
                batches.get(timeout=0.05)
        worker.join()


def _pg_stream(sql: str, name: str) -> Iterator[tuple[Any, ...]]:
    return chain.from_iterable(_pg_batches(sql, name))


def _ts(value: Any) -> str:
    # A NULL forced into the column reads as "", which can never verify.
    return "" if value is None else domain.canonical_timestamp(value)


def event_field_rows() -> Iterator[tuple[Any, ...]]:
    """``(id, *fields)`` in id order, every field as the text that is hashed."""
    if connection.vendor == "postgresql":
        for row in _pg_stream(_PG_EVENT_FIELDS, "yiwang_audit_event_fields"):
            yield (row[0], _ts(row[1]), *row[2:])
        return
    for row in (
        AuditEvent.objects.order_by("id")
        .values_list("id", *_ORM_EVENT_FIELDS)
        .iterator(chunk_size=CHUNK)
    ):
        yield (row[0], _ts(row[1]), *row[2:])


def event_texts() -> Iterator[tuple[int, str | bytes | None]]:
    """``(id, canonical text)`` in id order; the text is None if a column is NULL.

    On PostgreSQL the query builds the text and it arrives as UTF-8 bytes, in batches chained in
    C: no Python runs per row before hashing, and the bytes are hashed without decoding and
    encoding them again.
    """
    if connection.vendor != "postgresql":
        return _texts_from_fields()
    return chain.from_iterable(_pg_batches(_PG_EVENTS, "yiwang_audit_events", text_as_bytes=True))


def _texts_from_fields() -> Iterator[tuple[int, str | None]]:
    for row in event_field_rows():
        try:
            yield row[0], domain.event_text(row[1:])
        except TypeError:  # a NULL where the platform never writes one
            yield row[0], None


def leaf_rows() -> Iterator[tuple[int, int, bytes]]:
    if connection.vendor == "postgresql":
        return _pg_stream(_PG_LEAVES, "yiwang_audit_leaves")
    return (
        (index, event_id, bytes(digest))
        for index, event_id, digest in Leaf.objects.order_by("leaf_index")
        .values_list("leaf_index", "event_id", "content_hash")
        .iterator(chunk_size=CHUNK)
    )


def checkpoint_records() -> Iterator[CheckpointRecord]:
    if connection.vendor == "postgresql":
        for size, root, ts, kid, sig, frontier in _pg_stream(_PG_CHECKPOINTS, "yiwang_audit_cps"):
            yield CheckpointRecord(size, bytes(root), _ts(ts), kid, bytes(sig), bytes(frontier))
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


@contextmanager
def log_streams() -> Iterator[
    tuple[Iterator[tuple[int, int, bytes]], Iterator[tuple[int, Any]], Iterator[CheckpointRecord]]
]:
    """The three streams verification reads (leaves, events, checkpoints), in one snapshot."""
    with read_snapshot() as shareable, ExitStack() as stack:
        other = stack.enter_context(snapshot.sibling(connection)) if shareable else None
        leaves: Iterator[tuple[int, int, bytes]]
        if other is None:
            leaves = leaf_rows()
        else:
            # Another server process produces the leaves while this one assembles the events'
            # texts: the two streams no longer wait for each other's fetches.
            batches = _pg_batches(_PG_LEAVES, "yiwang_audit_leaves", raw=other)
            stack.callback(batches.close)  # stop its reader before the connection closes
            leaves = chain.from_iterable(batches)
        yield leaves, event_texts(), checkpoint_records()


def verify(*, progress: Callable[[int], None] | None = None, earlier: Path | None = None) -> Report:
    """Recompute every content hash, leaf, root and signature; name the first problem. With
    ``earlier`` (an export made before), every checkpoint it holds must still be in the log."""
    trusted = keys.trusted_public_keys()
    verifier = Verifier(
        public_keys=trusted,
        max_transaction_seconds=settings.YIWANG_AUDIT_MAX_TRANSACTION_SECONDS,
        progress=progress,
        earlier=offline.earlier_checkpoints(earlier, trusted) if earlier is not None else (),
    )
    with log_streams() as (leaves, events, checkpoints):
        report = verifier.run(leaves=leaves, events=events, checkpoints=checkpoints)
        _check_index_progress(report)
    return report


def _check_index_progress(report: Report) -> None:
    """The search index records how far into the sealed log it has read, always up to a
    checkpoint. Beyond the last checkpoint there is, checkpoints were removed since (with their
    entries, or the engine would have named those): the log was rolled back."""
    indexed = SearchIndexProgress.objects.filter(pk=1).values_list("tree_size", flat=True).first()
    signed = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
    if indexed and indexed > (signed or 0):
        report.add(
            Problem.because(
                REMOVED,
                "checkpoint",
                str(indexed),
                "index_ahead",
                indexed=indexed,
                signed=signed or 0,
            )
        )
