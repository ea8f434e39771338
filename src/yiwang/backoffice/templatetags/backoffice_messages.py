"""How many of the logged-in member of staff's messages are unread, for the navigation's count.

The count comes from the notifications selector scoped to the account, so it never counts
anyone else's messages.
"""

from __future__ import annotations

from typing import Any

from django import template

from yiwang.notifications import selectors

register = template.Library()


@register.simple_tag
def unread_messages(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return selectors.unread_count(actor=user)
