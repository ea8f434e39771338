"""The working-day calendar: counting across holiday weeks and make-up days, pauses, warnings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import timezone, translation
from typer.testing import CliRunner

from yiwang.audit.actors import system_actor
from yiwang.audit.models import AuditEvent
from yiwang.core.calendar import (
    WEEKENDS_ONLY,
    DayKind,
    DeadlineState,
    WorkingCalendar,
    add_working_days,
    calendar_for,
    deadline_state,
    due_date,
    is_working_day,
    working_days_between,
)
from yiwang.core.calendar_loader import load_calendar_files
from yiwang.core.calendar_models import CalendarDay, CalendarYear
from yiwang.core.errors import LoadError

CN_2026 = Path(__file__).resolve().parents[1] / "calendars" / "cn-2026.yaml"
D = dt.date


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def cn(db: Any) -> WorkingCalendar:
    load_calendar_files([CN_2026], actor=system_actor("test"))
    return calendar_for(["CN"])


# --- Pure arithmetic --------------------------------------------------------------------------


def test_weekends_and_weekdays() -> None:
    assert is_working_day(D(2026, 3, 6), WEEKENDS_ONLY)  # Friday
    assert not is_working_day(D(2026, 3, 7), WEEKENDS_ONLY)  # Saturday
    assert not is_working_day(D(2026, 3, 8), WEEKENDS_ONLY)  # Sunday


def test_holidays_and_make_up_days(cn: WorkingCalendar) -> None:
    assert not is_working_day(D(2026, 10, 1), cn)  # Thursday, National Day
    assert not is_working_day(D(2026, 2, 23), cn)  # Monday, Spring Festival
    assert is_working_day(D(2026, 9, 20), cn)  # Sunday, make-up working day
    assert is_working_day(D(2026, 2, 14), cn)  # Saturday, make-up working day
    assert not is_working_day(D(2026, 3, 7), cn)  # an ordinary Saturday


def test_counting_starts_the_working_day_after_acceptance(cn: WorkingCalendar) -> None:
    assert add_working_days(D(2026, 3, 6), 0, cn) == D(2026, 3, 6)  # 即办: due the same day
    assert add_working_days(D(2026, 3, 6), 1, cn) == D(2026, 3, 9)  # Friday → Monday
    assert add_working_days(D(2026, 3, 7), 1, cn) == D(2026, 3, 9)  # accepted on a Saturday


def test_adding_across_the_national_day_week(cn: WorkingCalendar) -> None:
    accepted = D(2026, 9, 30)  # Wednesday before the holiday
    assert add_working_days(accepted, 1, cn) == D(2026, 10, 8)
    assert add_working_days(accepted, 2, cn) == D(2026, 10, 9)
    assert add_working_days(accepted, 3, cn) == D(2026, 10, 10)  # Saturday, make-up day
    assert add_working_days(accepted, 4, cn) == D(2026, 10, 12)


def test_adding_across_the_spring_festival(cn: WorkingCalendar) -> None:
    accepted = D(2026, 2, 13)  # Friday
    assert add_working_days(accepted, 1, cn) == D(2026, 2, 14)  # make-up Saturday
    assert add_working_days(accepted, 2, cn) == D(2026, 2, 24)  # after nine days off
    assert add_working_days(accepted, 6, cn) == D(2026, 2, 28)  # a make-up Saturday
    assert add_working_days(accepted, 10, cn) == D(2026, 3, 5)


def test_working_days_between_with_pauses(cn: WorkingCalendar) -> None:
    accepted, today = D(2026, 9, 30), D(2026, 10, 12)
    assert working_days_between(accepted, today, cn) == 4  # 8, 9, 10 (Sat), 12
    # Paused on the 8th, the person answered on the 9th: the 9th does not count.
    assert working_days_between(accepted, today, cn, [(D(2026, 10, 8), D(2026, 10, 9))]) == 3
    # Still paused since the 8th: nothing after the 8th counts.
    assert working_days_between(accepted, today, cn, [(D(2026, 10, 8), None)]) == 1
    assert working_days_between(today, accepted, cn) == 0


def test_due_date_moves_by_paused_working_days(cn: WorkingCalendar) -> None:
    accepted = D(2026, 9, 30)
    assert due_date(accepted, 3, cn) == D(2026, 10, 10)
    assert due_date(accepted, 3, cn, [(D(2026, 10, 8), D(2026, 10, 9))]) == D(2026, 10, 12)
    with pytest.raises(ValueError, match="paused"):
        due_date(accepted, 3, cn, [(D(2026, 10, 8), None)])
    with pytest.raises(ValueError, match="before it starts"):
        working_days_between(accepted, D(2026, 10, 12), cn, [(D(2026, 10, 9), D(2026, 10, 8))])


def test_pauses_accept_datetimes_in_local_time(cn: WorkingCalendar) -> None:
    # 2026-10-08 23:30 in Beijing is still the 8th, although it is the 8th 15:30 in UTC.
    tz = dt.timezone(dt.timedelta(hours=8))
    start = dt.datetime(2026, 10, 8, 23, 30, tzinfo=tz)
    end = dt.datetime(2026, 10, 9, 10, 0, tzinfo=tz)
    with timezone.override("Asia/Shanghai"):
        assert working_days_between(D(2026, 9, 30), D(2026, 10, 12), cn, [(start, end)]) == 3


@pytest.mark.parametrize(
    ("used", "state"),
    [
        (0, DeadlineState.ON_TIME),
        (79, DeadlineState.ON_TIME),
        (80, DeadlineState.WARNING),
        (99, DeadlineState.WARNING),
        (100, DeadlineState.WARNING),  # due today: still in time
        (101, DeadlineState.OVERDUE),
    ],
)
def test_deadline_state_at_79_80_100_percent(cn: WorkingCalendar, used: int, state: str) -> None:
    accepted = D(2026, 1, 5)
    due = add_working_days(accepted, 100, cn)
    now = add_working_days(accepted, used, cn)
    assert deadline_state(accepted, due, now, calendar=cn) == state


def test_deadline_state_ignores_paused_days(cn: WorkingCalendar) -> None:
    accepted = D(2026, 9, 28)  # Monday
    due = add_working_days(accepted, 5, cn)
    assert due == D(2026, 10, 10)  # 29, 30 Sep, 8, 9 Oct and the make-up Saturday
    now = D(2026, 10, 9)
    assert deadline_state(accepted, due, now, calendar=cn) == DeadlineState.WARNING  # 4 of 5
    assert deadline_state(accepted, due, D(2026, 10, 10), calendar=cn) == DeadlineState.WARNING
    assert deadline_state(accepted, due, D(2026, 10, 12), calendar=cn) == DeadlineState.OVERDUE
    # Paused on the 30th, answered on the 9th: the 8th and 9th stood still, 2 of 5 used.
    paused = [(D(2026, 9, 30), D(2026, 10, 9))]
    assert deadline_state(accepted, due, now, paused, calendar=cn) == DeadlineState.ON_TIME


def test_deadline_state_for_same_day_service(cn: WorkingCalendar) -> None:
    day = D(2026, 3, 6)
    assert deadline_state(day, day, day, calendar=cn) == DeadlineState.WARNING
    assert deadline_state(day, day, D(2026, 3, 9), calendar=cn) == DeadlineState.OVERDUE


# --- Regions ----------------------------------------------------------------------------------


def _calendar_file(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _district(region: str = "310101", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "calendar",
        "region": region,
        "year": 2026,
        "days": [
            {
                "kind": "holiday",
                "name": {"zh": "地方节日", "en": "Local festival"},
                "start": "2026-03-03",
            },
            {
                "kind": "holiday",
                "name": {"zh": "调整", "en": "Local change"},
                "start": "2026-10-10",
            },
        ],
    }
    data.update(changes)
    return data


def test_region_inherits_and_overrides_national_days(cn: Any, tmp_path: Path) -> None:
    load_calendar_files(
        [_calendar_file(tmp_path, "d.yaml", _district())], actor=system_actor("test")
    )
    district = calendar_for(["310101", "310100", "CN"])
    assert not is_working_day(D(2026, 3, 3), district)  # local holiday
    assert not is_working_day(D(2026, 10, 1), district)  # inherited national holiday
    assert not is_working_day(D(2026, 10, 10), district)  # the district overrides the make-up day
    nation = calendar_for(["CN"])
    assert is_working_day(D(2026, 3, 3), nation)
    assert is_working_day(D(2026, 10, 10), nation)


# --- Loading ----------------------------------------------------------------------------------


def test_national_file_loads(cn: Any) -> None:
    days = CalendarDay.objects.filter(region_code="CN")
    assert days.filter(kind=DayKind.HOLIDAY).count() == 33
    assert days.filter(kind=DayKind.MAKEUP_WORKDAY).count() == 6
    assert days.get(date=D(2026, 10, 1)).name_en == "National Day"
    year = CalendarYear.objects.get(region_code="CN", year=2026)
    assert year.source == "cn-2026.yaml"
    assert AuditEvent.objects.filter(action="calendar.year_loaded").count() == 1


def test_loading_the_same_file_again_changes_nothing(cn: Any) -> None:
    report = load_calendar_files([CN_2026], actor=system_actor("test"))
    assert report.loaded == [] and report.unchanged == [("CN", 2026)]
    assert AuditEvent.objects.filter(action="calendar.year_loaded").count() == 1


def test_a_changed_file_replaces_the_year(cn: Any, tmp_path: Path) -> None:
    data = yaml.safe_load(CN_2026.read_text(encoding="utf-8"))
    data["days"] = data["days"][:2]
    report = load_calendar_files(
        [_calendar_file(tmp_path, "cn.yaml", data)], actor=system_actor("test")
    )
    assert report.loaded == [("CN", 2026, 4)]
    assert CalendarDay.objects.filter(region_code="CN").count() == 4


def test_region_override(db: Any) -> None:
    load_calendar_files([CN_2026], actor=system_actor("test"), region="100000")
    assert CalendarDay.objects.filter(region_code="100000").count() == 39
    assert not CalendarDay.objects.filter(region_code="CN").exists()


def _counts() -> tuple[int, int, int]:
    return (CalendarDay.objects.count(), CalendarYear.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        (
            {
                "days": [
                    {
                        "kind": "makeup_workday",
                        "name": {"zh": "a", "en": "b"},
                        "start": "2026-03-04",
                    }
                ]
            },
            "days[0].start",
            "2026-03-04 is a weekday; a make-up working day must fall on a Saturday",
        ),
        (
            {"days": [{"kind": "holiday", "name": {"zh": "a", "en": "b"}, "start": "2027-01-01"}]},
            "days[0].start",
            "is not in the year 2026",
        ),
        (
            {
                "days": [
                    {
                        "kind": "holiday",
                        "name": {"zh": "a", "en": "b"},
                        "start": "2026-03-05",
                        "end": "2026-03-02",
                    }
                ]
            },
            "days[0].end",
            "2026-03-02 is before the start, 2026-03-05",
        ),
        (
            {
                "days": [
                    {
                        "kind": "holiday",
                        "name": {"zh": "a", "en": "b"},
                        "start": "2026-03-02",
                        "end": "2026-03-04",
                    },
                    {"kind": "holiday", "name": {"zh": "c", "en": "d"}, "start": "2026-03-04"},
                ]
            },
            "days[1]",
            "2026-03-04 is already listed at days[0]",
        ),
        (
            {"days": [{"kind": "holiday", "name": {"zh": "a", "en": "b"}, "start": "2026-02-30"}]},
            "days[0].start",
            '"2026-02-30" is not a valid date',
        ),
        (
            {"days": [{"kind": "vacation", "name": {"zh": "a", "en": "b"}, "start": "2026-03-02"}]},
            "days[0].kind",
            '"vacation" is not allowed; use one of: "holiday", "makeup_workday"',
        ),
        (
            {"days": [{"kind": "holiday", "name": {"zh": "", "en": "b"}, "start": "2026-03-02"}]},
            "days[0].name.zh",
            "must not be empty",
        ),
        ({"year": "2026"}, "year", "must be a whole number, not text"),
        ({"region": "a b"}, "region", "is not valid: must be the code of the region"),
        ({"holidays": []}, "holidays", "unknown key 'holidays'"),
    ],
)
def test_bad_calendar_is_rejected_and_nothing_is_written(
    cn: Any, tmp_path: Path, changes: dict[str, Any], path: str, fragment: str
) -> None:
    before = _counts()
    file = _calendar_file(tmp_path, "bad.yaml", _district(**changes))
    with pytest.raises(LoadError) as info:
        load_calendar_files([CN_2026, file], actor=system_actor("test"))
    assert _counts() == before
    listing = "\n".join(str(p) for p in info.value.problems)
    assert any(
        p.file.endswith("bad.yaml") and p.path == path and fragment in p.reason
        for p in info.value.problems
    ), listing


def test_same_region_and_year_twice_in_a_run(db: Any, tmp_path: Path) -> None:
    a = _calendar_file(tmp_path, "a.yaml", _district())
    b = _calendar_file(tmp_path, "b.yaml", _district())
    with pytest.raises(LoadError) as info:
        load_calendar_files([a, b], actor=system_actor("test"))
    assert [(Path(p.file).name, p.path) for p in info.value.problems] == [("b.yaml", "region")]
    assert "310101 2026 is also loaded from" in info.value.problems[0].reason
    assert CalendarDay.objects.count() == 0


def test_yaml_error_names_the_line(db: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("kind: calendar\nregion: CN\ndays: [\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_calendar_files([path], actor=system_actor("test"))
    assert "YAML syntax error at line 4" in info.value.problems[0].reason


# --- Command line -----------------------------------------------------------------------------


def test_cli_loads_and_shows(db: Any) -> None:
    from yiwang.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["calendar", "load", "--language", "en", str(CN_2026)])
    assert result.exit_code == 0, result.output
    assert "loaded CN 2026: 39 days" in result.output
    again = runner.invoke(app, ["calendar", "load", "--language", "en", str(CN_2026)])
    assert "unchanged CN 2026" in again.output
    shown = runner.invoke(app, ["calendar", "show", "--language", "en", "CN", "2026"])
    assert shown.exit_code == 0
    assert "2026-09-20" in shown.output and "Make-up working day" in shown.output


def test_cli_reports_problems_and_exits_non_zero(db: Any, tmp_path: Path) -> None:
    from yiwang.cli import app

    bad = _calendar_file(tmp_path, "bad.yaml", _district(year=2027))
    result = CliRunner().invoke(app, ["calendar", "load", "--language", "en", str(bad)])
    assert result.exit_code == 1
    assert "days[0].start: 2026-03-03 is not in the year 2027 of this file" in result.output
    assert "nothing was written" in result.output
    assert CalendarDay.objects.count() == 0
