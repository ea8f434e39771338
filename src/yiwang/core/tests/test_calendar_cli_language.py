"""``yiwang calendar`` speaks the operator's language: ``--language``, else the locale's.

The same bad file reads in Chinese and in English, naming the file and the path inside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from yiwang.audit.models import AuditEvent
from yiwang.cli import app
from yiwang.core.calendar_models import CalendarDay, CalendarYear
from yiwang.identity.tests.factories import AccountFactory

CN_2026 = Path(__file__).resolve().parents[1] / "calendars" / "cn-2026.yaml"

# No locale at all: what a bare container or a cron job has.
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}


def run(*args: str, **env: str) -> Any:
    return CliRunner().invoke(app, ["calendar", *args], env={**NO_LOCALE, **env})


def calendar_file(tmp_path: Path, **changes: Any) -> Path:
    data: dict[str, Any] = {
        "kind": "calendar",
        "region": "310101",
        "year": 2026,
        "days": [
            {
                "kind": "holiday",
                "name": {"zh": "地方节日", "en": "Local festival"},
                "start": "2026-03-03",
            },
        ],
    }
    data.update(changes)
    path = tmp_path / "district.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def counts() -> tuple[int, int, int]:
    return (CalendarDay.objects.count(), CalendarYear.objects.count(), AuditEvent.objects.count())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "chinese_problem", "english_problem"),
    [
        (
            {"year": 2027},
            "district.yaml: days[0].start: 2026-03-03 不在本文件的年份 2027 内（第 9 行）",
            "district.yaml: days[0].start: 2026-03-03 is not in the year 2027 of this file "
            "(line 9)",
        ),
        (
            {"region": "r" * 33},
            "district.yaml: region: 太长：最多 32 个字符（第 2 行）",
            "district.yaml: region: is too long: at most 32 characters (line 2)",
        ),
        (
            {
                "days": [
                    {"kind": "vacation", "name": {"zh": "假", "en": "Off"}, "start": "2026-03-03"}
                ]
            },
            'district.yaml: days[0].kind: 不允许 "vacation"；请使用以下之一："holiday", '
            '"makeup_workday"（第 5 行）',
            'district.yaml: days[0].kind: "vacation" is not allowed; use one of: "holiday", '
            '"makeup_workday" (line 5)',
        ),
    ],
)
def test_load_reports_a_mistake_in_the_chosen_language(
    tmp_path: Path, changes: dict[str, Any], chinese_problem: str, english_problem: str
) -> None:
    bad = calendar_file(tmp_path, **changes)
    before = counts()

    chinese = run("load", "--language", "zh-Hans", str(bad))
    english = run("load", "--language", "en", str(bad))

    assert chinese.exit_code == english.exit_code == 1
    assert chinese_problem in chinese.output
    assert "1 个问题；未写入任何内容。" in chinese.output
    assert "nothing was written" not in chinese.output
    assert english_problem in english.output
    assert "1 problem; nothing was written." in english.output
    assert counts() == before


@pytest.mark.django_db
def test_load_follows_the_locale_without_the_option(tmp_path: Path) -> None:
    bad = calendar_file(tmp_path, year=2027)

    chinese = run("load", str(bad), LANG="zh_CN.UTF-8")
    bare = run("load", str(bad))
    chosen = run("load", "--language", "en", str(bad), LC_ALL="zh_CN.UTF-8")

    assert "2026-03-03 不在本文件的年份 2027 内" in chinese.output
    assert "2026-03-03 is not in the year 2027 of this file" in bare.output
    assert "2026-03-03 is not in the year 2027 of this file" in chosen.output


@pytest.mark.django_db
def test_load_summary_in_the_chosen_language() -> None:
    chinese = run("load", "--language", "zh-hans", str(CN_2026))
    english_again = run("load", "--language", "en", str(CN_2026))
    chinese_again = run("load", "--language", "zh-hans", str(CN_2026))
    CalendarYear.objects.all().delete()
    english = run("load", "--language", "en", str(CN_2026))

    assert chinese.exit_code == english.exit_code == 0, chinese.output + english.output
    assert chinese.output.strip() == "已加载 CN 2026：39 天"
    assert english.output.strip() == "loaded CN 2026: 39 days"
    assert english_again.output.strip() == "unchanged CN 2026"
    assert chinese_again.output.strip() == "CN 2026 未变化"


@pytest.mark.django_db
def test_load_names_an_unknown_account_in_the_chosen_language() -> None:
    AccountFactory(username="wang.clerk")

    unknown = run("load", "--language", "zh-hans", "--as", "nobody", str(CN_2026))
    not_admin = run("load", "--language", "en", "--as", "wang.clerk", str(CN_2026))

    assert unknown.exit_code == not_admin.exit_code == 2
    assert "没有名为 'nobody' 的有效账户" in unknown.output
    assert "'wang.clerk' is not a platform or department admin" in not_admin.output
    assert CalendarDay.objects.count() == 0


@pytest.mark.django_db
def test_show_in_the_chosen_language() -> None:
    assert run("load", str(CN_2026)).exit_code == 0

    chinese = run("show", "--language", "zh-hans", "CN", "2026")
    english = run("show", "--language", "en", "CN", "2026")
    chinese_none = run("show", "--language", "zh-hans", "CN", "2030")
    english_none = run("show", "--language", "en", "CN", "2030")

    assert chinese.exit_code == english.exit_code == 0
    for header in ("日期", "星期", "类型", "名称"):
        assert header in chinese.output
    assert "法定节假日" in chinese.output and "调休工作日" in chinese.output
    assert "国庆节" in chinese.output
    assert "National Day" not in chinese.output
    for header in ("date", "weekday", "kind", "name"):
        assert header in english.output
    assert "Public holiday" in english.output and "National Day" in english.output
    assert "国庆节" not in english.output
    assert chinese_none.exit_code == english_none.exit_code == 1
    assert "没有存储 CN 2030 的日历日期" in chinese_none.output
    assert "no calendar days stored for CN 2030" in english_none.output
