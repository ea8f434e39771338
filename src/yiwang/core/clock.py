"""The platform's notion of now; one place to freeze it in tests."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def day_bounds(
    since: dt.date | None, until: dt.date | None
) -> tuple[datetime | None, datetime | None]:
    """The moments a span of whole days (both inclusive, in the platform's time zone) runs
    from and up to (exclusive); None for an open end.

    The first and last days a calendar has bound nothing: their edges cannot be written as a
    moment in every time zone, so they leave that end open.
    """
    zone = timezone.get_current_timezone()
    start = end = None
    if since is not None and since > dt.date.min:
        start = datetime.combine(since, dt.time.min, tzinfo=zone)
    if until is not None and until < dt.date.max:
        end = datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end
