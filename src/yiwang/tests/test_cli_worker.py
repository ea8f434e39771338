"""``yiwang worker --with-scheduler`` for real: the scheduler enqueues the periodic audit seal and
the worker runs it, in one process that stops cleanly on SIGTERM; ``--burst`` runs what is queued
and exits. (The Redis queue's worker is in test_redis_queue.py.)"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SEAL_TASK = "yiwang.audit.tasks.seal_audit_log"


def _yiwang(*args: str) -> list[str]:
    return [sys.executable, "-m", "yiwang.cli", *args]


def _seal_runs(database: Path) -> list[str]:
    if not database.exists():
        return []
    with sqlite3.connect(database, timeout=5) as db:
        rows = db.execute(
            "SELECT status FROM django_tasks_database_dbtaskresult WHERE task_path = ?",
            (SEAL_TASK,),
        ).fetchall()
    return [status for (status,) in rows]


def test_worker_with_scheduler_runs_the_periodic_seal(tmp_path: Path) -> None:
    # A site of its own: a fresh SQLite database in a temporary data directory.
    env = {
        **os.environ,
        "YIWANG_DATA_DIR": str(tmp_path),
        "YIWANG_DATABASE_URL": "",
        "YIWANG_TASKS_BACKEND": "database",
    }
    migrate = subprocess.run(
        _yiwang("migrate"), env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    database = tmp_path / "yiwang.sqlite3"

    worker = subprocess.Popen(
        _yiwang("worker", "--with-scheduler", "--interval", "0.2"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        runs: list[str] = []
        while time.monotonic() < deadline and worker.poll() is None:
            runs = _seal_runs(database)
            if "SUCCESSFUL" in runs:
                break
            time.sleep(0.2)
        assert runs == ["SUCCESSFUL"], f"seal runs: {runs}"
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    output = worker.stdout.read().decode(errors="replace") if worker.stdout else ""
    assert "scheduler is active" in output
    assert f"enqueued {SEAL_TASK}" in output


@pytest.mark.django_db
def test_worker_refuses_a_backend_it_cannot_run(settings: object) -> None:
    from typer.testing import CliRunner

    from yiwang.cli import app

    settings.TASKS = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }
    result = CliRunner().invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "YIWANG_TASKS_BACKEND is `immediate`, which keeps no queue for a worker" in (
        result.output
    )


@pytest.mark.django_db(transaction=True)  # the worker drops stale connections between tasks
def test_worker_in_burst_mode_runs_the_database_queue_then_exits() -> None:
    from django_tasks_db.models import DBTaskResult
    from typer.testing import CliRunner

    from yiwang.audit.tasks import seal_audit_log
    from yiwang.cli import app

    seal_audit_log.enqueue()

    result = CliRunner().invoke(app, ["worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]
