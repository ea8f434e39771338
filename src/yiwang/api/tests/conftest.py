"""Fixtures for API tests: the small world, and clients logged in the way each caller is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db: Any) -> w.World:
    return w.make_world()


@pytest.fixture
def logged_in() -> Callable[[Any], Client]:
    """A client with a session for the account, in the realm its kind logs in to."""

    def make(account: Any, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        client.force_login(account)
        return client

    return make


@pytest.fixture
def bearer() -> Callable[[str], Client]:
    """A client that sends a department system's token on every request."""

    def make(token: str) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    return make


@pytest.fixture
def english() -> Iterator[None]:
    from django.utils import translation

    with translation.override("en"):
        yield
