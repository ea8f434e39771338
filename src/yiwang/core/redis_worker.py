"""The worker for the Redis task queue (``YIWANG_TASKS_BACKEND=rq``), behind ``yiwang worker``.

RQ keeps the queue in Redis; django-tasks-rq stores each task as an RQ job of its own job class,
so the worker must use that class. Workers on any number of machines may take from the same
queues: Redis hands each job to one of them. Every worker also runs RQ's scheduler, which moves
deferred jobs (a notification's retry after a back-off) into the queue when they are due; RQ
keeps one such scheduler active per queue, whatever the number of workers.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections
from rq.worker import Worker


class TaskWorker(Worker):
    """RQ's worker: each job runs in a child process forked for it, which exits when it is done.

    The child closes its database connections before it exits, so the database sees a clean
    disconnect rather than a dropped socket after every job.
    """

    def perform_job(self, *args: Any, **kwargs: Any) -> bool:
        try:
            return bool(super().perform_job(*args, **kwargs))
        finally:
            connections.close_all()


# The class the worker is made of (tests that share an in-memory database run jobs in-process).
WORKER_CLASS: type[Worker] = TaskWorker


def queue_names(spec: str) -> list[str]:
    """The Redis queues named in ``spec`` (comma-separated), or every configured one for ``*``.

    Raises ``ValueError`` naming the unknown queues and the configured ones.
    """
    configured = list(settings.RQ_QUEUES)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    if not names or "*" in names:
        return configured
    unknown = [name for name in names if name not in configured]
    if unknown:
        raise ValueError(
            f"no Redis queue named {', '.join(unknown)}; the queues are {', '.join(configured)}"
        )
    return names


def connect(names: list[str]) -> Worker:
    """A worker for these queues, once Redis has answered.

    Raises ``redis.exceptions.RedisError`` when Redis does not answer.
    """
    import django_rq
    from django_tasks_rq import Job

    worker = django_rq.get_worker(*names, job_class=Job, worker_class=WORKER_CLASS)
    worker.connection.ping()
    return worker


def work(worker: Worker, *, burst: bool = False) -> bool:
    """Take jobs and run them until stopped (SIGTERM lets the job in hand finish), or with
    ``burst`` until the queues are empty. Returns whether any job ran. While Redis is away the
    worker logs it and keeps trying."""
    # The children forked for the jobs must not share this process's database connections:
    # each opens its own. (The scheduler's thread, if any, keeps its own.)
    connections.close_all()
    return bool(worker.work(burst=burst, with_scheduler=True, logging_level="INFO"))
