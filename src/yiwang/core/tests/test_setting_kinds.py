"""Every setting refuses what it cannot use, says what it accepts, and the settings reference shows
its type and what it accepts next to its default.

YIWANG_LOGIN_FAILURE_LIMIT=0 made every log-in with the right password answer 429, and
YIWANG_LOGIN_LOCKOUT_MINUTES=0 silently turned the lock-out off; YIWANG_TRUSTED_PROXIES=abc
answered with Python's "invalid literal for int() with base 10".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from yiwang.conf import docs, env
from yiwang.conf.parsers import WholeNumber
from yiwang.core.testing.cli import run_yiwang

WHOLE_NUMBERS = [s for s in env.SETTINGS if isinstance(s.kind.parse, WholeNumber)]

# The lowest value each whole number takes, and the highest where there is one.
EXPECTED_RANGES = {
    "YIWANG_TRUSTED_PROXIES": (0, None),
    "YIWANG_EMAIL_PORT": (1, 65535),
    "YIWANG_SESSION_AGE_SECONDS": (1, None),
    "YIWANG_SESSION_REFRESH_SECONDS": (0, None),  # 0: the expiry moves on every request
    "YIWANG_SESSION_MAX_AGE_SECONDS": (1, None),
    "YIWANG_LOGIN_FAILURE_LIMIT": (1, None),
    "YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT": (1, None),
    "YIWANG_LOGIN_LOCKOUT_MINUTES": (1, None),
    "YIWANG_PASSWORD_RESET_TIMEOUT": (1, None),
    "YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT": (1, None),
    "YIWANG_PASSWORD_RESET_MAILS_PER_ADDRESS": (1, None),
    "YIWANG_AUDIT_SEAL_INTERVAL_SECONDS": (1, None),
    "YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS": (0, None),  # 0: never
    "YIWANG_AUDIT_MAX_TRANSACTION_SECONDS": (1, None),
    "YIWANG_WEB_WORKERS": (1, None),
    "YIWANG_WEB_THREADS": (1, None),
    "YIWANG_MAX_UPLOAD_MB": (1, None),
}


def _refused(monkeypatch: pytest.MonkeyPatch, name: str, raw: str) -> str:
    monkeypatch.setenv(name, raw)
    with pytest.raises(env.ConfigurationError) as error:
        env.read(name)
    return str(error.value)


def test_every_whole_number_setting_has_its_range() -> None:
    ranges = {s.name: (s.kind.parse.minimum, s.kind.parse.maximum) for s in WHOLE_NUMBERS}
    assert ranges == EXPECTED_RANGES


@pytest.mark.parametrize("setting", WHOLE_NUMBERS, ids=lambda s: s.name)
def test_a_whole_number_below_its_minimum_is_refused(
    monkeypatch: pytest.MonkeyPatch, setting: env.Setting
) -> None:
    minimum, maximum = EXPECTED_RANGES[setting.name]
    for raw in (str(minimum - 1), str(minimum - 10)):
        message = _refused(monkeypatch, setting.name, raw)
        assert message.startswith(f"{setting.name}: expected ")
        assert str(minimum) in message
        assert repr(raw) in message
    monkeypatch.setenv(setting.name, str(minimum))
    assert env.read(setting.name) == (minimum, "env")
    assert setting.default >= minimum
    if maximum is not None:
        assert setting.default <= maximum
        assert repr(str(maximum + 1)) in _refused(monkeypatch, setting.name, str(maximum + 1))
        monkeypatch.setenv(setting.name, str(maximum))
        assert env.read(setting.name) == (maximum, "env")


@pytest.mark.parametrize("setting", WHOLE_NUMBERS, ids=lambda s: s.name)
@pytest.mark.parametrize("raw", ["abc", "2.5", "1e3", "1_000", "٣", "5 minutes"])
def test_a_whole_number_that_is_not_one_says_what_is_accepted(
    monkeypatch: pytest.MonkeyPatch, setting: env.Setting, raw: str
) -> None:
    message = _refused(monkeypatch, setting.name, raw)
    assert "invalid literal" not in message
    assert setting.kind.parse.expected in message
    assert message == f"{setting.name}: expected {setting.kind.parse.expected}, got {raw!r}"


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        (
            "YIWANG_LOGIN_FAILURE_LIMIT",
            "0",
            "YIWANG_LOGIN_FAILURE_LIMIT: expected a whole number of 1 or more, got '0'",
        ),
        (
            "YIWANG_LOGIN_LOCKOUT_MINUTES",
            "0",
            "YIWANG_LOGIN_LOCKOUT_MINUTES: expected a whole number of 1 or more, got '0'",
        ),
        (
            "YIWANG_LOGIN_LOCKOUT_MINUTES",
            "-15",
            "YIWANG_LOGIN_LOCKOUT_MINUTES: expected a whole number of 1 or more, got '-15'",
        ),
        (
            "YIWANG_TRUSTED_PROXIES",
            "abc",
            "YIWANG_TRUSTED_PROXIES: expected a whole number of 0 or more, got 'abc'",
        ),
        (
            "YIWANG_EMAIL_PORT",
            "70000",
            "YIWANG_EMAIL_PORT: expected a port number from 1 to 65535, got '70000'",
        ),
        ("YIWANG_MAX_UPLOAD_MB", "0", "YIWANG_MAX_UPLOAD_MB: expected a whole number of 1 or more"),
        ("YIWANG_TASKS_BACKEND", "celery", "'celery' is not one of database, immediate, rq"),
        ("YIWANG_EMAIL_BACKEND", "smtp backend", "is not a dotted path"),
        ("YIWANG_SMS_BACKEND", "LogBackend", "is not a dotted path"),
        ("YIWANG_REDIS_URL", "http://:hunter2@redis:6379/0", "only redis://, rediss://"),
    ],
)
def test_the_message_says_what_the_setting_accepts(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, message: str
) -> None:
    refused = _refused(monkeypatch, name, raw)
    assert message in refused
    assert "hunter2" not in refused


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("YIWANG_LOGIN_FAILURE_LIMIT", " 3 ", 3),
        ("YIWANG_TRUSTED_PROXIES", "+2", 2),
        ("YIWANG_EMAIL_PORT", "587", 587),
        ("YIWANG_MAX_UPLOAD_MB", "101", 101),
        ("YIWANG_TASKS_BACKEND", "RQ", "rq"),
        ("YIWANG_EMAIL_BACKEND", " foo.Bar ", "foo.Bar"),
        ("YIWANG_REDIS_URL", "rediss://:pw@redis.internal:6380/0", None),
    ],
)
def test_good_values_are_taken(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, expected: object
) -> None:
    monkeypatch.setenv(name, raw)
    assert env.read(name) == (raw if expected is None else expected, "env")


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        ("YIWANG_LOGIN_FAILURE_LIMIT", "0", "expected a whole number of 1 or more, got '0'"),
        ("YIWANG_TRUSTED_PROXIES", "abc", "expected a whole number of 0 or more, got 'abc'"),
    ],
)
def test_yiwang_config_stops_with_one_line_and_status_2(
    tmp_path: Path, name: str, raw: str, says: str
) -> None:
    result = run_yiwang(tmp_path, "config", **{name: raw})
    assert result.returncode == 2, result.stdout + result.stderr
    output = (result.stdout + result.stderr).strip()
    assert output == f"Configuration error: {name}: {says}"


def test_the_reference_shows_each_settings_type_and_what_it_accepts_by_its_default() -> None:
    rendered = docs.render()
    assert "| Variable | Type | Accepts | Default | Secret | What it does |" in rendered
    for setting in env.SETTINGS:
        assert setting.kind.name
        assert setting.kind.accepts
        (row,) = [line for line in rendered.splitlines() if line.startswith(f"| `{setting.name}`")]
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[1] == setting.kind.name
        assert cells[2] == setting.kind.accepts.replace("|", "\\|")
    rows = {line.split(" | ")[0]: line for line in rendered.splitlines()}
    assert "| whole number | 1 or more | `5` |" in rows["| `YIWANG_LOGIN_FAILURE_LIMIT`"]
    assert "| whole number | 0 or more | `0` |" in rows["| `YIWANG_TRUSTED_PROXIES`"]
    assert "| whole number | 1 to 65535 (a port) | `25` |" in rows["| `YIWANG_EMAIL_PORT`"]
    assert "| choice | `database`, `immediate`, `rq` |" in rows["| `YIWANG_TASKS_BACKEND`"]
    assert "| whole number | 1 or more | `25` |" in rows["| `YIWANG_MAX_UPLOAD_MB`"]
