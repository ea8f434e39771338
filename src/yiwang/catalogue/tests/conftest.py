"""Fixtures for catalogue tests: the departments the example definitions name, and file helpers."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from yiwang.audit.actors import system_actor
from yiwang.identity.tests.factories import DepartmentFactory

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SERVICES = FIXTURES / "services"
DEPARTMENTS = (
    "public_security",
    "urban_management",
    "housing",
    "market_regulation",
    "human_resources",
)


@pytest.fixture
def departments(db: Any) -> list[Any]:
    return [DepartmentFactory(code=code) for code in DEPARTMENTS]


@pytest.fixture
def actor() -> Any:
    return system_actor("test")


def read_fixture(name: str) -> dict[str, Any]:
    with (SERVICES / name).open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@pytest.fixture
def fixture_data() -> Callable[[str], dict[str, Any]]:
    """A deep copy of an example definition, to change one thing in it."""
    return lambda name: copy.deepcopy(read_fixture(name))


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a definition (dict or raw text) to a YAML file in a temporary folder."""

    def _write(name: str, content: dict[str, Any] | str, folder: str = "run") -> Path:
        directory = tmp_path / folder
        directory.mkdir(exist_ok=True)
        path = directory / name
        text = (
            content
            if isinstance(content, str)
            else yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
        )
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def examples(tmp_path: Path) -> Path:
    """A copy of the example definitions folder, safe to add files to."""
    target = tmp_path / "examples"
    shutil.copytree(SERVICES, target)
    return target


def row_counts() -> dict[str, int]:
    """Rows in every catalogue table and in the audit log: must not move when a load fails."""
    from yiwang.audit.models import AuditEvent
    from yiwang.catalogue.models import (
        BundleDefinition,
        BundleVersion,
        ServiceDefinition,
        ServiceVersion,
    )

    return {
        model.__name__: model.objects.count()
        for model in (
            ServiceDefinition,
            ServiceVersion,
            BundleDefinition,
            BundleVersion,
            AuditEvent,
        )
    }


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are compared in English, whatever the site's default language is."""
    from django.utils import translation

    with translation.override("en"):
        yield
