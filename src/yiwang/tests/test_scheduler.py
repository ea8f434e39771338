"""The scheduler enqueues periodic tasks on time, never piles them up, and only one is active."""

from __future__ import annotations

import datetime as dt
import importlib.machinery
import logging
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from yiwang.audit.runs import last_requested_at
from yiwang.core import clock
from yiwang.core import scheduler as sched


@task()
def tick() -> None:
    """A periodic task for these tests."""


@task()
def tock() -> None:
    """Another periodic task for these tests."""


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    # Between turns the scheduler drops stale connections, which inside a test's transaction
    # would drop the test's own connection.
    monkeypatch.setattr(sched, "close_old_connections", lambda: None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class AlwaysLeader:
    def acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


def _queued(t: Any) -> int:
    return DBTaskResult.objects.filter(task_path=t.module_path).count()


def _finish_all() -> None:
    DBTaskResult.objects.update(status="SUCCESSFUL")


def _scheduler(clock: FakeClock, lock: Any = None) -> sched.Scheduler:
    periodic = [sched.Periodic(task=tick, interval=60), sched.Periodic(task=tock, interval=300)]
    return sched.Scheduler(periodic, lock=lock or AlwaysLeader(), clock=clock)


@pytest.mark.django_db
def test_each_task_is_enqueued_at_start_and_then_on_its_interval() -> None:
    clock = FakeClock()
    scheduler = _scheduler(clock)
    wait = scheduler.step()
    assert (_queued(tick), _queued(tock)) == (1, 1)
    assert wait == pytest.approx(sched.STANDBY_SECONDS)
    _finish_all()

    clock.now += 59
    scheduler.step()
    assert (_queued(tick), _queued(tock)) == (1, 1)

    clock.now += 1
    scheduler.step()
    assert (_queued(tick), _queued(tock)) == (2, 1)
    _finish_all()

    clock.now += 240
    scheduler.step()
    assert (_queued(tick), _queued(tock)) == (3, 2)


@pytest.mark.django_db
def test_a_task_still_waiting_for_a_worker_is_not_enqueued_again() -> None:
    clock = FakeClock()
    scheduler = _scheduler(clock)
    scheduler.step()
    for _ in range(5):  # no worker runs for five intervals
        clock.now += 60
        scheduler.step()
    assert _queued(tick) == 1
    _finish_all()
    clock.now += 60
    scheduler.step()
    assert _queued(tick) == 2


@pytest.mark.django_db
def test_only_one_scheduler_holds_the_file_lock(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "scheduler.lock"
    first = _scheduler(clock, sched.FileLeaderLock(path))
    second = _scheduler(clock, sched.FileLeaderLock(path))
    first.step()
    assert second.step() == sched.STANDBY_SECONDS
    assert (first.leader, second.leader) == (True, False)
    assert _queued(tick) == 1
    first.lock.release()
    second.step()
    assert second.leader
    second.lock.release()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_one_scheduler_holds_the_postgres_advisory_lock() -> None:
    first, second = sched.PostgresLeaderLock(), sched.PostgresLeaderLock()
    try:
        assert first.acquire()
        assert first.still_held()
        assert not second.acquire()
        first.release()
        assert not first.still_held()
        assert second.acquire()
    finally:
        first.release()
        second.release()


@pytest.mark.django_db
def test_the_lock_matches_the_database() -> None:
    lock = sched.leader_lock()
    expected = (
        sched.PostgresLeaderLock if connection.vendor == "postgresql" else sched.FileLeaderLock
    )
    assert isinstance(lock, expected)


def test_periodic_tasks_are_collected_from_each_apps_tasks_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("yiwang.demo.tasks")
    module.__spec__ = importlib.machinery.ModuleSpec("yiwang.demo.tasks", None)
    module.PERIODIC = [(tick, 30), (tock, 90)]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "yiwang.demo.tasks", module)
    found = {entry.name: entry.interval for entry in sched.collect_periodic()}
    assert found[tick.module_path] == 30.0
    assert found[tock.module_path] == 90.0


def test_a_non_positive_interval_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("yiwang.demo.tasks")
    module.__spec__ = importlib.machinery.ModuleSpec("yiwang.demo.tasks", None)
    module.PERIODIC = [(tick, 0)]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "yiwang.demo.tasks", module)
    with pytest.raises(ValueError, match="must be positive"):
        sched.collect_periodic()


def _verification_requested(ago: dt.timedelta) -> None:
    from yiwang.audit.models import VerificationRun

    VerificationRun.objects.create(requested_at=clock.now() - ago, requester_label="")


@pytest.mark.django_db
def test_a_restart_does_not_repeat_a_recent_verification_early() -> None:
    _verification_requested(dt.timedelta(hours=1))
    fake = FakeClock()
    verify = sched.Periodic(task=tock, interval=86400, last_run=last_requested_at)
    scheduler = sched.Scheduler(
        [sched.Periodic(task=tick, interval=60), verify], lock=AlwaysLeader(), clock=fake
    )
    scheduler.step()
    # The short task runs at once; the verification an interval after the last one.
    assert (_queued(tick), _queued(tock)) == (1, 0)
    _finish_all()
    fake.now += 22 * 3600
    scheduler.step()
    assert _queued(tock) == 0
    fake.now += 3600
    scheduler.step()
    assert _queued(tock) == 1


@pytest.mark.django_db
def test_a_verification_never_run_or_overdue_runs_at_start() -> None:
    fake = FakeClock()
    verify = sched.Periodic(task=tock, interval=86400, last_run=last_requested_at)
    sched.Scheduler([verify], lock=AlwaysLeader(), clock=fake).step()
    assert _queued(tock) == 1  # none on record
    _finish_all()
    _verification_requested(dt.timedelta(days=3))
    sched.Scheduler([verify], lock=AlwaysLeader(), clock=fake).step()
    assert _queued(tock) == 2  # the last one is more than an interval ago


@pytest.mark.django_db
def test_the_audit_verification_is_scheduled_from_its_last_run() -> None:
    found = {entry.name: entry for entry in sched.collect_periodic()}
    verify = found["yiwang.audit.tasks.verify_audit_log_on_schedule"]
    assert verify.last_run is last_requested_at
    assert found["yiwang.audit.tasks.seal_audit_log"].last_run is None
    assert verify.last_run() is None
    _verification_requested(dt.timedelta(minutes=5))
    assert verify.last_run() is not None


@pytest.mark.django_db
def test_a_standby_scheduler_says_once_that_it_stands_by(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeClock()
    path = tmp_path / "scheduler.lock"
    active = _scheduler(fake, sched.FileLeaderLock(path))
    standby = _scheduler(fake, sched.FileLeaderLock(path))
    active.step()
    with caplog.at_level(logging.INFO, logger="yiwang.scheduler"):
        for _ in range(3):
            assert standby.step() == sched.STANDBY_SECONDS
    assert [r.getMessage() for r in caplog.records].count(
        "another scheduler is active; this one stands by and takes over when it stops"
    ) == 1
    active.lock.release()
    standby.step()
    assert standby.leader
    standby.lock.release()
