"""Fixtures for demo tests: fast password hashing, table dumps and an audit-event counter."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from yiwang.demo import loader


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    # The demo has dozens of accounts; Argon2 would make every load take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def dump_tables() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, so a test can tell whether anything at all was written."""
    out = {}
    for model in apps.get_models(include_auto_created=True):
        rows = model._default_manager.order_by("pk").values_list()
        out[model._meta.db_table] = [tuple(map(str, row)) for row in rows]
    return out


@pytest.fixture
def table_dump() -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    return dump_tables


@pytest.fixture
def audit_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every record_event call, passed through to the real audit log."""
    from yiwang.audit import services as audit_services

    calls: list[dict[str, Any]] = []
    real = audit_services.record_event

    def spy(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(audit_services, "record_event", spy)
    yield calls


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo data files, for tests that break one."""
    target = tmp_path / "data"
    shutil.copytree(loader.DATA_DIR, target)
    return target
