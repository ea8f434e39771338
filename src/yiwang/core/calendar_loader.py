"""Loading calendar files (``yiwang calendar load``): all files of a run, or none of them.

A file holds one region's holidays and make-up working days for one year and replaces whatever
was loaded for that region and year before. Loading the same content again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.core.calendar import DayKind
from yiwang.core.definition_files import (
    Document,
    UnreadableFile,
    close_codes,
    collect_files,
    load_schema,
    read_yaml,
    schema_problems,
    validator_for,
)
from yiwang.core.errors import LoadError, LoadProblem

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "calendar.schema.json"
MAX_RUN_DAYS = 62  # no holiday run is longer; a longer one is almost certainly a typo in a date


@dataclass(frozen=True)
class CalendarEntry:
    date: dt.date
    kind: str
    name_zh: str
    name_en: str


@dataclass
class CalendarFile:
    file: str
    region: str
    year: int
    entries: list[CalendarEntry]

    def content_hash(self) -> str:
        canonical = json.dumps(
            {
                "region": self.region,
                "year": self.year,
                "days": [
                    [e.date.isoformat(), e.kind, e.name_zh, e.name_en]
                    for e in sorted(self.entries, key=lambda e: e.date)
                ],
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class CalendarLoadReport:
    loaded: list[tuple[str, int, int]] = field(default_factory=list)  # region, year, days
    unchanged: list[tuple[str, int]] = field(default_factory=list)


def parse_calendar(
    doc: Document, region_override: str | None = None
) -> tuple[CalendarFile | None, list[LoadProblem]]:
    """Check one parsed calendar document against the schema and the calendar's own rules."""
    data = doc.data
    if not isinstance(data, dict):
        return None, [doc.problem((), _("must be a mapping with kind, region, year and days"))]
    problems = schema_problems(validator_for(load_schema(SCHEMA_PATH)), data, doc)
    if problems:
        return None, problems
    region = region_override or data["region"]
    year = data["year"]
    entries: list[CalendarEntry] = []
    first_path: dict[dt.date, str] = {}
    for index, item in enumerate(data["days"]):
        start = dt.date.fromisoformat(item["start"])
        end = dt.date.fromisoformat(item.get("end", item["start"]))
        where: tuple[Any, ...] = ("days", index)
        if end < start:
            message = _("%(end)s is before the start, %(start)s")
            problems.append(doc.problem((*where, "end"), message % {"end": end, "start": start}))
            continue
        if (end - start).days + 1 > MAX_RUN_DAYS:
            problems.append(
                doc.problem(
                    (*where, "end"),
                    _("a run of more than %(days)d days; check the dates") % {"days": MAX_RUN_DAYS},
                )
            )
            continue
        day = start
        while day <= end:
            key = "start" if day == start else "end"
            if day.year != year:
                problems.append(
                    doc.problem(
                        (*where, key),
                        _("%(day)s is not in the year %(year)d of this file")
                        % {"day": day, "year": year},
                    )
                )
            if item["kind"] == DayKind.MAKEUP_WORKDAY and day.weekday() < 5:
                problems.append(
                    doc.problem(
                        (*where, key),
                        _(
                            "%(day)s is a weekday; a make-up working day must fall on a Saturday "
                            "or Sunday (weekdays are working days already)"
                        )
                        % {"day": day},
                    )
                )
            if day in first_path:
                message = _("%(day)s is already listed at %(first)s")
                problems.append(
                    doc.problem(where, message % {"day": day, "first": first_path[day]})
                )
            else:
                first_path[day] = f"days[{index}]"
                entries.append(
                    CalendarEntry(day, item["kind"], item["name"]["zh"], item["name"]["en"])
                )
            day += dt.timedelta(days=1)
    if problems:
        return None, problems
    return CalendarFile(doc.file, region, year, entries), []


def _unknown_region(
    calendar: CalendarFile, doc: Document, *, region_given: bool
) -> list[LoadProblem]:
    """A region code no region has, once regions are set up: a typo would otherwise load a
    calendar no deadline ever reads. Before any region exists (a calendar loaded first, on a
    fresh platform) there is nothing to check against."""
    from django.apps import apps

    region_model = apps.get_model("identity", "Region")
    codes = list(region_model.objects.values_list("code", flat=True))
    if not codes or calendar.region in codes:
        return []
    message = _("there is no region with the code %(code)s") % {"code": calendar.region}
    message += close_codes(calendar.region, codes)
    if region_given:  # --region named it, not the file
        return [LoadProblem(calendar.file, "--region", message)]
    return [doc.problem(("region",), message)]


def load_calendar_files(
    paths: Iterable[Path], *, actor: Any, region: str | None = None, dry_run: bool = False
) -> CalendarLoadReport:
    """Validate every file, then write them all in one transaction; raise :class:`LoadError`."""
    files, problems = collect_files(paths)
    parsed: list[CalendarFile] = []
    for path in files:
        try:
            doc = read_yaml(path)
        except UnreadableFile as exc:
            problems.append(exc.problem)
            continue
        calendar, found = parse_calendar(doc, region)
        problems.extend(found)
        if calendar is not None:
            problems.extend(_unknown_region(calendar, doc, region_given=region is not None))
            parsed.append(calendar)
    seen: dict[tuple[str, int], str] = {}
    for calendar in parsed:
        key = (calendar.region, calendar.year)
        if key in seen:
            problems.append(
                LoadProblem(
                    calendar.file,
                    "region",
                    _("%(region)s %(year)d is also loaded from %(file)s in this run")
                    % {"region": calendar.region, "year": calendar.year, "file": seen[key]},
                )
            )
        seen.setdefault(key, calendar.file)
    if problems:
        raise LoadError(problems)
    report = CalendarLoadReport()
    if dry_run:
        report.loaded = [(c.region, c.year, len(c.entries)) for c in parsed]
        return report
    with transaction.atomic():
        for calendar in parsed:
            if _store(calendar, actor=actor):
                report.loaded.append((calendar.region, calendar.year, len(calendar.entries)))
            else:
                report.unchanged.append((calendar.region, calendar.year))
    return report


def _store(calendar: CalendarFile, *, actor: Any) -> bool:
    from yiwang.audit.services import record_event
    from yiwang.core.calendar_models import CalendarDay, CalendarYear

    digest = calendar.content_hash()
    existing = (
        CalendarYear.objects.select_for_update()
        .filter(region_code=calendar.region, year=calendar.year)
        .first()
    )
    if existing is not None and existing.content_hash == digest:
        return False
    CalendarDay.objects.filter(region_code=calendar.region, date__year=calendar.year).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(
            region_code=calendar.region,
            date=e.date,
            kind=e.kind,
            name_zh=e.name_zh,
            name_en=e.name_en,
        )
        for e in calendar.entries
    )
    if existing is None:
        existing = CalendarYear(region_code=calendar.region, year=calendar.year)
    existing.content_hash = digest
    existing.source = Path(calendar.file).name
    existing.loaded_at = clock.now()
    existing.save()
    record_event(
        actor=actor,
        action="calendar.year_loaded",
        obj=existing,
        data={
            "region": calendar.region,
            "year": calendar.year,
            "holidays": sum(e.kind == DayKind.HOLIDAY for e in calendar.entries),
            "makeup_workdays": sum(e.kind == DayKind.MAKEUP_WORKDAY for e in calendar.entries),
            "content_hash": digest,
            "source": existing.source,
        },
    )
    return True
