"""``yiwang services load`` and ``validate`` tell what they did in the operator's language, not only
what is wrong: every line of a successful run reads in Chinese or in English."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from yiwang.catalogue.tests.conftest import SERVICES
from yiwang.cli import app

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_the_fixtures_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are named relative to the current folder: run beside them, as an operator would."""
    monkeypatch.chdir(SERVICES)


# The option decides, whatever the locale: each run is given the other language's locale.
OTHER_LOCALE = {"zh-hans": "C.UTF-8", "en": "zh_CN.UTF-8"}


def run(language: str, *args: str) -> Any:
    result = CliRunner().invoke(
        app, ["services", *args, "--language", language], env={"LC_ALL": OTHER_LOCALE[language]}
    )
    assert result.exit_code == 0, result.output
    return result


def lines(result: Any) -> list[str]:
    return result.output.splitlines()


def test_load_says_what_it_created_in_chinese(departments: Any) -> None:
    result = run("zh-hans", "load", ".")

    output = lines(result)
    assert "已创建：事项 residence-permit-renewal v1（residence-permit-renewal.yaml）" in output
    assert "已创建：一件事 open-a-shop v1（open-a-shop.yaml）" in output
    assert output[-1] == "5 项已变更，0 项未变化"
    assert "created" not in result.output and "changed" not in result.output


def test_load_says_what_it_created_in_english(departments: Any) -> None:
    result = run("en", "load", ".")

    output = lines(result)
    assert "created: service residence-permit-renewal v1  (residence-permit-renewal.yaml)" in output
    assert "created: bundle open-a-shop v1  (open-a-shop.yaml)" in output
    assert output[-1] == "5 changed, 0 unchanged"
    assert "已创建" not in result.output


def test_a_second_identical_load_is_unchanged_in_both_languages(departments: Any) -> None:
    run("en", "load", ".")

    chinese = lines(run("zh-hans", "load", "."))
    english = lines(run("en", "load", "."))

    assert "未变化：事项 outdoor-sign-permit v1（outdoor-sign-permit.yaml）" in chinese
    assert "未变化：一件事 open-a-shop v1（open-a-shop.yaml）" in chinese
    assert chinese[-1] == "0 项已变更，5 项未变化"
    assert "unchanged: service outdoor-sign-permit v1  (outdoor-sign-permit.yaml)" in english
    assert "unchanged: bundle open-a-shop v1  (open-a-shop.yaml)" in english
    assert english[-1] == "0 changed, 5 unchanged"


@pytest.mark.parametrize(
    ("language", "first", "published"),
    [
        ("zh-hans", "已创建并发布：事项 outdoor-sign-permit v1", "已发布：一件事 open-a-shop v1"),
        (
            "en",
            "created and published: service outdoor-sign-permit v1",
            "published: bundle open-a-shop v1",
        ),
    ],
)
def test_load_with_publish_says_what_it_published(
    departments: Any, language: str, first: str, published: str
) -> None:
    created = run(language, "load", "outdoor-sign-permit.yaml", "--publish")
    run(language, "load", ".")
    again = run(language, "load", ".", "--publish")

    assert lines(created)[0].startswith(first)
    assert any(line.startswith(published) for line in lines(again))


def test_validate_in_chinese(departments: Any) -> None:
    result = run("zh-hans", "validate", ".")

    output = lines(result)
    assert "通过：事项 business-registration（business-registration.yaml）" in output
    assert "通过：一件事 open-a-shop（open-a-shop.yaml）" in output
    assert output[-1] == "5 个定义有效"
    assert "ok:" not in result.output


def test_validate_in_english_counts_one_and_many(departments: Any) -> None:
    many = lines(run("en", "validate", "."))
    one = lines(run("en", "validate", "outdoor-sign-permit.yaml"))

    assert "ok: service business-registration  (business-registration.yaml)" in many
    assert many[-1] == "5 definitions valid"
    assert one == [
        "ok: service outdoor-sign-permit  (outdoor-sign-permit.yaml)",
        "1 definition valid",
    ]


@pytest.mark.parametrize(
    ("language", "published", "retired"),
    [
        ("zh-hans", "已发布：outdoor-sign-permit v1", "已停用：outdoor-sign-permit v1"),
        ("en", "published: outdoor-sign-permit v1", "retired: outdoor-sign-permit v1"),
    ],
)
def test_publish_and_retire_say_what_they_did(
    departments: Any, language: str, published: str, retired: str
) -> None:
    run(language, "load", "outdoor-sign-permit.yaml")

    assert lines(run(language, "publish", "outdoor-sign-permit")) == [published]
    assert lines(run(language, "retire", "outdoor-sign-permit")) == [retired]


def test_list_in_chinese(departments: Any) -> None:
    assert lines(run("zh-hans", "list")) == ["尚未载入任何事项或一件事"]
    run("zh-hans", "load", ".")
    run("zh-hans", "publish", "outdoor-sign-permit")

    output = run("zh-hans", "list").output

    for heading in ("编码", "类型", "最新版本", "状态", "已发布版本", "名称"):
        assert heading in output
    sign = next(line for line in output.splitlines() if "outdoor-sign-permit" in line)
    shop = next(line for line in output.splitlines() if "open-a-shop" in line)
    assert "事项" in sign and "已发布" in sign
    assert "一件事" in shop and "草稿" in shop
    assert "bundle" not in output and "published" not in output


def test_list_in_english(departments: Any) -> None:
    assert lines(run("en", "list")) == ["no services or bundles loaded yet"]
    run("en", "load", ".")

    output = run("en", "list").output

    sign = next(line for line in output.splitlines() if "outdoor-sign-permit" in line)
    assert "service" in sign and "Draft" in sign
    assert "事项" not in output and "草稿" not in output
