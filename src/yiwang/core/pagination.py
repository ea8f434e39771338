"""Keyset pagination by a date that may be empty, then by primary key ("soonest due first").

Why not ``LIMIT … OFFSET``: an offset makes the database walk every row before the page, so
page 500 of a queue costs 500 pages' work, and rows shift between pages as work is done. A keyset
("after the row due 2026-03-02 with id 9812") starts exactly where the previous page ended, so
every page costs the same however deep it is.

Why several querysets: a department's queue is the union of a few slices — one per department and
task status — each of which an index ``(department, status, due_date)`` returns already in order.
One query over ``status IN (…)`` would have to fetch *every* matching row and sort it to find the
first twenty-five; asking each slice for its first twenty-six and merging them costs the same at
ten thousand rows as at ten million. Rows with no date come after all dated rows (``NULLS LAST``,
as a B-tree index stores them) and are asked for separately, so that both halves can use the
index's order.

The position is compared as a pair, ``(date, pk) > (cursor date, cursor pk)``: PostgreSQL starts
an index ordered by ``(…, date, pk)`` right after the cursor. Written as "date after, or same date
and larger key", it would read (and throw away) every earlier row sharing the cursor's date — a
number that grows with the queue. SQLite gets the expanded form, which means the same.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

T = TypeVar("T")

_NONE = "none"


class BadCursor(ValueError):
    """A cursor that this module did not write (or that was changed on the way)."""


@dataclass(frozen=True, order=False)
class Cursor:
    """A position in the order: just after (or before) the row with this date and key."""

    date: dt.date | None
    pk: int

    def __str__(self) -> str:
        return f"{self.date.isoformat() if self.date else _NONE}_{self.pk}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        head, sep, tail = (text or "").partition("_")
        if not sep or not tail.isdigit() or len(tail) > 18:
            raise BadCursor(text)
        try:
            date = None if head == _NONE else dt.date.fromisoformat(head)
        except ValueError:
            raise BadCursor(text) from None
        return cls(date, int(tail))

    @classmethod
    def of(cls, row: Any, field: str) -> Cursor:
        return cls(getattr(row, field), int(row.pk))


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows in ascending order, and where the next and previous pages start."""

    items: list[T]
    next: Cursor | None
    previous: Cursor | None


def _sort_key(field: str) -> Any:
    def key(row: Any) -> tuple[int, dt.date, int]:
        value = getattr(row, field)
        return (1, dt.date.min, row.pk) if value is None else (0, value, row.pk)

    return key


def _after(field: str, cursor: Cursor) -> Any:
    """Rows whose ``(field, pk)`` comes after the cursor's (one row comparison)."""
    return TupleGreaterThan(Tuple(F(field), F("pk")), (cursor.date, cursor.pk))


def _before(field: str, cursor: Cursor) -> Any:
    return TupleLessThan(Tuple(F(field), F("pk")), (cursor.date, cursor.pk))


def _forward(qs: QuerySet[Any], field: str, after: Cursor | None, n: int) -> list[Any]:
    dated = qs.filter(**{f"{field}__isnull": False})
    undated = qs.filter(**{f"{field}__isnull": True})
    rows: list[Any] = []
    if after is None or after.date is not None:
        if after is not None:
            # The plain bound keeps SQLite, which spells the pair out as an OR, on the index.
            dated = dated.filter(**{f"{field}__gte": after.date}).filter(_after(field, after))
        rows += list(dated.order_by(field, "pk")[:n])
    else:
        undated = undated.filter(pk__gt=after.pk)
    if len(rows) < n:
        rows += list(undated.order_by("pk")[: n - len(rows)])
    return rows


def _backward(qs: QuerySet[Any], field: str, before: Cursor, n: int) -> list[Any]:
    dated = qs.filter(**{f"{field}__isnull": False})
    rows: list[Any] = []
    if before.date is None:
        undated = qs.filter(**{f"{field}__isnull": True}, pk__lt=before.pk)
        rows += list(undated.order_by("-pk")[:n])
    else:
        dated = dated.filter(**{f"{field}__lte": before.date}).filter(_before(field, before))
    if len(rows) < n:
        rows += list(dated.order_by(f"-{field}", "-pk")[: n - len(rows)])
    return rows


def keyset_page(
    querysets: Sequence[QuerySet[Any]] | QuerySet[Any],
    *,
    field: str,
    limit: int,
    after: Cursor | None = None,
    before: Cursor | None = None,
) -> Page[Any]:
    """One page of the rows of ``querysets`` (disjoint slices), soonest ``field`` first.

    With ``after``, the page starts just after that row; with ``before``, it ends just before it
    (the "previous" link). Each slice is asked for at most ``limit + 1`` rows.
    """
    slices: Iterable[QuerySet[Any]] = (
        [querysets] if isinstance(querysets, QuerySet) else list(querysets)
    )
    key = _sort_key(field)
    want = limit + 1
    if before is not None:
        fetched = [_backward(qs, field, before, want) for qs in slices]
        merged = list(heapq.merge(*fetched, key=key, reverse=True))[:want]
        more = len(merged) > limit
        items = list(reversed(merged[:limit]))
        return Page(
            items=items,
            next=Cursor.of(items[-1], field) if items else None,
            previous=Cursor.of(items[0], field) if items and more else None,
        )
    fetched = [_forward(qs, field, after, want) for qs in slices]
    merged = list(heapq.merge(*fetched, key=key))[:want]
    items = merged[:limit]
    return Page(
        items=items,
        next=Cursor.of(items[-1], field) if len(merged) > limit else None,
        previous=Cursor.of(items[0], field) if items and after is not None else None,
    )
