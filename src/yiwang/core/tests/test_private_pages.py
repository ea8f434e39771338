"""Pages shown to a signed-in person, and API answers to a token holder, are never stored by a
browser or a proxy; public pages keep their caching."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_page_is_not_stored(db: Any) -> None:
    client = Client()
    client.force_login(CitizenFactory())

    response = client.get("/my/applications/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_an_api_answer_to_a_token_is_not_stored(db: Any) -> None:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer ywds_nothing_here")

    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_a_public_page_for_nobody_in_particular_is_left_alone(db: Any) -> None:
    response = Client().get("/api/v1/catalogue/services")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
