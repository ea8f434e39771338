"""Sealing the audit log: adding committed events to the Merkle tree and signing a checkpoint."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from yiwang.audit import domain, keys
from yiwang.audit.actors import SYSTEM, Actor
from yiwang.audit.merkle import CompactRange
from yiwang.audit.models import AuditEvent, Checkpoint, Leaf
from yiwang.core import clock

# The name the sealer has always logged under, kept when the module moved into the package.
logger = logging.getLogger("yiwang.audit.services")

# Sealers on PostgreSQL queue on this advisory lock; the value is arbitrary but fixed.
SEALER_LOCK_KEY = int.from_bytes(hashlib.sha256(b"yiwang.audit.sealer").digest()[:8], "big") >> 1


class SealRefused(Exception):
    """The log is not as the last checkpoint left it; sealing on would build on an altered log."""


def lock_sealer() -> None:
    """Wait for the sealers (and the search indexer) before this one, until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
    # SQLite: the settings open every transaction with BEGIN IMMEDIATE, which already
    # serialises writers, sealers included.


_UNSEALED_SQL = """
    SELECT e.id, e.content_hash FROM audit_auditevent e
    WHERE {since} NOT EXISTS (SELECT 1 FROM audit_leaf l WHERE l.event_id = e.id)
    ORDER BY e.id
"""


def _unsealed(since: dt.datetime | None, batch_size: int) -> Iterator[list[tuple[int, bytes]]]:
    """Committed events that have no leaf yet, in id order, in batches.

    An anti-join, not "ids above the last sealed id": ids come from a sequence, and a transaction
    that took an id early may commit after one that took a later id. Events older than the window
    cannot be late commits (no transaction lives that long), so they are left for the verifier to
    report as inserted instead of being sealed as if they were genuine.
    """
    if connection.vendor == "postgresql":
        sql = _UNSEALED_SQL.format(since="e.created_at >= %s AND" if since else "")
        raw = connection.connection
        with raw.cursor(name="yiwang_audit_unsealed", binary=True) as cursor:
            cursor.execute(sql, [since] if since else None)
            while rows := cursor.fetchmany(batch_size):
                yield rows
        return
    qs = AuditEvent.objects.filter(~Exists(Leaf.objects.filter(event_id=OuterRef("pk"))))
    # SQLite keeps times as text, and compares them as text: a row whose time is written in
    # another form (a 'T' for the space) would pass any bound. So the window is applied here,
    # to the times as read.
    rows = [
        (event_id, digest)
        for event_id, digest, created_at in qs.order_by("id").values_list(
            "id", "content_hash", "created_at"
        )
        if since is None or created_at >= since
    ]
    for start in range(0, len(rows), batch_size):
        yield [(int(i), bytes(h)) for i, h in rows[start : start + batch_size]]


def _write_leaves(first_index: int, batch: list[tuple[int, bytes]]) -> None:
    if connection.vendor == "postgresql":
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(
                "COPY audit_leaf (leaf_index, event_id, content_hash) FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["int8", "int8", "bytea"])
            for offset, (event_id, digest) in enumerate(batch):
                copy.write_row((first_index + offset, event_id, digest))
        return
    Leaf.objects.bulk_create(
        [
            Leaf(leaf_index=first_index + offset, event_id=event_id, content_hash=digest)
            for offset, (event_id, digest) in enumerate(batch)
        ],
        batch_size=500,
    )


def seal(*, actor: Actor = SYSTEM, batch_size: int = 50_000) -> Checkpoint | None:
    """Seal every committed, unsealed event into the Merkle tree and sign a new checkpoint.

    Safe to run at any time and from several places: sealers take turns on a lock, and each
    event gets exactly one leaf (``Leaf.event_id`` is unique as a last line of defence).
    Returns the new checkpoint, or None when there was nothing to seal.
    """
    key = keys.signing_key()
    key_id = domain.key_id(key.public_key())
    max_transaction = dt.timedelta(seconds=settings.YIWANG_AUDIT_MAX_TRANSACTION_SECONDS)
    with transaction.atomic():
        lock_sealer()
        last = Checkpoint.objects.order_by("-tree_size").first()
        # Taken before reading events: whatever committed before this instant is sealed now.
        sealed_at = clock.now()
        if last is None:
            tree, since = CompactRange(), None
        else:
            tree = CompactRange.from_bytes(last.tree_size, bytes(last.frontier))
            since = last.created_at - max_transaction
        start = tree.size
        if Leaf.objects.filter(leaf_index__gte=start).exists():
            raise SealRefused(
                f"the log has sealed entries at position {start} and beyond, which no checkpoint "
                "signs (was a checkpoint removed?); nothing was sealed. Run `yiwang audit verify` "
                "to see what was changed"
            )
        if start and not Leaf.objects.filter(leaf_index=start - 1).exists():
            raise SealRefused(
                f"the last checkpoint signs {start} sealed entries, but the one at position "
                f"{start - 1} is missing (were sealed entries removed?); nothing was sealed. Run "
                "`yiwang audit verify` to see what was changed"
            )
        leaf_hash = domain.event_leaf_hash
        for batch in _unsealed(since, batch_size):
            _write_leaves(tree.size, batch)
            tree.extend([leaf_hash(event_id, digest) for event_id, digest in batch])
        if tree.size == start:
            return None
        root = tree.root()
        timestamp = domain.canonical_timestamp(sealed_at)
        body = domain.checkpoint_body(
            tree_size=tree.size, root=root, timestamp=timestamp, key_id=key_id
        )
        checkpoint = Checkpoint(
            tree_size=tree.size,
            root_hash=root,
            created_at=domain.parse_timestamp(timestamp),
            key_id=key_id,
            signature=key.sign(body),
            frontier=tree.to_bytes(),
        )
        checkpoint.save()
    logger.info(
        "audit: sealed %d events, tree size %d, root %s (by %s)",
        tree.size - start,
        tree.size,
        root.hex(),
        actor,
    )
    return checkpoint
