"""``yiwang services``: the commands operators run, driven through typer's test runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from yiwang.catalogue import selectors
from yiwang.catalogue.constants import VersionState
from yiwang.catalogue.tests.conftest import SERVICES, row_counts
from yiwang.cli import app
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> Any:
    # English whatever the locale of the machine running the tests.
    return CliRunner().invoke(app, ["services", *args], env={"LC_ALL": "C.UTF-8"})


def test_load_list_publish_retire(departments: Any) -> None:
    loaded = run("load", str(SERVICES))
    assert loaded.exit_code == 0, loaded.output
    assert "created: service residence-permit-renewal v1" in loaded.output
    assert "5 changed, 0 unchanged" in loaded.output

    listed = run("list")
    assert listed.exit_code == 0
    assert "residence-permit-renewal" in listed.output and "Draft" in listed.output

    published = run("publish", "residence-permit-renewal")
    assert published.exit_code == 0, published.output
    assert "published: residence-permit-renewal v1" in published.output

    retired = run("retire", "residence-permit-renewal")
    assert retired.exit_code == 0
    assert "retired: residence-permit-renewal v1" in retired.output
    assert selectors.service_version("residence-permit-renewal", 1).state == VersionState.RETIRED

    again = run("retire", "residence-permit-renewal")
    assert again.exit_code == 1
    assert "has no published version to retire" in again.output


def test_load_again_reports_unchanged(departments: Any) -> None:
    run("load", str(SERVICES))
    result = run("load", str(SERVICES), "--publish")
    assert result.exit_code == 0
    assert "published: bundle open-a-shop v1" in result.output


def test_load_with_mistakes_exits_1_and_writes_nothing(departments: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (SERVICES / "residence-permit-renewal.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("role: approver", "role: boss"), encoding="utf-8")
    before = row_counts()
    result = run("load", str(SERVICES / "outdoor-sign-permit.yaml"), str(bad))
    assert result.exit_code == 1
    assert "process.stages[1].steps[0].role: unknown role 'boss'" in result.output
    assert "1 problem; nothing was written." in result.output
    assert row_counts() == before


def test_validate_writes_nothing(departments: Any) -> None:
    before = row_counts()
    result = run("validate", str(SERVICES))
    assert result.exit_code == 0, result.output
    assert "5 definitions valid" in result.output
    assert row_counts() == before


def test_validate_reports_problems(departments: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: service\ncode: x\n", encoding="utf-8")
    result = run("validate", str(bad))
    assert result.exit_code == 1
    assert "description: is missing; this key is required" in result.output


def test_as_names_an_operator_account(departments: Any) -> None:
    security = next(d for d in departments if d.code == "public_security")
    StaffFactory(
        username="li.admin", membership__role=Role.DEPARTMENT_ADMIN, membership__department=security
    )
    result = run("load", str(SERVICES / "residence-permit-renewal.yaml"), "--as", "li.admin")
    assert result.exit_code == 0, result.output
    assert selectors.service_version("residence-permit-renewal", 1).created_by_label == "li.admin"

    denied = run("publish", "outdoor-sign-permit", "--as", "li.admin")
    assert denied.exit_code == 1

    unknown = run("load", str(SERVICES), "--as", "nobody")
    assert unknown.exit_code != 0
    assert "no active account called 'nobody'" in unknown.output


def test_list_when_empty(db: Any) -> None:
    result = run("list")
    assert result.exit_code == 0
    assert "no services or bundles loaded yet" in result.output
