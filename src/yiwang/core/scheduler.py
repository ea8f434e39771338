"""Enqueue each app's periodic tasks on their intervals.

An app declares its periodic work in its ``tasks`` module as ``PERIODIC``, a list of
``(task, interval_seconds)``. The scheduler only *enqueues*: workers run the tasks, and however
many workers there are, each enqueued task runs once.

Exactly one scheduler is active per database. Every scheduler first takes a leader lock (a
PostgreSQL advisory lock held on its own connection, or with SQLite an exclusive ``flock`` on a
file in the data directory, which every process of a SQLite site shares); one that cannot waits
as a standby and takes over when the active one stops. So starting a scheduler too many is safe,
and a standby on a second machine gives fail-over. A task is also not enqueued again while an
earlier run of it is still waiting in the queue, so a stopped worker pool does not come back to a
pile of identical jobs. The tasks themselves are idempotent, which covers the rest (a task
enqueued just before a fail-over may run twice).

When a scheduler becomes active (at start, or taking over from another), the short tasks run at
once; a task whose last run is on record (its app's ``tasks.LAST_RUN``, such as the daily
verification of the audit log) runs an interval after that, so restarts and fail-overs do not
repeat it early.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from redis.exceptions import RedisError

from yiwang.core import clock as wall_clock

logger = logging.getLogger("yiwang.scheduler")

# How often a standby retries the leader lock, and the longest the loop sleeps at once.
STANDBY_SECONDS = 5.0
# After a failed enqueue (database away), try again this soon rather than a whole interval later.
RETRY_SECONDS = 10.0
# What a queue that is away raises: the database, or Redis with YIWANG_TASKS_BACKEND=rq.
QUEUE_AWAY = (DatabaseError, RedisError)


@dataclass
class Periodic:
    task: Any  # django_tasks.Task
    interval: float
    next_due: float = 0.0
    # When the task last ran, if that can be known; None: run it as soon as a scheduler starts.
    last_run: Callable[[], datetime | None] | None = None

    @property
    def name(self) -> str:
        return str(self.task.module_path)


def collect_periodic() -> list[Periodic]:
    """Every ``PERIODIC`` entry of every yiwang app's ``tasks`` module, in app order.

    An app without a ``tasks`` module is fine; one whose module fails to import is an error, not
    something to skip quietly.
    """
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("yiwang."):
            continue
        module_name = f"{config.name}.tasks"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        # A module may say, in LAST_RUN (task -> function), when a task of its last ran.
        last_runs = getattr(module, "LAST_RUN", {})
        for task, interval in getattr(module, "PERIODIC", ()):
            if interval <= 0:
                raise ValueError(f"{module_name}.PERIODIC: interval of {task} must be positive")
            found.append(
                Periodic(task=task, interval=float(interval), last_run=last_runs.get(task))
            )
    return found


class LeaderLock(Protocol):
    def acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class FileLeaderLock:
    """An exclusive ``flock`` on a file; the kernel drops it when the process ends."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        import fcntl

        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


class PostgresLeaderLock:
    """A session-level advisory lock on a connection of its own.

    The lock lives exactly as long as that connection: if the scheduler dies or loses the
    database, PostgreSQL releases it and a standby takes over.
    """

    KEY = int.from_bytes(hashlib.sha256(b"yiwang.scheduler").digest()[:8], "big", signed=True)

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._conn: Any = None

    def _connect(self) -> Any:
        # A connection outside Django's per-thread registry, so nothing else closes it.
        conn = connections.create_connection(self.alias)
        conn.ensure_connection()
        conn.set_autocommit(True)
        return conn

    def acquire(self) -> bool:
        try:
            if self._conn is None:
                self._conn = self._connect()
            with self._conn.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [self.KEY])
                got = bool(cursor.fetchone()[0])
        except DatabaseError:
            self._drop()
            return False
        if not got:
            self._drop()
        return got

    def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted"
                )
                return bool(cursor.fetchone()[0])
        except DatabaseError:
            self._drop()
            return False

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(DatabaseError):
                self._conn.close()
            self._conn = None

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(DatabaseError), self._conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [self.KEY])
            self._drop()


