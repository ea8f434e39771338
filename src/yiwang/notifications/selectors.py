"""Reads of a person's or clerk's messages, scoped to the actor.

``inbox_for`` returns only the actor's messages (nothing for anyone else); ``message_for`` raises
:class:`yiwang.core.errors.PermissionDenied` when the message is not the actor's or does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yiwang.notifications.models import InboxMessage

__all__ = ["inbox_for", "message_for", "unread_count"]


def inbox_for(*, actor: Any, unread_only: bool = False) -> QuerySet[InboxMessage]:
    """The actor's inbox, newest first."""
    raise NotImplementedError


def message_for(*, actor: Any, pk: int) -> InboxMessage:
    """One message of the actor's inbox."""
    raise NotImplementedError


def unread_count(*, actor: Any) -> int:
    raise NotImplementedError
