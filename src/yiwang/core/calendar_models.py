"""Stored holidays and make-up working days, keyed by region code.

Core keeps the region *code* only: it must not depend on identity, and a calendar may be loaded
before the region tree exists. The application that knows the tree passes the chain of codes to
:func:`yiwang.core.calendar.calendar_for`.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yiwang.core.calendar import DayKind


class CalendarYear(models.Model):
    """One loaded calendar file: a region's holidays and make-up days for one year."""

    region_code = models.CharField(_("region code"), max_length=32)
    year = models.PositiveSmallIntegerField(_("year"))
    content_hash = models.CharField(max_length=64)
    source = models.CharField(_("source file"), max_length=500, blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["region_code", "year"], name="calendar_year_unique"),
        ]
        ordering: ClassVar = ["region_code", "year"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"


class CalendarDay(models.Model):
    """A date that is not what its weekday says: a holiday, or a make-up working day (调休)."""

    region_code = models.CharField(_("region code"), max_length=32)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["region_code", "date"], name="calendar_day_unique"),
        ]
        ordering: ClassVar = ["region_code", "date"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.date} {self.kind}"

    @property
    def name(self) -> str:
        lang = (get_language() or "zh-hans").lower()
        return self.name_en if lang.startswith("en") and self.name_en else self.name_zh
