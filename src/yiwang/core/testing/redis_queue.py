"""The Redis task queue in tests: a Redis database of the tests' own, empty before and after.

Tests marked ``redis`` are skipped when no Redis answers at ``TEST_REDIS_URL`` (and fail the run
when ``CI`` is set; see the root ``conftest.py``). They take the ``redis_queue`` fixture, which
points the rq task backend at that database and empties it around the test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import redis

# A database number no site uses by default (sites use 0): the tests flush it.
TEST_REDIS_URL = os.environ.get("YIWANG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_answers(url: str = TEST_REDIS_URL) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture
def redis_queue(settings: Any) -> Iterator[str]:
    """The rq task backend on the tests' Redis database; yields that database's URL."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    client.flushdb()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    settings.RQ_QUEUES = {"default": {"URL": TEST_REDIS_URL}}
    try:
        yield TEST_REDIS_URL
    finally:
        client.flushdb()
        client.close()
