"""The roles of the member of staff looking at a page, so the navigation offers only the pages
their roles open (the views check again)."""

from __future__ import annotations

from typing import Any

from django import template

from yiwang.identity import selectors

register = template.Library()


@register.simple_tag
def staff_roles(user: Any) -> frozenset[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return selectors.staff_roles(user)
