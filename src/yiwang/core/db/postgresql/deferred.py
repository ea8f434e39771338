"""Statements that travel with the transaction's next message (PostgreSQL).

Every audited change ends the same way: the change, then its audit event, then COMMIT. Sent
one by one, the event's INSERT costs a network round trip of its own, and waiting for it costs
more than the server's work on it. A statement handed to :meth:`Connection.defer` is held back
on the connection instead, and sent in one message with what the connection sends next:

- with COMMIT (the usual case), both go in a single round trip, in libpq's pipeline mode;
- before any other statement, on its own round trip, exactly where it was issued.

So the server runs the transaction's statements in the order they were issued, as if each had
been sent at once; only the waiting is saved. A held-back statement that fails makes the
transaction fail at that next step: COMMIT raises its error and nothing is committed. A
rollback discards what is held back, as the server would have.

Only statements whose result the caller can wait for are held back (an INSERT ... RETURNING
id: the id arrives with the result, through a callback), and only inside an open transaction:
in autocommit mode there is no later message to ride on, and :meth:`Connection.defer` says so
by returning False.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors, generators, pq
from psycopg.pq.abc import PGresult

__all__ = ["Connection", "Statement", "adopt", "bind"]

_INTRANS = pq.TransactionStatus.INTRANS
_INERROR = pq.TransactionStatus.INERROR
_COMMAND_OK = pq.ExecStatus.COMMAND_OK
_TUPLES_OK = pq.ExecStatus.TUPLES_OK
_FATAL_ERROR = pq.ExecStatus.FATAL_ERROR
_PIPELINE_SYNC = pq.ExecStatus.PIPELINE_SYNC
_TEXT, _BINARY = 0, 1
# Statements prepared under a name stay prepared until psycopg deallocates them all, which it
# does through this method (see Connection._deallocate); without it, nothing is prepared.
_CAN_TRACK_NAMES = hasattr(psycopg.Connection, "_deallocate")


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement to hold back, its parameters already as libpq sends them.

    ``sql`` uses ``$1, $2, ...`` placeholders; ``values`` are UTF-8 text (Django's connections
    use no other client encoding) or binary, as ``formats`` says (0 text, 1 binary); build them
    from Python values with :func:`bind`. ``name``, when given, has the statement prepared on
    the server once per connection under that name. ``on_result`` receives the first column of
    the first row the statement returned (as text, or None when it returned none), or None
    when the statement was discarded with its transaction.
    """

    sql: bytes
    values: Sequence[bytes | None]
    formats: Sequence[int]
    on_result: Callable[[bytes | None], None]
    name: bytes = b""


def bind(
    sql: bytes, params: Sequence[Any], on_result: Callable[[bytes | None], None], name: bytes = b""
) -> Statement:
    """A :class:`Statement` with its parameters turned from Python values."""
    dumped = [_dump(param) for param in params]
    return Statement(
        sql=sql,
        values=[value for value, _ in dumped],
        formats=[fmt for _, fmt in dumped],
        on_result=on_result,
        name=name,
    )


def _dump(value: Any) -> tuple[bytes | None, int]:
    """A parameter as libpq sends it: text for most values, binary for bytes."""
    if value is None:
        return None, _TEXT
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value), _BINARY
    if isinstance(value, bool):
        return (b"t" if value else b"f"), _TEXT
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise TypeError("a held-back statement needs timezone-aware datetimes")
        return value.isoformat().encode("ascii"), _TEXT
    if isinstance(value, str | int | dt.date):
        return str(value).encode("utf-8"), _TEXT
    raise TypeError(f"cannot hold back a parameter of type {type(value).__name__}")


