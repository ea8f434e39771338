"""With ``YIWANG_TASKS_BACKEND=rq`` the delivery of a submission's messages is queued in Redis once
the submission commits, and ``yiwang worker`` takes it from there and sends them: in the test's
own process, and as a process of its own the way a site runs it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import django_rq
import pytest
from django.core import mail
from django.db import connection
from rq.worker import SimpleWorker
from typer.testing import CliRunner

from yiwang.applications.tests import conftest as workflow
from yiwang.cli import app
from yiwang.core import redis_worker
from yiwang.notifications.constants import Channel, NotificationStatus
from yiwang.notifications.models import Notification

# The workflow's test world: a published shop licence service, and a citizen who applies for it.
_media = workflow._media
_english = workflow._english
world = workflow.world
citizen = workflow.citizen
submitted_shop = workflow.submitted_shop


@pytest.fixture
def worker_in_this_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The SQLite test database lives in this process's memory, so jobs must run here rather than
    # in forked children; and RQ's signal handlers must not outlive the test.
    monkeypatch.setattr(redis_worker, "WORKER_CLASS", SimpleWorker)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def _queued() -> int:
    return int(django_rq.get_queue("default").count)


def _messages_waiting(application: Any) -> Any:
    return Notification.objects.filter(
        application=application, channel__in=[Channel.EMAIL, Channel.SMS]
    ).exclude(status=NotificationStatus.SENT)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_redis_worker_sends_a_submissions_messages_then_exits_in_burst_mode(
    redis_queue: str, worker_in_this_process: None, submitted_shop: Any, citizen: Any
) -> None:
    application = submitted_shop()
    assert _messages_waiting(application).count() == 2  # e-mail and text message
    assert _queued() == 1  # one delivery job, told to Redis after the commit

    result = CliRunner().invoke(app, ["worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert not _messages_waiting(application).exists()
    assert [message.to for message in mail.outbox] == [[citizen.person.email]]
    assert _queued() == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_a_redis_worker_process_delivers_what_the_web_side_committed(
    redis_queue: str, submitted_shop: Any
) -> None:
    application = submitted_shop()
    assert _queued() == 1

    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    env = {
        **os.environ,
        "YIWANG_DATABASE_URL": (
            f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}"
        ),
        "YIWANG_TASKS_BACKEND": "rq",
        "YIWANG_REDIS_URL": redis_queue,
        "YIWANG_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    worker = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    output = worker.stdout + worker.stderr
    assert worker.returncode == 0, output
    assert not _messages_waiting(application).exists(), output
    email = Notification.objects.get(application=application, channel=Channel.EMAIL)
    assert f"To: {email.address}" in output  # the console e-mail backend wrote it
    assert _queued() == 0


@pytest.fixture
def rq_backend(settings: Any) -> Any:
    """The rq task backend, for what the worker checks before it talks to Redis."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # nothing listens there
    return settings


def test_the_redis_worker_says_so_when_redis_does_not_answer(rq_backend: Any) -> None:
    result = CliRunner().invoke(app, ["worker", "--burst"])

    assert result.exit_code == 1
    assert "Redis does not answer at YIWANG_REDIS_URL" in result.output


def test_the_redis_worker_refuses_a_queue_that_is_not_configured(rq_backend: Any) -> None:
    result = CliRunner().invoke(app, ["worker", "--queues", "default,bulk"])

    assert result.exit_code == 2
    assert "no Redis queue named bulk; the queues are default" in result.output


class _AlwaysLeader:
    def acquire(self) -> bool:
        return True

    def still_held(self) -> bool:
        return True

    def release(self) -> None:
        pass


def test_the_scheduler_tries_again_soon_while_redis_does_not_answer(
    rq_backend: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from yiwang.audit.tasks import seal_audit_log
    from yiwang.core import scheduler

    seal = scheduler.Periodic(task=seal_audit_log, interval=3600)
    running = scheduler.Scheduler([seal], lock=_AlwaysLeader(), clock=lambda: 1000.0)

    with caplog.at_level("ERROR", logger="yiwang.scheduler"):
        enqueued = running.enqueue_due()  # does not raise: a scheduler thread would die of it

    assert enqueued == []
    assert seal.next_due == 1000.0 + scheduler.RETRY_SECONDS
    assert f"could not enqueue {seal.name}" in caplog.text
