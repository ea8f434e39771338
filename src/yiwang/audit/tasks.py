"""Background work of the audit log."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from yiwang.audit import runs, services
from yiwang.audit.actors import system_actor


@task()
def seal_audit_log() -> int | None:
    """Seal whatever is unsealed. Idempotent: a retry or a second worker finds nothing to do
    (sealers take turns on a lock and every event is sealed once). Returns the new tree size."""
    checkpoint = services.seal(actor=system_actor("scheduler"))
    return checkpoint.tree_size if checkpoint is not None else None


@task()
def verify_audit_log(run_id: int) -> bool | None:
    """Verify the whole log for a run asked for in the back office; whether it is intact."""
    return runs.run_verification(run_id)


# What the scheduler should enqueue, and how often (seconds).
PERIODIC = [(seal_audit_log, settings.YIWANG_AUDIT_SEAL_INTERVAL_SECONDS)]
