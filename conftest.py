"""Suite-wide test configuration: what may be skipped, and when skipping is an error."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings as hypothesis_settings

CHROMIUM = os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium")

# Property-based tests (hypothesis, schemathesis) draw the same examples on every run, so a
# commit's verdict never depends on the luck of the draw; YIWANG_HYPOTHESIS=explore draws new
# ones each run, to look for failures no run has met yet (a failure prints how to reproduce it).
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", database=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("YIWANG_HYPOTHESIS", "repeatable"))

# Browser fixtures (browser, new_page, page); translation catalogues compiled before the run.
pytest_plugins = [
    "yiwang.core.testing.browser",
    "yiwang.core.testing.catalogues",
    "yiwang.audit.pytest_plugin",  # lets flush() empty the append-only audit tables in tests
    "yiwang.core.testing.redis_queue",  # the redis_queue fixture for tests marked `redis`
]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    from yiwang.core.server import make_static_root

    # As `yiwang serve` does: otherwise WhiteNoise warns hundreds of times a run.
    make_static_root()

    # Argon2 at its smallest cost: the suite logs in thousands of times (see the module).
    settings.PASSWORD_HASHERS = [
        "yiwang.core.testing.hashers.QuickArgon2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    from yiwang.core.testing.browser import AXE_ENABLED
    from yiwang.core.testing.redis_queue import TEST_REDIS_URL, redis_answers

    on_postgres = connection.vendor == "postgresql"
    have_chromium = shutil.which(CHROMIUM) is not None
    have_redis = None  # asked only when a collected test needs it
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL; runs in the PostgreSQL pass")
            )
        if "axe" in item.keywords and not AXE_ENABLED:
            item.add_marker(
                pytest.mark.skip(reason="checks axe-core itself; runs where axe-core does")
            )
        if "browser" in item.keywords and not have_chromium:
            if _in_ci():
                raise pytest.UsageError(f"CI is set but Chromium is missing at {CHROMIUM}")
            item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}"))
        if item.get_closest_marker("redis") is not None:
            if have_redis is None:
                have_redis = redis_answers()
            if not have_redis:
                if _in_ci():
                    raise pytest.UsageError(
                        f"CI is set but Redis does not answer at {TEST_REDIS_URL}"
                    )
                item.add_marker(
                    pytest.mark.skip(reason=f"needs Redis; none answers at {TEST_REDIS_URL}")
                )
