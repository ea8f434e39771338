"""yiwang's own system checks: each one fires on the mistake it is for, and only then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from yiwang.core import checks


def _ids(messages: list[Any]) -> set[str]:
    return {m.id for m in messages}


def _pem(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_production_checks_stay_quiet_outside_production(settings: Any) -> None:
    settings.PRODUCTION = False
    assert checks.check_production_settings() == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")
def test_production_on_sqlite_with_local_hosts_and_console_mail_warns(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PRODUCTION = True
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}}
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    monkeypatch.setenv("YIWANG_SECRET_KEY", "s" * 60)
    monkeypatch.setenv("YIWANG_TASKS_BACKEND", "immediate")
    monkeypatch.delenv("YIWANG_DEBUG", raising=False)
    assert _ids(checks.check_production_settings()) == {
        "yiwang.W003",
        "yiwang.W004",
        "yiwang.W005",
        "yiwang.W006",
    }


@pytest.mark.parametrize("hosts", [["*"], [".example.gov.cn"], ["services.example.gov.cn", "*"]])
def test_production_accepting_any_host_is_an_error(
    settings: Any, monkeypatch: pytest.MonkeyPatch, hosts: list[str]
) -> None:
    # E-mailed links (password reset) are written with the host a request names.
    settings.PRODUCTION = True
    settings.ALLOWED_HOSTS = hosts
    monkeypatch.setenv("YIWANG_SECRET_KEY", "s" * 60)
    found = [m for m in checks.check_production_settings() if m.id == "yiwang.E008"]
    assert len(found) == 1 and found[0].is_serious()


def test_production_without_a_secret_key_is_an_error(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PRODUCTION = True
    monkeypatch.delenv("YIWANG_SECRET_KEY", raising=False)
    monkeypatch.setenv("YIWANG_DEBUG", "1")
    found = checks.check_production_settings()
    assert {"yiwang.E001", "yiwang.W002"} <= _ids(found)
    (error,) = [m for m in found if m.id == "yiwang.E001"]
    assert error.is_serious()
    assert "secrets.token_urlsafe" in error.hint
    assert error.hint.count("python3 -c") == 1  # Debian has no `python`


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")
def test_a_well_configured_production_site_passes(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PRODUCTION = True
    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}
    settings.ALLOWED_HOSTS = ["services.example.gov.cn"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    monkeypatch.setenv("YIWANG_SECRET_KEY", "s" * 60)
    monkeypatch.setenv("YIWANG_TASKS_BACKEND", "database")
    monkeypatch.delenv("YIWANG_DEBUG", raising=False)
    assert checks.check_production_settings() == []


def test_directories_must_be_writable_directories(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    assert checks.check_directories() == []
    assert (tmp_path / "media").is_dir()  # created when missing
    (tmp_path / "blocked").write_text("")
    settings.MEDIA_ROOT = tmp_path / "blocked"
    (message,) = checks.check_directories()
    assert message.id == "yiwang.E011"
    assert "YIWANG_MEDIA_ROOT" in message.hint


def test_the_audit_signing_key_must_be_an_ed25519_private_key(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    settings.PRODUCTION = False
    settings.YIWANG_AUDIT_SIGNING_KEY = None
    assert checks.check_audit_signing_key() == []  # none yet: generated on first use
    settings.YIWANG_AUDIT_SIGNING_KEY = _pem(Ed25519PrivateKey.generate())
    assert checks.check_audit_signing_key() == []
    settings.YIWANG_AUDIT_SIGNING_KEY = "not a key"
    assert _ids(checks.check_audit_signing_key()) == {"yiwang.E021"}
    settings.YIWANG_AUDIT_SIGNING_KEY = _pem(X25519PrivateKey.generate())
    assert _ids(checks.check_audit_signing_key()) == {"yiwang.E022"}


def test_a_generated_key_file_readable_by_others_warns(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.YIWANG_AUDIT_SIGNING_KEY = None
    path = tmp_path / "audit_signing_key.pem"
    path.write_text(_pem(Ed25519PrivateKey.generate()))
    path.chmod(0o600)
    assert checks.check_audit_signing_key() == []
    path.chmod(0o644)
    assert _ids(checks.check_audit_signing_key()) == {"yiwang.W023"}
    settings.PRODUCTION = True
    path.unlink()
    assert _ids(checks.check_audit_signing_key()) == {"yiwang.W021"}


@pytest.mark.django_db
def test_pending_migrations_are_reported_only_when_a_database_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert checks.check_database() == []
    assert checks.check_database(databases=["default"]) == []  # the test database is migrated

    from django.db.migrations.executor import MigrationExecutor

    real_plan = MigrationExecutor.migration_plan

    def one_pending(self: Any, targets: Any, clean_start: bool = False) -> Any:
        node = self.loader.graph.leaf_nodes()[0]
        pending = (self.loader.graph.nodes[node], False)
        return [pending, *real_plan(self, targets, clean_start)]

    monkeypatch.setattr(MigrationExecutor, "migration_plan", one_pending)
    (message,) = checks.check_database(databases=["default"])
    assert message.id == "yiwang.W031"
    assert "yiwang migrate" in message.hint
    # Django's migrate command runs the checks before migrating: no warning of what it does.
    monkeypatch.setattr("sys.argv", ["yiwang", "manage", "migrate"])
    assert checks.check_database(databases=["default"]) == []


def test_the_checks_are_registered_when_django_starts() -> None:
    """Django's own ``check`` (and ``migrate``, which runs it) sees yiwang's checks: the core
    app's configuration is the one Django uses, so its ready() registers them."""
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'yiwang.conf.settings'; "
        "django.setup(); from django.apps import apps; from django.core.checks import registry; "
        "print(type(apps.get_app_config('core')).__name__, "
        "'check_audit_signing_key' in {c.__name__ for c in registry.registry.get_checks()})"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert shown == ["CoreConfig", "True"]
