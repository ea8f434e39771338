"""A calendar for a region no region has is refused once regions are set up: a typo would load
days no deadline ever reads. On a fresh platform, before any region, a calendar may come first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from yiwang.audit.actors import system_actor
from yiwang.core.calendar_loader import load_calendar_files
from yiwang.core.calendar_models import CalendarYear
from yiwang.core.errors import LoadError
from yiwang.core.tests.test_calendar import _calendar_file, _district
from yiwang.identity.tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


def test_a_calendar_for_an_unknown_region_is_refused_with_the_close_codes(
    tmp_path: Path,
) -> None:
    RegionFactory(code="310101")
    RegionFactory(code="310104")
    file = _calendar_file(tmp_path, "typo.yaml", _district(region="310110"))

    with translation.override("en"), pytest.raises(LoadError) as info:
        load_calendar_files([file], actor=system_actor("test"))

    [problem] = info.value.problems
    assert problem.path == "region"
    assert problem.reason.startswith("there is no region with the code 310110; did you mean")
    assert "'310101'" in problem.reason
    assert not CalendarYear.objects.exists()


def test_region_given_on_the_command_line_is_named_as_the_option(tmp_path: Path) -> None:
    RegionFactory(code="310101")
    file = _calendar_file(tmp_path, "d.yaml", _district())

    with pytest.raises(LoadError) as info:
        load_calendar_files([file], actor=system_actor("test"), region="999999")

    assert [p.path for p in info.value.problems] == ["--region"]


def test_before_any_region_exists_a_calendar_loads(tmp_path: Path) -> Any:
    file = _calendar_file(tmp_path, "d.yaml", _district())

    report = load_calendar_files([file], actor=system_actor("test"))

    assert report.loaded == [("310101", 2026, 2)]
