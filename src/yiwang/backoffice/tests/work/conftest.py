"""Fixtures for the work-queue and task-page tests, on the API tests' small world.

They apply to every test in this folder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db: Any) -> w.World:
    return w.make_world()


@pytest.fixture
def logged_in() -> Callable[..., Client]:
    """A client with a session for the account, in the language asked for (English unless
    told otherwise, so that assertions can read the words)."""

    def make(account: Any, language: str = "en") -> Client:
        client = Client()
        client.force_login(account)
        client.cookies["django_language"] = language
        return client

    return make
