"""Deadlines: a case's due dates and the days it turns *due soon* and *overdue*."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from yiwang.core import calendar

Pause = tuple[dt.date | dt.datetime, dt.date | dt.datetime | None]


@dataclass(frozen=True)
class CaseDates:
    due_date: dt.date
    statutory_due_date: dt.date
    warning_date: dt.date
    overdue_date: dt.date


def case_dates(
    accepted: dt.date | dt.datetime,
    promised_days: int,
    statutory_days: int,
    cal: calendar.WorkingCalendar,
    pauses: Iterable[Pause] = (),
) -> CaseDates:
    """Due dates and the days the case turns *due soon* and *overdue*, pauses excluded.

    They agree with :func:`yiwang.core.calendar.deadline_state`: the case is *warning* from the
    day on which ceil(80 %) of the promised working days have been used, and *overdue* from the
    day on which one more than the promised days has been used.
    """
    closed = list(pauses)
    warn_after = -(-promised_days * calendar.WARNING_NUMERATOR // calendar.WARNING_DENOMINATOR)
    return CaseDates(
        due_date=calendar.due_date(accepted, promised_days, cal, closed),
        statutory_due_date=calendar.due_date(accepted, statutory_days, cal, closed),
        warning_date=calendar.due_date(accepted, warn_after, cal, closed),
        overdue_date=calendar.due_date(accepted, promised_days + 1, cal, closed),
    )


def deadline_state_on(dates: CaseDates, today: dt.date) -> str:
    if today >= dates.overdue_date:
        return calendar.DeadlineState.OVERDUE
    if today >= dates.warning_date:
        return calendar.DeadlineState.WARNING
    return calendar.DeadlineState.ON_TIME
