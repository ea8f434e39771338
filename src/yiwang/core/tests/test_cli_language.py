"""The definition loaders' commands speak the operator's language: ``--language``, else the
locale's. The same bad file reads in Chinese and in English."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yiwang.catalogue.tests.conftest import DEPARTMENTS, SERVICES, row_counts
from yiwang.cli import app
from yiwang.core.cli_language import Language, locale_language
from yiwang.exchange import selectors as exchange_selectors
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    signing_key,
    world,
)
from yiwang.identity.tests.factories import DepartmentFactory

__all__ = ["clean_hooks", "loaded", "signing_key", "world"]

# No locale at all: what a bare container or a cron job has.
NO_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}


def run(*args: str, **env: str) -> Any:
    return CliRunner().invoke(app, list(args), env={**NO_LOCALE, **env})


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "zh_CN.UTF-8"}, Language.ZH_HANS),
        ({"LANG": "zh_TW.UTF-8"}, Language.ZH_HANS),
        ({"LANG": "en_GB.UTF-8"}, Language.EN),
        ({"LANG": "de_DE.UTF-8"}, Language.EN),
        ({"LANG": "C.UTF-8"}, Language.EN),
        ({}, Language.EN),
        # LC_ALL outranks LC_MESSAGES, which outranks LANG; an empty one does not count.
        ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, Language.EN),
        ({"LC_ALL": "", "LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, Language.ZH_HANS),
        ({"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, Language.EN),
        ({"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, Language.ZH_HANS),
    ],
)
def test_the_locale_decides_the_default_language(
    environ: dict[str, str], expected: Language
) -> None:
    assert locale_language(environ) == expected


# --- yiwang services ---------------------------------------------------------------------------


@pytest.fixture
def bad_service(db: Any, tmp_path: Path) -> Path:
    for code in DEPARTMENTS:
        DepartmentFactory(code=code)
    bad = tmp_path / "bad.yaml"
    text = (SERVICES / "residence-permit-renewal.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("role: approver", "role: boss"), encoding="utf-8")
    return bad


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["load", "validate"])
def test_services_commands_report_in_the_chosen_language(bad_service: Path, command: str) -> None:
    before = row_counts()

    chinese = run("services", command, "--language", "zh-hans", str(bad_service))
    english = run("services", command, "--language", "en", str(bad_service))

    assert chinese.exit_code == english.exit_code == 1
    where = "process.stages[1].steps[0].role"
    assert f"{where}: 未知角色 'boss'；环节只能由以下角色办理" in chinese.output
    assert "1 个问题；未写入任何内容。" in chinese.output
    assert "unknown role" not in chinese.output
    assert f"{where}: unknown role 'boss'; a step is done by one of" in english.output
    assert "1 problem; nothing was written." in english.output
    assert row_counts() == before


@pytest.mark.django_db
def test_services_commands_follow_the_locale_without_the_option(bad_service: Path) -> None:
    chinese = run("services", "validate", str(bad_service), LANG="zh_CN.UTF-8")
    english = run("services", "validate", str(bad_service), LANG="en_US.UTF-8")
    bare = run("services", "validate", str(bad_service))
    # The option wins over the locale.
    chosen = run("services", "validate", "--language", "en", str(bad_service), LC_ALL="zh_CN")

    assert "未知角色 'boss'" in chinese.output
    assert "unknown role 'boss'" in english.output
    assert "unknown role 'boss'" in bare.output
    assert "unknown role 'boss'" in chosen.output


def test_an_unknown_language_is_refused() -> None:
    result = run("services", "validate", "--language", "fr", "nowhere.yaml")

    assert result.exit_code == 2
    assert "--language" in result.output


# --- yiwang exchange ---------------------------------------------------------------------------


def agreement_file(tmp_path: Path) -> Path:
    agreement = {
        "code": "tax_people",
        "name": {"zh": "税务读取人口信息", "en": "Tax office reads people data"},
        "consumer": "tax_office",
        "registry": "nowhere",
        "fields": ["person_name"],
        "purposes": ["benefit_assessment"],
        "legal_basis": {"zh": "《示例税法》第三条", "en": "Example Tax Act, article 3"},
        "sharing_class": "unconditional",
        "valid_from": "2020-01-01",
    }
    path = tmp_path / "agreements.yaml"
    path.write_text(json.dumps({"agreements": [agreement]}, ensure_ascii=False), "utf-8")
    return path


def test_exchange_load_reports_in_the_chosen_language(loaded: World, tmp_path: Path) -> None:
    path = agreement_file(tmp_path)

    chinese = run("exchange", "load", "--language", "zh-Hans", str(path))
    english = run("exchange", "load", "--language", "en", str(path))
    by_locale = run("exchange", "load", "--dry-run", str(path), LC_MESSAGES="zh_CN.UTF-8")

    assert chinese.exit_code == english.exit_code == by_locale.exit_code == 1
    assert "agreements[0].registry: 没有代码为 'nowhere' 的基础库" in chinese.output
    assert "1 个问题；未写入任何内容。" in chinese.output
    assert "agreements[0].registry: no registry with the code 'nowhere'" in english.output
    assert "1 problem; nothing was written." in english.output
    assert "没有代码为 'nowhere' 的基础库" in by_locale.output
    assert exchange_selectors.agreement_for(actor=loaded.tax_officer, code="tax_people") is None
