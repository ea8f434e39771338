"""Verification and export outside any transaction, as the command line runs them: each opens
its own read snapshot (REPEATABLE READ on PostgreSQL, a deferred read transaction on SQLite)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from yiwang.audit import offline
from yiwang.audit.actors import SYSTEM
from yiwang.audit.export import export_log
from yiwang.audit.services import record_event, seal
from yiwang.audit.verify import verify


def test_verify_and_export_in_their_own_snapshot(transactional_db: Any, tmp_path: Path) -> None:
    for i in range(30):
        record_event(actor=SYSTEM, action="test.outside", data={"i": i})
    seal()
    record_event(actor=SYSTEM, action="test.later")
    assert not connection.in_atomic_block
    report = verify()
    assert report.ok, report.summary()
    assert (report.events, report.sealed, report.awaiting) == (31, 30, 1)
    assert not connection.in_atomic_block
    export_log(tmp_path / "export")
    assert offline.verify_export(tmp_path / "export").ok
    # The snapshot was closed: writing still works and is seen.
    record_event(actor=SYSTEM, action="test.after")
    assert verify().events == 33  # the export recorded itself too


def test_change_is_named_when_verify_reads_in_its_own_snapshot(
    transactional_db: Any, attacker: Callable[..., None]
) -> None:
    # On PostgreSQL the leaves then come from a second connection on the same snapshot.
    events = [record_event(actor=SYSTEM, action="test.outside", data={"i": i}) for i in range(9)]
    seal()
    with transaction.atomic():
        attacker(
            "UPDATE audit_leaf SET content_hash = %s WHERE event_id = %s",
            [b"\x11" * 32, events[5].pk],
        )
    assert not connection.in_atomic_block
    report = verify()
    assert report.problem is not None, report.summary()
    assert (report.problem.kind, report.problem.ref) == ("changed", str(events[5].pk))