class Connection(psycopg.Connection[Any]):
    """A psycopg connection that can hold statements back until its next message.

    Django opens a plain :class:`psycopg.Connection`; the database backend turns it into this
    class (:func:`adopt`), which only adds state of its own.
    """

    _held: list[Statement]
    _prepared_names: set[bytes]

    def defer(self, statement: Statement) -> bool:
        """Hold ``statement`` back until the next message; False if it must be sent now."""
        if (
            self.pgconn.transaction_status != _INTRANS
            or getattr(self, "_pipeline", None) is not None  # psycopg's own pipeline is open
        ):
            return False
        self._held.append(statement)
        return True

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def send_held(self) -> None:
        """Send what is held back now, on a round trip of its own."""
        if self._held:
            with self.lock:
                self._send_held(commit=False)

    # --- psycopg's entry points -------------------------------------------------------------
    def wait(self, gen: Any, *args: Any, **kwargs: Any) -> Any:
        # Every exchange with the server goes through here: what is held back goes first.
        if self._held:
            if self.pgconn.transaction_status == _INERROR:
                self._discard()  # the transaction failed already; only a rollback can follow
            else:
                self._send_held(commit=False)
        return super().wait(gen, *args, **kwargs)

    def commit(self) -> None:
        if self._held and self.pgconn.transaction_status == _INTRANS:
            with self.lock:
                self._send_held(commit=True)
            return
        super().commit()

    def rollback(self) -> None:
        self._discard()
        super().rollback()

    def close(self) -> None:
        self._discard()
        super().close()

    def _deallocate(self, name: bytes | None) -> Any:
        # psycopg drops every prepared statement of the session (DEALLOCATE ALL) after a
        # rollback, or a DROP or ALTER, when it prepared some of its own: ours go too.
        if name is None:
            self._prepared_names.clear()
        return super()._deallocate(name)

    # --- the exchange -----------------------------------------------------------------------
    def _discard(self) -> None:
        held, self._held = self._held, []
        for statement in held:
            statement.on_result(None)

    def _send_held(self, *, commit: bool) -> None:
        held, self._held = self._held, []
        pgconn = self.pgconn
        # What each result answers: a statement, the name of one prepared, or COMMIT (None).
        expected: list[Statement | bytes | None] = []
        pgconn.enter_pipeline_mode()
        try:
            preparing: set[bytes] = set()
            for statement in held:
                if statement.name and _CAN_TRACK_NAMES:
                    name = statement.name
                    if name not in self._prepared_names and name not in preparing:
                        pgconn.send_prepare(name, statement.sql)
                        preparing.add(name)
                        expected.append(name)
                    pgconn.send_query_prepared(name, statement.values, statement.formats)
                else:
                    pgconn.send_query_params(
                        statement.sql, statement.values, param_formats=statement.formats
                    )
                expected.append(statement)
            if commit:
                pgconn.send_query_params(b"COMMIT", None)
                expected.append(None)
            pgconn.pipeline_sync()
            results = super().wait(_exchange(pgconn))
        except BaseException:
            self._abandon()
            raise
        pgconn.exit_pipeline_mode()
        self._settle(held, expected, results)

    def _settle(
        self,
        held: list[Statement],
        expected: list[Statement | bytes | None],
        results: list[PGresult],
    ) -> None:
        failure: psycopg.Error | None = None
        answered: set[int] = set()
        for what, result in zip(expected, results, strict=True):
            status = result.status
            if status == _FATAL_ERROR and failure is None:
                failure = errors.error_from_result(result, encoding="utf-8")
            if isinstance(what, bytes):
                if status == _COMMAND_OK:
                    self._prepared_names.add(what)
            elif isinstance(what, Statement) and status in (_TUPLES_OK, _COMMAND_OK):
                answered.add(id(what))
                value = result.get_value(0, 0) if result.ntuples and result.nfields else None
                what.on_result(value)
        for statement in held:
            if id(statement) not in answered:
                statement.on_result(None)
        if failure is not None:
            raise failure

    def _abandon(self) -> None:
        """An exchange broke off half-way (a lost connection, an interrupt): the protocol
        state is unknown, so the connection is closed and Django opens a new one."""
        with contextlib.suppress(psycopg.Error):
            self.pgconn.exit_pipeline_mode()
        super().close()


def _exchange(pgconn: Any) -> Any:
    """Send the pipeline and collect one result per statement, up to the sync point."""
    yield from generators.send(pgconn)
    results: list[PGresult] = []
    while True:
        result = yield from generators.fetch(pgconn)
        if result is None:  # the end of one statement's results
            continue
        if result.status == _PIPELINE_SYNC:
            return results
        results.append(result)


def adopt(connection: psycopg.Connection[Any]) -> Connection:
    """Turn a freshly opened psycopg connection into a :class:`Connection`."""
    connection.__class__ = Connection
    adopted: Connection = connection  # type: ignore[assignment]
    adopted._held = []
    adopted._prepared_names = set()
    return adopted
