"""A setting with a value yiwang cannot use stops every command with one line that names it and
says what it accepts (exit status 2), never a traceback; an empty value counts as unset."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.conf import env
from yiwang.core import checks
from yiwang.core.testing.cli import run_yiwang

_yiwang = run_yiwang


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        (
            "YIWANG_DATABASE_URL",
            "mysql://yiwang:hunter2@db/yiwang",
            "only sqlite:// and postgres://",
        ),
        ("YIWANG_DATABASE_URL", "postgres://yiwang:hunter2@db:notaport/yiwang", "port"),
        ("YIWANG_DATABASE_URL", "postgres//yiwang:hunter2@db/yiwang", "only sqlite://"),
        ("YIWANG_DATABASE_URL", "postgres://yiwang:hunter2@db:5432/", "names no database"),
        ("YIWANG_TIME_ZONE", "Mars/Olympus", "not a known time zone"),
        ("YIWANG_LANGUAGE", "zh-cn", "zh-hans, en"),
        ("YIWANG_LANGUAGE", "fr", "zh-hans, en"),
        ("YIWANG_LOG_LEVEL", "verbose", "DEBUG, INFO, WARNING, ERROR"),
        ("YIWANG_WEB_WORKERS", "-3", "1 or more"),
        ("YIWANG_WEB_THREADS", "0", "1 or more"),
        ("YIWANG_SESSION_AGE_SECONDS", "0", "1 or more"),
        ("YIWANG_AUDIT_SEAL_INTERVAL_SECONDS", "0", "1 or more"),
        ("YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS", "-1", "0 or more"),
        ("YIWANG_EMAIL_PORT", "smtp", "port number"),
        ("YIWANG_ALLOWED_HOSTS", "https://services.example.gov.cn/", "without scheme"),
        ("YIWANG_ALLOWED_HOSTS", "services example.gov.cn", "spaces"),
        ("YIWANG_CSRF_TRUSTED_ORIGINS", "services.example.gov.cn", "https://"),
        ("YIWANG_CSRF_TRUSTED_ORIGINS", "https://services.example.gov.cn/portal", "https://"),
    ],
)
def test_a_value_yiwang_cannot_use_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, says: str
) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(env.ConfigurationError) as error:
        env.read(name)
    message = str(error.value)
    assert message.startswith(f"{name}: ")
    assert says in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("YIWANG_DATABASE_URL", "postgresql://yiwang:pw@db.internal:5432/yiwang", None),
        ("YIWANG_DATABASE_URL", "sqlite:////var/lib/yiwang/yiwang.sqlite3", None),
        ("YIWANG_TIME_ZONE", "Europe/Paris", None),
        ("YIWANG_LANGUAGE", "EN", "en"),
        ("YIWANG_LOG_LEVEL", "warning", "WARNING"),
        ("YIWANG_AUDIT_VERIFY_INTERVAL_SECONDS", "0", 0),  # never
        ("YIWANG_ALLOWED_HOSTS", "services.example.gov.cn, .example.gov.cn, [::1]", None),
        (
            "YIWANG_CSRF_TRUSTED_ORIGINS",
            "https://services.example.gov.cn,http://10.0.0.1:8000",
            None,
        ),
    ],
)
def test_good_values_are_taken(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, expected: Any
) -> None:
    monkeypatch.setenv(name, raw)
    value, source = env.read(name)
    assert source == "env"
    if expected is None:
        expected = [v.strip() for v in raw.split(",")] if isinstance(value, list) else raw
    assert value == expected


@pytest.mark.parametrize("name", [s.name for s in env.SETTINGS])
def test_an_empty_value_counts_as_unset(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "  ")
    assert env.read(name) == (env.declared(name).default, "default")


def test_an_empty_data_directory_is_the_default_not_the_current_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("YIWANG_DATA_DIR", "")
    assert env.data_dir() == tmp_path / ".yiwang"


def test_a_data_directory_that_cannot_be_made_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a_file = tmp_path / "data"
    a_file.write_text("")
    for raw, why in ((str(a_file), "it is a file"), ("/proc/nope", "")):
        monkeypatch.setenv("YIWANG_DATA_DIR", raw)
        with pytest.raises(env.ConfigurationError, match=f"^YIWANG_DATA_DIR: '{raw}'.*{why}"):
            env.data_dir()


def _pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


@pytest.mark.parametrize(
    "written",
    [
        lambda pem: pem.strip().replace("\n", "\\n"),  # bash, systemd's EnvironmentFile
        lambda pem: '"' + pem.strip().replace("\n", "\\n") + '"',  # docker --env-file
        lambda pem: pem,  # real line breaks, from a secret store
    ],
)
def test_an_audit_signing_key_on_one_line_with_backslash_n_is_accepted(
    monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path, written: Any
) -> None:
    pem = _pem()
    monkeypatch.setenv("YIWANG_AUDIT_SIGNING_KEY", written(pem))
    settings.DATA_DIR = tmp_path
    settings.YIWANG_AUDIT_SIGNING_KEY = env.value("YIWANG_AUDIT_SIGNING_KEY")
    assert settings.YIWANG_AUDIT_SIGNING_KEY.strip() == pem.strip()
    assert checks.check_audit_signing_key() == []


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"YIWANG_TIME_ZONE": "Mars/Olympus"}, "YIWANG_TIME_ZONE: 'Mars/Olympus'"),
        (
            {"YIWANG_DATABASE_URL": "mysql://yiwang:hunter2@db/yiwang"},
            "YIWANG_DATABASE_URL: only sqlite:// and postgres://",
        ),
        ({"YIWANG_DATA_DIR": "/proc/nope"}, "YIWANG_DATA_DIR: '/proc/nope'"),
        ({"YIWANG_PRODUCTION": "1", "YIWANG_SECRET_KEY": ""}, "python3 -c"),
    ],
)
@pytest.mark.parametrize("command", ["check", "config"])
def test_commands_report_a_bad_setting_in_one_line_with_status_2(
    tmp_path: Path, command: str, variables: dict[str, str], says: str
) -> None:
    result = _yiwang(tmp_path, command, **variables)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Configuration error: ")
    assert says in result.stderr
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr


def test_check_reports_a_sqlite_database_it_cannot_open(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "yiwang.sqlite3"
    result = _yiwang(tmp_path, "check", YIWANG_DATABASE_URL=f"sqlite:///{missing}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "(yiwang.E030) The database 'default' cannot be reached" in result.stderr
    assert f"the directory {missing.parent} does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_hsts_preload_is_the_operators_choice(tmp_path: Path) -> None:
    production = {
        "YIWANG_PRODUCTION": "1",
        "YIWANG_SECRET_KEY": "s" * 60,
        "YIWANG_ALLOWED_HOSTS": "services.example.gov.cn",
    }
    off = _yiwang(tmp_path, "check", "--deploy", **production)
    assert off.returncode == 0, off.stdout + off.stderr  # warnings only
    assert "security.W021" not in off.stdout + off.stderr
    assert "security.W004" not in off.stdout + off.stderr  # HSTS is on
    script = "import django; django.setup(); from django.conf import settings as s;"
    script += "print(s.SECURE_HSTS_PRELOAD, 'security.W021' in s.SILENCED_SYSTEM_CHECKS)"
    environ = {
        **os.environ,
        **production,
        "YIWANG_DATA_DIR": str(tmp_path / "data"),
        "YIWANG_DATABASE_URL": "",
        "DJANGO_SETTINGS_MODULE": "yiwang.conf.settings",
        "YIWANG_HSTS_PRELOAD": "1",
    }
    on = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=False
    )
    assert on.stdout.split() == ["True", "False"], on.stderr
