"""Background work of the workflow: keeping deadline states current."""

from __future__ import annotations

from django_tasks import task

from yiwang.applications import deadlines


@task()
def update_deadlines() -> dict[str, int]:
    """Move cases from on time to due soon to overdue as the working days pass, and tell the
    owning department's team leads once per change.

    Idempotent: a second run finds nothing to change, and each team lead's message has a key of
    its own, so a run that overlaps another sends nothing twice.
    """
    return deadlines.update_deadline_states()


# What the scheduler should enqueue, and how often (seconds).
PERIODIC = [(update_deadlines, 300)]
