"""Background work of the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task
from django_tasks.base import Task

from yiwang.audit import runs, search_index, services
from yiwang.audit.actors import system_actor


@task()
def seal_audit_log() -> int | None:
    """Seal whatever is unsealed, then add it to the auditors' search index. Idempotent: a
    retry or a second worker finds nothing to do (sealers take turns on a lock, every event is
    sealed once and every checkpoint indexed once). Returns the new tree size."""
    checkpoint = services.seal(actor=system_actor("scheduler"))
    search_index.index_sealed()
    return checkpoint.tree_size if checkpoint is not None else None


@task()
def verify_audit_log(run_id: int) -> bool | None:
    """Verify the whole log for a run asked for in the back office; whether it is intact."""
    return runs.run_verification(run_id)


@task()
def verify_audit_log_on_schedule() -> bool | None:
    """The scheduler's verification of the whole log; whether it is intact (None when another
    run is already waiting or running). A problem found is sent to the auditors."""
    return runs.scheduled_verification()


# What the scheduler should enqueue, and how often (seconds).
PERIODIC: list[tuple[Task[..., Any], int]] = [
    (seal_audit_log, settings.YIWANG_AUDIT_SEAL_INTERVAL_SECONDS)
]
if settings.YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS > 0:
    PERIODIC.append((verify_audit_log_on_schedule, settings.YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS))
# When a task last ran, for the scheduler: it counts the next run from there when it starts.
LAST_RUN = {verify_audit_log_on_schedule: runs.last_requested_at}