def leader_lock() -> LeaderLock:
    if connections["default"].vendor == "postgresql":
        return PostgresLeaderLock()
    return FileLeaderLock(Path(settings.DATA_DIR) / "scheduler.lock")


def _waiting(task: Any) -> bool:
    """True when a run of ``task`` is enqueued and not yet picked up by a worker."""
    from django_tasks_db.backend import DatabaseBackend

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False  # other backends cannot be asked; the task's idempotence covers it
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=task.module_path, backend_name=backend.alias, status="READY"
    ).exists()


class Scheduler:
    def __init__(
        self,
        periodic: list[Periodic],
        *,
        lock: LeaderLock,
        clock: Callable[[], float] = time.monotonic,
        stop: threading.Event | None = None,
    ) -> None:
        self.periodic = periodic
        self.lock = lock
        self.clock = clock
        self.stop = stop or threading.Event()
        self.leader = False
        self.standing_by = False  # said once in the log, not on every retry

    def enqueue_due(self) -> list[str]:
        """Enqueue every task whose time has come; return the names enqueued."""
        now = self.clock()
        enqueued = []
        for entry in self.periodic:
            if entry.next_due > now:
                continue
            try:
                if _waiting(entry.task):
                    logger.info("%s is still waiting for a worker; not enqueued again", entry.name)
                else:
                    entry.task.enqueue()
                    enqueued.append(entry.name)
                    logger.info("enqueued %s", entry.name)
            except QUEUE_AWAY as exc:
                logger.error("could not enqueue %s: %s", entry.name, exc)
                entry.next_due = now + min(entry.interval, RETRY_SECONDS)
                continue
            entry.next_due = now + entry.interval
        return enqueued

    def _wait_after_last_run(self, entry: Periodic) -> float:
        """Seconds until ``entry`` is due on becoming active: an interval after its last run
        when that is on record, else none."""
        if entry.last_run is None:
            return 0.0
        try:
            last = entry.last_run()
        except DatabaseError as exc:
            logger.error("could not tell when %s last ran: %s", entry.name, exc)
            return 0.0
        if last is None:
            return 0.0
        since = (wall_clock.now() - last).total_seconds()
        wait = min(entry.interval, entry.interval - since)
        if wait > 0:
            logger.info("%s last ran %.0f s ago; next in %.0f s", entry.name, since, wait)
        return max(0.0, wait)

    def step(self) -> float:
        """One turn of the loop; returns how long to wait before the next."""
        if not self.leader:
            if not self.lock.acquire():
                if not self.standing_by:
                    self.standing_by = True
                    logger.info(
                        "another scheduler is active; this one stands by and takes over when "
                        "it stops"
                    )
                return STANDBY_SECONDS
            self.leader = True
            self.standing_by = False
            logger.info("scheduler is active (%d periodic task(s))", len(self.periodic))
            now = self.clock()
            for entry in self.periodic:
                entry.next_due = now + self._wait_after_last_run(entry)
        elif not self.lock.still_held():
            self.leader = False
            self.standing_by = True
            logger.warning("scheduler lost its leader lock; standing by")
            return STANDBY_SECONDS
        close_old_connections()
        self.enqueue_due()
        close_old_connections()
        if not self.periodic:
            return STANDBY_SECONDS
        wait = min(entry.next_due for entry in self.periodic) - self.clock()
        return max(0.0, min(wait, STANDBY_SECONDS))

    def run(self) -> None:
        if not self.periodic:
            logger.warning("no periodic tasks are declared; the scheduler has nothing to do")
        try:
            while not self.stop.is_set():
                self.stop.wait(self.step())
        finally:
            self.lock.release()
            connections.close_all()
            logger.info("scheduler stopped")


def build() -> Scheduler:
    return Scheduler(collect_periodic(), lock=leader_lock())


def start_in_thread() -> tuple[Scheduler, threading.Thread]:
    """Run a scheduler beside a worker in the same process (small sites)."""
    scheduler = build()
    thread = threading.Thread(target=scheduler.run, name="yiwang-scheduler", daemon=True)
    thread.start()
    return scheduler, thread
