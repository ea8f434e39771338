"""A statement held back on a PostgreSQL connection runs in its place, with the next message."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import DataError, connection, transaction
from django.test import override_settings

from yiwang.audit.actors import SYSTEM
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import record_event
from yiwang.core.db.postgresql import deferred

committed = pytest.mark.django_db(transaction=True)


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many exchanges with the server the default connection makes."""
    count = [0]
    original = psycopg.Connection.wait

    def counting(self: Any, gen: Any, *args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return original(self, gen, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "wait", counting)
    yield count


def raw() -> deferred.Connection:
    connection.ensure_connection()
    conn = connection.connection
    assert isinstance(conn, deferred.Connection)
    return conn


def record(action: str = "test.held") -> AuditEvent:
    return record_event(actor=SYSTEM, action=action, subjects=["person:110101199003070014"])


@pytest.mark.postgres
@committed
def test_an_event_recorded_last_goes_with_the_commit_in_one_round_trip(
    round_trips: list[int],
) -> None:
    connection.set_autocommit(False)
    try:
        AuditEvent.objects.exists()  # the transaction is open on the server
        event = record()
        assert raw().holding
        assert "id" not in event.__dict__
        round_trips[0] = 0
        connection.commit()
        assert round_trips[0] == 1  # INSERT and COMMIT together
    finally:
        connection.set_autocommit(True)
    assert not raw().holding
    assert isinstance(event.pk, int)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == "test.held"
    assert stored.content_hash == event.content_hash
    assert stored.created_at == event.created_at


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_held_event_runs_before_the_next_statement_of_its_transaction() -> None:
    AuditEvent.objects.exists()  # the test's transaction is open on the server
    event = record("test.seen_by_the_next_query")
    assert raw().holding
    assert AuditEvent.objects.filter(action="test.seen_by_the_next_query").count() == 1
    assert not raw().holding
    assert AuditEvent.objects.get(action="test.seen_by_the_next_query").pk == event.pk


@pytest.mark.postgres
@pytest.mark.django_db
def test_asking_for_the_id_sends_the_event_at_once(round_trips: list[int]) -> None:
    AuditEvent.objects.exists()
    event = record()
    round_trips[0] = 0
    assert isinstance(event.pk, int)
    assert round_trips[0] == 1
    assert event.id == event.pk
    assert round_trips[0] == 1  # sent once
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
@committed
def test_a_rollback_discards_what_is_held() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        AuditEvent.objects.exists()
        event = record("test.rolled_back")
        assert raw().holding
        raise RuntimeError("the change fails")
    assert not raw().holding
    assert event.pk is None
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()


@pytest.mark.postgres
@committed
def test_an_event_in_a_rolled_back_savepoint_goes_with_it() -> None:
    with transaction.atomic():
        AuditEvent.objects.exists()
        kept = record("test.kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            record("test.undone")
            raise RuntimeError("the inner change fails")
        after = record("test.after")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"test.kept", "test.after"} <= actions
    assert "test.undone" not in actions
    assert kept.pk < after.pk


@pytest.mark.postgres
@committed
def test_a_held_statement_that_fails_fails_the_commit_and_keeps_nothing() -> None:
    answers: list[bytes | None] = []
    with pytest.raises(DataError, match="division by zero"), transaction.atomic():
        AuditEvent.objects.exists()
        event = record("test.with_a_failing_neighbour")
        assert raw().defer(deferred.bind(b"SELECT 1 / $1::int", [0], answers.append))
    assert answers == [None]
    assert event.pk is not None  # the event ran, and was rolled back with the rest
    assert not AuditEvent.objects.filter(action="test.with_a_failing_neighbour").exists()
    assert record("test.afterwards").pk  # the connection is usable again


@pytest.mark.postgres
@committed
def test_in_autocommit_mode_an_event_is_written_at_once() -> None:
    event = record("test.autocommit")
    assert not raw().holding
    assert isinstance(event.pk, int)
    with psycopg.connect(**connection.get_connection_params()) as other:
        found = other.execute(
            "SELECT action FROM audit_auditevent WHERE id = %s", [event.pk]
        ).fetchone()
    assert found == ("test.autocommit",)


@pytest.mark.postgres
@committed
def test_events_are_written_after_psycopg_drops_every_prepared_statement() -> None:
    with transaction.atomic():
        AuditEvent.objects.exists()
        record("test.first")
    assert raw()._prepared_names
    # psycopg prepares a statement run often enough, then drops them all after a rollback.
    with pytest.raises(RuntimeError), transaction.atomic():
        for _ in range(8):
            AuditEvent.objects.filter(action="test.first").exists()
        raise RuntimeError("undo")
    assert not raw()._prepared_names
    with transaction.atomic():
        AuditEvent.objects.exists()
        event = record("test.second")
    assert AuditEvent.objects.filter(pk=event.pk, action="test.second").exists()


@pytest.mark.postgres
@committed
@override_settings(YIWANG_DB_PREPARED_STATEMENTS=False)
def test_without_prepared_statements_a_held_event_is_sent_unnamed() -> None:
    with transaction.atomic():
        AuditEvent.objects.exists()
        event = record("test.unnamed")
        assert raw().holding
    assert not raw()._prepared_names
    assert AuditEvent.objects.filter(pk=event.pk, action="test.unnamed").exists()


def test_bind_sends_bytes_as_binary_and_everything_else_as_text() -> None:
    moment = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    statement = deferred.bind(
        b"SELECT $1, $2, $3, $4, $5, $6, $7",
        [None, b"\x00\x01", True, 42, "例子", moment, dt.date(2026, 11, 27)],
        lambda value: None,
    )
    assert statement.values == [
        None,
        b"\x00\x01",
        b"t",
        b"42",
        "例子".encode(),
        b"2026-11-27T08:00:00+00:00",
        b"2026-11-27",
    ]
    assert statement.formats == [0, 1, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("value", [dt.datetime(2026, 11, 27, 8, 0), 1.5, object()])
def test_bind_refuses_what_it_cannot_send_unambiguously(value: object) -> None:
    with pytest.raises(TypeError):
        deferred.bind(b"SELECT $1", [value], lambda value: None)
