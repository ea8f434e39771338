"""``yiwang exchange load`` tells what it did in the operator's language, not only what is wrong:
every line of a successful run reads in Chinese or in English."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from yiwang.cli import app
from yiwang.exchange.models import DataElement
from yiwang.exchange.tests.conftest import DEFINITIONS, World

# The option decides, whatever the locale: each run is given the other language's locale.
OTHER_LOCALE = {"zh-hans": "C.UTF-8", "en": "zh_CN.UTF-8"}
APPROVERS = ("--approve-as", "reg.officer", "--approve-as", "com.officer")
AGREEMENTS = "welfare_people_basic, welfare_contributions, commerce_firms_statistics"
PURPOSES = "benefit_assessment, licensing, statistics"
REGISTRIES = "people, contributions, certificates, firms, remote_people"


def load(language: str, *args: str) -> list[str]:
    result = CliRunner().invoke(
        app,
        ["exchange", "load", "--language", language, *args, str(DEFINITIONS)],
        env={"LC_ALL": OTHER_LOCALE[language]},
    )
    assert result.exit_code == 0, result.output
    return list(result.output.splitlines())


def test_load_says_what_it_created_and_approved_in_chinese(world: World) -> None:
    output = load("zh-hans", *APPROVERS)

    assert output == [
        f"已创建：共享协议：{AGREEMENTS}",
        "已创建：数据元：national_id, person_name, birth_date, sex, address, insured, "
        "monthly_contribution, last_paid_at, certificate_number, uscc, firm_name, employee_count",
        f"已创建：用途：{PURPOSES}",
        f"已创建：基础库：{REGISTRIES}",
        f"已批准：共享协议：{AGREEMENTS}",
    ]


def test_load_says_what_it_created_and_approved_in_english(world: World) -> None:
    output = load("en", *APPROVERS)

    assert f"created: agreements: {AGREEMENTS}" in output
    assert f"created: purposes: {PURPOSES}" in output
    assert f"created: registries: {REGISTRIES}" in output
    assert f"approved: agreements: {AGREEMENTS}" in output
    assert any(line.startswith("created: elements: national_id, ") for line in output)


def test_a_second_identical_load_is_unchanged_in_both_languages(world: World) -> None:
    load("en", *APPROVERS)

    chinese = load("zh-hans")
    english = load("en")

    assert f"未变化：共享协议：{AGREEMENTS}" in chinese
    assert f"未变化：用途：{PURPOSES}" in chinese
    assert f"未变化：基础库：{REGISTRIES}" in chinese
    assert any(line.startswith("未变化：数据元：national_id, ") for line in chinese)
    assert not any(line.startswith(("已创建", "已更新", "已批准")) for line in chinese)
    assert f"unchanged: agreements: {AGREEMENTS}" in english
    assert f"unchanged: purposes: {PURPOSES}" in english
    assert f"unchanged: registries: {REGISTRIES}" in english
    assert not any(line.startswith(("created", "updated", "approved")) for line in english)


def test_a_dry_run_says_nothing_was_written_in_both_languages(world: World) -> None:
    chinese = load("zh-hans", "--dry-run")
    english = load("en", "--dry-run")

    assert chinese[0] == f"已创建：共享协议：{AGREEMENTS}"
    assert chinese[-1] == "试运行：未写入任何内容。"
    assert english[0] == f"created: agreements: {AGREEMENTS}"
    assert english[-1] == "dry run: nothing was written."
    assert not DataElement.objects.exists()


def test_the_locale_decides_without_the_option(world: Any) -> None:
    result = CliRunner().invoke(
        app, ["exchange", "load", "--dry-run", str(DEFINITIONS)], env={"LC_ALL": "zh_CN.UTF-8"}
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "试运行：未写入任何内容。"
