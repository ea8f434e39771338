"""/healthz and /readyz, which load balancers and orchestrators poll."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="localhost")


def test_healthz_says_ok_without_touching_anything(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ready_when_every_migration_is_applied(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "pending_migrations": 0,
    }


def test_readyz_is_unavailable_while_migrations_are_pending(client: Client) -> None:
    pending = [("identity", "9999_not_applied"), ("audit", "9999_not_applied")]
    with mock.patch(
        "django.db.migrations.executor.MigrationExecutor.migration_plan", return_value=pending
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "database": "ok",
        "pending_migrations": 2,
    }


def test_probes_refuse_writes(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


def test_readyz_is_unavailable_when_the_database_does_not_answer(client: Client) -> None:
    from django.db import OperationalError

    with mock.patch(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "unavailable"
