"""The working-day calendar: which days count towards a time limit, and how far along a case is.

Time limits (法定时限, 承诺时限) are counted in working days. A working day is Monday to Friday,
except public holidays (法定节假日), plus make-up working days (调休): weekend days on which people
work because a holiday was moved. Holidays and make-up days are data (``CalendarDay`` rows, loaded
from a YAML file per region and year with ``yiwang calendar load``).

Regions inherit from their ancestors: a district sees the nation's and its province's days, and a
more specific region's entry for a date wins. Core does not know the region tree, so the caller
passes the chain of region codes, most specific first (``["district", "city", ..., "CN"]``).

Counting rules (the same everywhere; ``docs/services.md`` repeats them for authors):

* **Day 0 is the day of acceptance.** Counting starts on the working day *after* acceptance, so a
  case accepted on Friday with a limit of 1 working day is due on Monday (if Monday is a working
  day). A limit of 0 means due on the day of acceptance (即办).
* ``working_days_between(a, b)`` counts the working days ``d`` with ``a < d <= b``.
* A pause ``(start, end)`` (a 补正 request, for example) stops the clock: the working days ``d``
  with ``start < d <= end`` do not count. The day the pause starts counts, the day the person
  answers does not — counting resumes the working day after, exactly as after acceptance. A pause
  whose end is ``None`` is still running.
* ``deadline_state``: *overdue* when more working days have passed than were allowed, *warning*
  from 80 % of the allowed days up to and including the due day, *on time* before that.

Everything here except :func:`calendar_for` is a pure function over dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The share of the allowed working days after which a case is shown as at risk.
WARNING_NUMERATOR, WARNING_DENOMINATOR = 4, 5  # 80 %, kept as integers so 80 % is exact

DateLike = dt.date | dt.datetime
Pause = tuple[DateLike, DateLike | None]


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day")


class DeadlineState(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    WARNING = "warning", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


@dataclass(frozen=True)
class WorkingCalendar:
    """The holidays and make-up working days that apply in one region (after inheritance)."""

    holidays: frozenset[dt.date] = frozenset()
    makeup_workdays: frozenset[dt.date] = frozenset()

    @classmethod
    def from_chain(
        cls, entries_by_region: Sequence[Iterable[tuple[dt.date, str]]]
    ) -> WorkingCalendar:
        """Merge ``(date, kind)`` entries of each region, most specific region first.

        The first region that mentions a date decides it, so a district can declare a local
        holiday, or turn a national holiday into a working day with a make-up entry.
        """
        decided: dict[dt.date, str] = {}
        for entries in entries_by_region:
            for day, kind in entries:
                decided.setdefault(day, kind)
        return cls(
            holidays=frozenset(d for d, k in decided.items() if k == DayKind.HOLIDAY),
            makeup_workdays=frozenset(d for d, k in decided.items() if k == DayKind.MAKEUP_WORKDAY),
        )


WEEKENDS_ONLY = WorkingCalendar()


def as_local_date(value: DateLike) -> dt.date:
    """A date stays itself; an aware datetime becomes the date in the platform's time zone."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            return timezone.localdate(value)
        return value.date()
    return value


def is_working_day(day: DateLike, calendar: WorkingCalendar) -> bool:
    day = as_local_date(day)
    if day in calendar.makeup_workdays:
        return True
    if day in calendar.holidays:
        return False
    return day.weekday() < 5  # Monday=0 ... Friday=4


def _paused(day: dt.date, pauses: Sequence[tuple[dt.date, dt.date | None]]) -> bool:
    return any(start < day and (end is None or day <= end) for start, end in pauses)


def _normalise_pauses(pauses: Iterable[Pause]) -> list[tuple[dt.date, dt.date | None]]:
    out = []
    for start, end in pauses:
        s = as_local_date(start)
        e = as_local_date(end) if end is not None else None
        if e is not None and e < s:
            raise ValueError(f"a pause cannot end ({e}) before it starts ({s})")
        out.append((s, e))
    return out


def add_working_days(start: DateLike, n: int, calendar: WorkingCalendar) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself when ``n`` is 0)."""
    return due_date(start, n, calendar)


def due_date(
    accepted: DateLike, n: int, calendar: WorkingCalendar, pauses: Iterable[Pause] = ()
) -> dt.date:
    """The day on which the ``n``-th counted working day falls, paused days not counted.

    Without pauses this is :func:`add_working_days`; with them it is the due date pushed back by
    the working days the clock stood still, which is what a person and a clerk should see.
    """
    if n < 0:
        raise ValueError("a number of working days cannot be negative")
    day = as_local_date(accepted)
    paused = _normalise_pauses(pauses)
    if any(end is None for _start, end in paused):
        raise ValueError("the due date is not known while the clock is paused")
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day, calendar) and not _paused(day, paused):
            counted += 1
    return day


def working_days_between(
    a: DateLike, b: DateLike, calendar: WorkingCalendar, pauses: Iterable[Pause] = ()
) -> int:
    """Working days ``d`` with ``a < d <= b`` that are not inside a pause; 0 when ``b <= a``."""
    start, end = as_local_date(a), as_local_date(b)
    paused = _normalise_pauses(pauses)
    count = 0
    day = start + dt.timedelta(days=1)
    while day <= end:
        if is_working_day(day, calendar) and not _paused(day, paused):
            count += 1
        day += dt.timedelta(days=1)
    return count


def deadline_state(
    accepted_at: DateLike,
    due: DateLike,
    now: DateLike,
    paused: Iterable[Pause] = (),
    *,
    calendar: WorkingCalendar,
) -> DeadlineState:
    """On time, warning (from 80 % of the allowed working days) or overdue.

    ``due`` is the due date set at acceptance (``add_working_days(accepted, limit)``); the
    pauses are not in it, because paused working days are simply not counted as used.
    """
    allowed = working_days_between(accepted_at, due, calendar)
    used = working_days_between(accepted_at, now, calendar, paused)
    if used > allowed:
        return DeadlineState.OVERDUE
    if used * WARNING_DENOMINATOR >= allowed * WARNING_NUMERATOR:
        return DeadlineState.WARNING
    return DeadlineState.ON_TIME


def calendar_for(region_chain: Sequence[str]) -> WorkingCalendar:
    """The calendar for a region, given its code and its ancestors' codes, most specific first."""
    from yiwang.core.calendar_models import CalendarDay

    codes = [c for c in dict.fromkeys(region_chain) if c]
    rows = CalendarDay.objects.filter(region_code__in=codes).values_list(
        "region_code", "date", "kind"
    )
    by_region: dict[str, list[tuple[dt.date, str]]] = {code: [] for code in codes}
    for region_code, day, kind in rows:
        by_region[region_code].append((day, kind))
    return WorkingCalendar.from_chain([by_region[code] for code in codes])


def calendar_years(region_chain: Sequence[str]) -> dict[str, list[int]]:
    """Which years have been loaded for each region of the chain (to warn about gaps)."""
    from yiwang.core.calendar_models import CalendarYear

    out: dict[str, list[int]] = {code: [] for code in region_chain}
    for code, year in (
        CalendarYear.objects.filter(region_code__in=list(region_chain))
        .order_by("year")
        .values_list("region_code", "year")
    ):
        out[code].append(year)
    return out
