"""A sibling connection reads exactly the snapshot of the transaction it was made from."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from django.db import connection, connections, transaction

from yiwang.audit.actors import SYSTEM
from yiwang.audit.models import AuditEvent
from yiwang.audit.services import record_event
from yiwang.core.db.postgresql import snapshot


def _repeatable_read() -> Any:
    atomic = transaction.atomic()
    atomic.__enter__()
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    return atomic


def _commit_elsewhere(action: str) -> None:
    """Commit an event on another connection, as a concurrent request would."""
    failures: list[BaseException] = []

    def write() -> None:
        try:
            record_event(actor=SYSTEM, action=action)
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


@pytest.mark.postgres
def test_sibling_sees_the_snapshot_and_nothing_committed_after_it(transactional_db: Any) -> None:
    record_event(actor=SYSTEM, action="test.before")
    atomic = _repeatable_read()
    try:
        assert AuditEvent.objects.count() == 1  # the snapshot is taken here
        _commit_elsewhere("test.after")
        with snapshot.sibling(connection) as raw:
            assert raw is not None
            assert raw.info.backend_pid != connection.connection.info.backend_pid
            actions = [row[0] for row in raw.execute("SELECT action FROM audit_auditevent")]
            assert actions == ["test.before"]
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                raw.execute("CREATE TEMP TABLE scratch (n int)")
        assert raw.closed
    finally:
        atomic.__exit__(None, None, None)
    assert AuditEvent.objects.count() == 2


@pytest.mark.postgres
def test_no_sibling_outside_a_transaction(transactional_db: Any) -> None:
    assert not connection.in_atomic_block
    with snapshot.sibling(connection) as raw:
        assert raw is None
