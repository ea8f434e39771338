"""Operators see each remote registry's circuit: ``yiwang exchange status`` and the admin."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from yiwang.core import clock
from yiwang.exchange.cli import app
from yiwang.exchange.connectors.constants import CircuitState
from yiwang.exchange.connectors.models import ConnectorCircuit
from yiwang.exchange.connectors.status import remote_registry_status, remote_registry_statuses
from yiwang.exchange.loaders import load_definitions
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import DepartmentFactory

from .conftest import World, staff
from .test_connectors import registry_file


@pytest.fixture
def remote_loaded(loaded: World, tmp_path: Path) -> World:
    load_definitions([registry_file(tmp_path, "https://population.psb.example.org/api/")])
    return loaded


def _open(registry: str, *, failures: int = 3, error: str = "GET …: answered HTTP 503") -> None:
    now = clock.now()
    ConnectorCircuit.objects.create(
        registry_code=registry,
        state=CircuitState.OPEN,
        failures=failures,
        opened_at=now,
        last_error=error,
        last_failure_at=now,
        updated_at=now,
    )


def _status_json() -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["status", "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_status_lists_every_registry_and_a_closed_remote_circuit(remote_loaded: World) -> None:
    code, report = _status_json()
    assert code == 0
    rows = {row["registry"]: row for row in report["registries"]}
    assert rows["people"]["storage"] == "hosted" and rows["people"]["circuit"] is None
    remote = rows["population_remote"]
    assert remote["storage"] == "remote" and remote["connector"] == "http"
    assert remote["circuit"] == CircuitState.CLOSED
    assert remote["failures"] == 0 and remote["failure_threshold"] == 3
    assert report["unavailable"] == []


def test_status_shows_an_open_circuit_and_exits_non_zero(remote_loaded: World) -> None:
    _open("population_remote")
    code, report = _status_json()
    assert code == 3
    remote = {row["registry"]: row for row in report["registries"]}["population_remote"]
    assert remote["circuit"] == CircuitState.OPEN
    assert remote["failures"] == 3
    assert remote["last_error"] == "GET …: answered HTTP 503"
    opened = dt.datetime.fromisoformat(remote["opened_at"])
    assert dt.datetime.fromisoformat(remote["next_trial_at"]) == opened + dt.timedelta(seconds=30)
    assert report["unavailable"] == ["population_remote"]


def test_status_as_a_table_names_the_unavailable_registries(remote_loaded: World) -> None:
    _open("population_remote")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 3
    assert "population_remote" in result.stdout
    assert "population_remote: open; 3/3 failures in a row; open since " in result.stdout
    assert "last error: GET …: answered HTTP 503" in result.stdout
    assert "unavailable: population_remote" in result.stdout


def test_status_of_registries_that_are_not_remote_is_none(remote_loaded: World) -> None:
    assert remote_registry_status("people") is None
    assert remote_registry_status("no_such_registry") is None
    assert [s.registry for s in remote_registry_statuses()] == [
        "population_remote",
        "remote_people",
    ]
    # A connector type with no breaker options gets the defaults.
    other = {s.registry: s for s in remote_registry_statuses()}["remote_people"]
    assert other.failure_threshold == 5 and other.available


def test_platform_admins_see_the_circuits_read_only_in_the_admin(
    remote_loaded: World, client: Client
) -> None:
    _open("population_remote")
    admin_account = staff("platform.admin", DepartmentFactory(code="data"), Role.PLATFORM_ADMIN)
    client.force_login(admin_account)
    listing = client.get("/admin/exchange/connectorcircuit/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "population_remote" in page and "answered HTTP 503" in page
    circuit = ConnectorCircuit.objects.get(registry_code="population_remote")
    detail = client.get(f"/admin/exchange/connectorcircuit/{circuit.pk}/change/")
    assert detail.status_code == 200
    assert client.get("/admin/exchange/connectorcircuit/add/").status_code == 403
    client.post(f"/admin/exchange/connectorcircuit/{circuit.pk}/delete/", {"post": "yes"})
    assert ConnectorCircuit.objects.filter(pk=circuit.pk).exists()


def test_department_admins_do_not_see_the_circuits(remote_loaded: World, client: Client) -> None:
    _open("population_remote")
    department_admin = staff("reg.admin", remote_loaded.registrar, Role.DEPARTMENT_ADMIN)
    client.force_login(department_admin)
    assert client.get("/admin/exchange/connectorcircuit/").status_code == 403
