"""The auditors' search index: who a sealed event is about, and who acted.

Finding the events of one person in years of log must not read all of it, and the audited
write must not pay for an index either. So the index is built after the fact, from sealed events,
by the same background task that seals them: for each event, one term per data subject
(``person:…``, ``firm:…``), one for its actor (``actor:<id>``), two for the record it is about
(``object:<type>:<id>``, and ``record:<id>`` for an auditor who knows the id but not the type)
and one for its action (``action:<action>``).

The index covers the sealed log up to a checkpoint (``SearchIndexProgress.tree_size``). What it
does not cover yet is recent: every event sealed after that checkpoint, or still unsealed, was
created at most ``YIWANG_AUDIT_MAX_TRANSACTION_SECONDS`` before it (the sealer looks no further
back). A search reads the index, plus the events since that moment (:func:`uncovered_since`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Subquery

from yiwang.audit.models import Checkpoint, SearchIndexProgress, SearchTerm
from yiwang.audit.services import lock_sealer

logger = logging.getLogger(__name__)

# Longest term kept: a subject key is at most 107 characters, an actor's or an action's 106, a
# record's 207 (by its id alone, 107).
MAX_TERM = 210

_SEALED_SQL = """
    SELECT e.id, e.subjects_json, e.actor_id, e.object_type, e.object_id, e.action
    FROM audit_leaf l JOIN audit_auditevent e ON e.id = l.event_id
    WHERE l.leaf_index >= %s AND l.leaf_index < %s
    ORDER BY l.leaf_index
"""


def actor_term(actor_id: str) -> str:
    return f"actor:{actor_id}"


def object_term(object_type: str, object_id: str) -> str:
    return f"object:{object_type}:{object_id}"


def record_term(object_id: str) -> str:
    """A record by its id alone, whatever its type."""
    return f"record:{object_id}"


def action_term(action: str) -> str:
    return f"action:{action}"


def terms_of(
    subjects_json: str, actor_id: str, object_type: str, object_id: str, action: str
) -> set[str]:
    """The terms of one event. Text the platform would not have written (an event altered
    behind its back) gives what can be read of it; the verifier is what reports the change.
    Only JSON can carry a NUL character, which no database text may hold: such a subject is
    left out."""
    terms: set[str] = set()
    try:
        subjects = json.loads(subjects_json)
    except ValueError:
        subjects = []
    if isinstance(subjects, list):
        terms.update(s for s in subjects if isinstance(s, str) and s and "\x00" not in s)
    if actor_id:
        terms.add(actor_term(actor_id))
    if object_type and object_id:
        terms.add(object_term(object_type, object_id))
    if object_id:
        terms.add(record_term(object_id))
    if action:
        terms.add(action_term(action))
    return {term for term in terms if len(term) <= MAX_TERM}


def _sealed(start: int, end: int, batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """(event id, subjects, actor id, object type, object id, action) of the sealed entries
    ``start`` to ``end`` - 1."""
    # On PostgreSQL a server-side cursor, so that a long log is never in memory all at once.
    if connection.vendor == "postgresql":
        opened = connection.connection.cursor(name="yiwang_audit_to_index")
    else:
        opened = connection.cursor()
    with opened as cursor:
        cursor.execute(_SEALED_SQL, [start, end])
        while rows := cursor.fetchmany(batch_size):
            yield rows


def _write(rows: list[tuple[str, int]]) -> None:
    if connection.vendor == "postgresql":
        with (
            connection.connection.cursor() as cursor,
            cursor.copy("COPY audit_searchterm (term, event_id) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=term, event_id=event_id) for term, event_id in rows], batch_size=500
    )


def index_sealed(*, rebuild: bool = False, chunk: int = 500_000, batch_size: int = 50_000) -> int:
    """Add the events sealed since the last run to the index; how many there were. With
    ``rebuild``, empty the index first and index the whole sealed log again.

    Safe to run at any time and from several places: it takes turns with the sealers, and
    covers whole checkpoints, each once. It commits after about ``chunk`` events (whole
    checkpoints), so that a long log's first indexing is many short transactions, each well
    within the longest a transaction may stay open; searches meanwhile read more of the log.
    """
    if rebuild:
        with transaction.atomic():
            lock_sealer()
            _empty()
    events = 0
    while True:
        with transaction.atomic():
            lock_sealer()
            progress, _ = SearchIndexProgress.objects.get_or_create(pk=1)
            start = progress.tree_size
            end = _next_end(start, chunk)
            if end is None:
                break
            for batch in _sealed(start, end, batch_size):
                events += len(batch)
                rows = [(term, event[0]) for event in batch for term in terms_of(*event[1:])]
                rows.sort()  # the index then grows in order, which the database does fastest
                _write(rows)
            progress.tree_size = end
            progress.save(update_fields=["tree_size"])
        logger.info("audit: indexed sealed events for search through tree size %d", end)
    return events


def _next_end(start: int, chunk: int) -> int | None:
    """The tree size of the furthest checkpoint within ``chunk`` entries of ``start``, or of
    the next one if it lies further; None when no checkpoint lies beyond ``start``."""
    sizes = Checkpoint.objects.values_list("tree_size", flat=True)
    within = sizes.filter(tree_size__gt=start, tree_size__lte=start + chunk)
    end = within.order_by("-tree_size").first()
    if end is None:
        end = sizes.filter(tree_size__gt=start).order_by("tree_size").first()
    return end


def _empty() -> None:
    progress, _ = SearchIndexProgress.objects.get_or_create(pk=1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_searchterm")
    else:
        SearchTerm.objects.all().delete()
    progress.tree_size = 0
    progress.save(update_fields=["tree_size"])


def uncovered_since() -> dt.datetime | None:
    """The moment from which events may be missing from the index (None: it covers nothing,
    so a search must read the whole log)."""
    # No checkpoint has tree size 0; and if the one the index names is gone, trust none of it.
    progress = SearchIndexProgress.objects.filter(pk=1).values("tree_size")
    covered = Checkpoint.objects.filter(tree_size=Subquery(progress))
    at = covered.values_list("created_at", flat=True).first()
    if at is None:
        return None
    return at - dt.timedelta(seconds=settings.YIWANG_AUDIT_MAX_TRANSACTION_SECONDS)
