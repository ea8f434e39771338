"""Template helpers for the portal's service pages: ``{% load portal_tags %}``."""

from __future__ import annotations

from typing import Any

from django import template

from yiwang.portal import text

register = template.Library()


@register.filter
def tr(value: Any) -> str:
    """``{{ definition.name|tr }}``: a ``{"zh", "en"}`` text in the active language."""
    return text.pick(value)


@register.filter
def filesize(size: Any) -> str:
    """A file size in KB or MB, the way people read it."""
    try:
        value = int(size)
    except (TypeError, ValueError):
        return ""
    if value < 1024 * 1024:
        return f"{max(1, round(value / 1024))} KB"
    return f"{value / (1024 * 1024):.1f} MB"
