"""A database the command cannot reach is one line that says so (exit status 1), whichever
command meets it first; and ``yiwang check`` does not then say that it found no issues."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.core.testing.cli import run_yiwang


@pytest.mark.parametrize(
    "command", [["migrate"], ["audit", "verify"], ["load-demo", "--people", "0", "--firms", "0"]]
)
def test_a_database_that_cannot_be_reached_is_one_line_not_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "nowhere" / "yiwang.sqlite3"

    result = run_yiwang(tmp_path, *command, YIWANG_DATABASE_URL=f"sqlite:///{missing}")

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("Database error: unable to open database file")
    assert "Check YIWANG_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2


def test_check_with_no_database_does_not_also_say_no_issues(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "yiwang.sqlite3"

    result = run_yiwang(tmp_path, "check", YIWANG_DATABASE_URL=f"sqlite:///{missing}")

    assert result.returncode == 1
    assert "System check identified no issues" not in result.stdout + result.stderr
    assert "The checks that need no database found no issues." in result.stdout


@pytest.mark.parametrize("command", [["serve", "--port", "99999"], ["load-demo", "--people", "-5"]])
def test_an_option_out_of_range_is_refused_before_anything_runs(
    tmp_path: Path, command: list[str]
) -> None:
    result = run_yiwang(tmp_path, *command)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Invalid value for" in result.stderr
    assert "Traceback" not in result.stderr
