"""Telling people what happened: inbox messages always, e-mail and SMS when an address is known.

:func:`notify` runs inside the transaction of the change it reports (a transactional outbox):
the messages exist exactly when the change does, and are never lost between a commit and a
crash. Delivery by e-mail and SMS happens after the commit in a background task, with bounded
retries; a periodic sweep picks up anything whose enqueue was lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from yiwang.notifications.models import InboxMessage, Notification

__all__ = ["deliver", "mark_read", "notify"]


def notify(
    *,
    event: str,
    application: Any = None,
    accounts: Iterable[Any] | None = None,
    context: Mapping[str, Any] | None = None,
    discriminator: str = "",
    language: str | None = None,
) -> list[Notification]:
    """Create the messages of one event, once: inbox, and e-mail/SMS where an address is known.

    Without ``accounts`` the recipients are the applicant's side of ``application`` (the person's
    account and the submitting account), written in the application's language; with
    ``accounts`` (staff events) those accounts, in the site's language unless ``language`` says
    otherwise. ``discriminator`` tells apart two occurrences of the same event for the same
    application (the case or correction id): together they make the idempotency key, so calling
    this twice for the same occurrence creates nothing new. Must be called inside a transaction;
    delivery is enqueued on commit.
    """
    raise NotImplementedError


def deliver(notification_id: int) -> str:
    """Send one pending e-mail or SMS now (the background task calls this); return its status.

    Locks the row and sends only while it is pending and due, so a second run or a second worker
    sends nothing. A failure counts an attempt and schedules the next with backoff; after
    ``MAX_ATTEMPTS`` the notification is marked failed.
    """
    raise NotImplementedError


def mark_read(*, actor: Any, message: InboxMessage) -> InboxMessage:
    """Mark an inbox message read (only its recipient may)."""
    raise NotImplementedError
