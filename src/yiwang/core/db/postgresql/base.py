"""Django's PostgreSQL backend, with a health check that does not talk to the server, json
columns read as text (see :class:`yiwang.core.fields.OrderedJSONField`), and connections that
can hold a statement back for the transaction's next message (:mod:`.deferred`).

A persistent connection (``CONN_MAX_AGE``) can be closed under the platform by a server
restart, a fail-over or an administrator ending the session. Django's health check
(``CONN_HEALTH_CHECKS``) finds that out by sending ``SELECT 1`` before the first query of every
request: a round trip, and a statement for the server, on every page and API call.

An idle connection's socket has nothing to read unless the server sent something: the error
and end-of-file that come with a closed session, or a notice. So the check looks at the socket
first, without waiting; only when something is there does it ask the server, exactly as
Django does. A connection that was cut without a word (a pulled cable) is found by neither
check and fails on its first query, as it would under Django's.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base

from yiwang.core.db import planning
from yiwang.core.db.postgresql import deferred

__all__ = ["DatabaseWrapper"]


def _has_input(fd: int) -> bool:
    """Whether the socket has something to read, without waiting."""
    poll = getattr(select, "poll", None)
    if poll is None:  # not on Linux or macOS: select() serves for small descriptors
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)
    poller = poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


class _Cursor(base.ServerBindingCursor):  # type: ignore[misc,name-defined]
    """Django's server-binding cursor, which leaves statements unprepared inside
    :func:`yiwang.core.db.planning.planned_each_time`."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if kwargs.get("prepare") is None and planning.unprepared():
            kwargs["prepare"] = False
        return super().execute(query, params, **kwargs)  # type: ignore[misc]


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> Any:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = _Cursor
        return params

    def get_new_connection(self, conn_params: Any) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.pool:  # a pool hands out connections of its own class
            connection = deferred.adopt(connection)
        # Read json columns (OrderedJSONField) as text, as Django reads jsonb: the field parses
        # it, keeping the order of the keys.
        from psycopg.types.string import TextLoader

        connection.adapters.register_loader("json", TextLoader)
        return connection

    def is_usable(self) -> bool:
        conn: Any = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        try:
            waiting = _has_input(conn.fileno())
        except (OSError, ValueError):
            return False
        if not waiting:
            return True
        return bool(super().is_usable())
