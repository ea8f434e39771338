"""Queries the database should plan for their own values each time.

On PostgreSQL a statement a connection runs again is prepared (``YIWANG_DB_PREPARED_STATEMENTS``),
and after a few runs the server may keep one generic plan for it, made without knowing the
values. That is what makes repeated joins cheap; but where the values change the answer's size by
orders of magnitude (one person with ten thousand access-log entries, most with a handful) a
generic plan can be many times slower than a plan for the values at hand. Inside
:func:`planned_each_time` statements are sent unprepared, so each is planned for its values.
Elsewhere (SQLite, or prepared statements off) it changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_UNPREPARED: ContextVar[bool] = ContextVar("yiwang_unprepared", default=False)


def unprepared() -> bool:
    """Whether statements should be sent unprepared here."""
    return _UNPREPARED.get()


@contextmanager
def planned_each_time() -> Iterator[None]:
    token = _UNPREPARED.set(True)
    try:
        yield
    finally:
        _UNPREPARED.reset(token)
