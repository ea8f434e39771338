"""A backend named by a dotted path that cannot be imported is an error of ``yiwang check``:
YIWANG_EMAIL_BACKEND=foo.Bar passed every command and failed only when the first e-mail was sent."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from yiwang.core import checks
from yiwang.core.testing.cli import run_yiwang

OPERATOR_GUIDE = Path(__file__).resolve().parents[4] / "docs" / "operator-guide.md"


def test_the_default_backends_pass(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.YIWANG_SMS_BACKEND = "yiwang.notifications.sms.LogBackend"
    assert checks.check_backends() == []


@pytest.mark.parametrize(
    ("django_setting", "variable", "path", "code"),
    [
        ("EMAIL_BACKEND", "YIWANG_EMAIL_BACKEND", "foo.Bar", "yiwang.E040"),
        (
            "EMAIL_BACKEND",
            "YIWANG_EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBakend",
            "yiwang.E040",
        ),
        ("YIWANG_SMS_BACKEND", "YIWANG_SMS_BACKEND", "foo.Bar", "yiwang.E041"),
        (
            "YIWANG_SMS_BACKEND",
            "YIWANG_SMS_BACKEND",
            "yiwang.notifications.sms.AliyunBackend",
            "yiwang.E041",
        ),
    ],
)
def test_a_backend_that_cannot_be_imported_is_an_error(
    settings: Any, django_setting: str, variable: str, path: str, code: str
) -> None:
    setattr(settings, django_setting, path)
    (message,) = checks.check_backends()
    assert message.id == code
    assert message.is_serious()
    assert message.msg.startswith(f"{variable}: the dotted path {path!r} cannot be imported")
    assert variable in message.hint


def test_yiwang_check_reports_the_backend_and_fails(tmp_path: Path) -> None:
    backends = {"YIWANG_EMAIL_BACKEND": "foo.Bar", "YIWANG_SMS_BACKEND": "foo.Bar"}
    # `yiwang config` takes the value (its shape is a dotted path) ...
    config = run_yiwang(tmp_path, "config", **backends)
    assert config.returncode == 0, config.stderr
    # ... and `yiwang check` says it cannot be imported.
    result = run_yiwang(tmp_path, "check", **backends)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "yiwang.E040" in output
    assert "yiwang.E041" in output
    assert "YIWANG_EMAIL_BACKEND: the dotted path 'foo.Bar' cannot be imported" in output
    assert "YIWANG_SMS_BACKEND: the dotted path 'foo.Bar' cannot be imported" in output


def test_the_operator_guide_lists_every_check_id() -> None:
    source = Path(checks.__file__).read_text(encoding="utf-8")
    ids = set(re.findall(r'"yiwang\.([EW]\d{3})"', source))
    assert {"E040", "E041"} <= ids
    guide = OPERATOR_GUIDE.read_text(encoding="utf-8").splitlines()
    table = [line for line in guide if line.startswith("| `yiwang.")]
    listed = " ".join(line.split(" | ")[0] for line in table)
    for found in sorted(ids):
        number = int(found[1:])
        # A row lists an id alone, with others (`E010`, `E011`) or as a range (`E020`–`E022`).
        ranges = re.findall(rf"{found[0]}(\d{{3}})`–`{found[0]}(\d{{3}})", listed)
        assert (
            f"`{found}`" in listed
            or f"yiwang.{found}`" in listed
            or any(int(low) <= number <= int(high) for low, high in ranges)
        ), f"{found} is not in the operator guide's table of checks"
