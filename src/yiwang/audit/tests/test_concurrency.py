"""Real concurrent transactions on PostgreSQL: ids committed out of order, and many writers while
the sealer runs. (SQLite serialises writers, so there the same cases are simulated in
test_seal.py.)"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction

from yiwang.audit.actors import SYSTEM, system_actor
from yiwang.audit.models import AuditEvent, Checkpoint, Leaf
from yiwang.audit.services import record_event, seal
from yiwang.audit.verify import verify

pytestmark = pytest.mark.postgres
WAIT = 60


def in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_event_committed_after_a_later_one_is_sealed_exactly_once(transactional_db: Any) -> None:
    inserted, release = threading.Event(), threading.Event()
    ids: dict[str, int] = {}
    errors: list[BaseException] = []

    def slow_transaction() -> None:
        with transaction.atomic():
            ids["a"] = record_event(actor=SYSTEM, action="test.slow").pk
            inserted.set()
            assert release.wait(WAIT)

    slow = in_thread(slow_transaction, errors)
    assert inserted.wait(WAIT)
    ids["b"] = record_event(actor=SYSTEM, action="test.fast").pk  # commits at once
    assert ids["b"] > ids["a"]

    first = seal()
    assert first is not None and first.tree_size == 1
    release.set()
    slow.join(WAIT)
    assert not errors
    second = seal()
    assert second is not None and second.tree_size == 2
    assert seal() is None

    sealed = list(Leaf.objects.order_by("leaf_index").values_list("event_id", flat=True))
    assert sealed == [ids["b"], ids["a"]]
    report = verify()
    assert report.ok, report.summary()
    assert (report.events, report.sealed, report.awaiting) == (2, 2, 0)


def test_many_writers_while_sealing_leave_a_log_that_verifies(transactional_db: Any) -> None:
    writers, per_writer = 8, 40
    errors: list[BaseException] = []
    done = threading.Event()
    seals = [0]

    def write(n: int) -> Callable[[], None]:
        def run() -> None:
            for i in range(per_writer):
                with transaction.atomic():
                    record_event(
                        actor=system_actor(f"writer-{n}"), action="test.write", data={"i": i}
                    )

        return run

    def keep_sealing() -> None:
        while not done.is_set():
            if seal() is not None:
                seals[0] += 1

    sealer = in_thread(keep_sealing, errors)
    threads = [in_thread(write(n), errors) for n in range(writers)]
    for thread in threads:
        thread.join(WAIT * 5)
    done.set()
    sealer.join(WAIT)
    assert not errors, errors
    seal()

    total = writers * per_writer
    assert AuditEvent.objects.count() == total
    assert Leaf.objects.count() == total
    assert Leaf.objects.values("event_id").distinct().count() == total
    report = verify()
    assert report.ok, report.summary()
    assert (report.events, report.sealed, report.awaiting) == (total, total, 0)
    assert report.checkpoints == Checkpoint.objects.count() >= 1
