"""Reads of a person's or clerk's messages, scoped to the actor.

``inbox_for`` returns only the actor's messages (nothing for anyone else); ``message_for`` raises
:class:`yiwang.core.errors.PermissionDenied` when the message is not the actor's or does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from yiwang.core.errors import PermissionDenied
from yiwang.notifications.models import InboxMessage

__all__ = ["inbox_for", "message_for", "unread_count"]


def _account_pk(actor: Any) -> int | None:
    if isinstance(actor, get_user_model()) and actor.is_active and actor.pk is not None:
        return int(actor.pk)
    return None


def inbox_for(*, actor: Any, unread_only: bool = False) -> QuerySet[InboxMessage]:
    """The actor's inbox, newest first (nothing for anyone who is not a logged-in account)."""
    pk = _account_pk(actor)
    if pk is None:
        return InboxMessage.objects.none()
    messages = InboxMessage.objects.filter(recipient_id=pk).select_related("application")
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    return messages.order_by("-created_at", "-pk")


def message_for(*, actor: Any, pk: int) -> InboxMessage:
    """One message of the actor's inbox."""
    found = inbox_for(actor=actor).filter(pk=pk).first()
    if found is None:
        raise PermissionDenied("no such message")
    return found


def unread_count(*, actor: Any) -> int:
    return inbox_for(actor=actor, unread_only=True).count()
