"""Background delivery of e-mails and text messages."""

from __future__ import annotations

from django_tasks import task

from yiwang.notifications import services


@task()
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Send these notifications; safe to run twice (each is sent only while pending and due)."""
    outcome: dict[str, int] = {}
    for pk in notification_ids:
        status = services.deliver(int(pk))
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


@task()
def send_due_notifications() -> dict[str, int]:
    """Send whatever is pending and due: retries, and messages whose enqueue was lost."""
    outcome: dict[str, int] = {}
    for pk in services.due_notifications():
        status = services.deliver(pk)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


# What the scheduler should enqueue, and how often (seconds).
PERIODIC = [(send_due_notifications, 60)]
