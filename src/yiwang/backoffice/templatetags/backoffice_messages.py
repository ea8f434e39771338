"""How many of the logged-in member of staff's messages are unread, for the navigation's count.

The count comes from the notifications selector scoped to the account, so it never counts
anyone else's messages. The inbox page counts them for its own heading; the navigation takes
that figure instead of counting again.
"""

from __future__ import annotations

from typing import Any

from django import template

from yiwang.notifications import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_messages(context: template.Context, user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    counted = context.get("unread")
    if isinstance(counted, int):  # the inbox page's own count of the same messages
        return counted
    return selectors.unread_count(actor=user)
