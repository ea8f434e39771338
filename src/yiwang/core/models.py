"""Base models shared by every domain app. No domain code lives here."""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


# The working-day calendar's tables live in their own module; importing them here registers them.
from yiwang.core.calendar_models import CalendarDay, CalendarYear  # noqa: E402

__all__ = ["CalendarDay", "CalendarYear", "TimeStampedModel"]
