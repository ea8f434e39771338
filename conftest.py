"""Suite-wide test configuration: what may be skipped, and when skipping is an error."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium")

# Lets flush() empty the append-only audit tables at the end of transactional tests.
pytest_plugins = ["yiwang.audit.pytest_plugin"]


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    on_postgres = connection.vendor == "postgresql"
    have_chromium = shutil.which(CHROMIUM) is not None
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL; runs in the PostgreSQL pass"))
        if "browser" in item.keywords and not have_chromium:
            if _in_ci():
                raise pytest.UsageError(f"CI is set but Chromium is missing at {CHROMIUM}")
            item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}"))
