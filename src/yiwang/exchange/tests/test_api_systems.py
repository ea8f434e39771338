"""Department systems' tokens over HTTP: a department admin issues, rotates and revokes them;
a token is shown once; admins of other departments find nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from yiwang.audit.models import AuditEvent
from yiwang.exchange.constants import ACTION_CREDENTIAL_ISSUED, ACTION_CREDENTIAL_REVOKED
from yiwang.exchange.models import SystemCredential
from yiwang.exchange.tests.api_support import (
    PLATFORM,
    bearer,
    department_admin,
    error,
    last_event_id,
    send,
    session,
    system_with_token,
)
from yiwang.exchange.tests.conftest import World, staff
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(loaded: World) -> Any:
    return session(department_admin(loaded.registrar, "reg.admin"))


def me(token: str) -> int:
    return int(send(bearer(token), "get", "/me").status_code)


def test_an_admin_registers_a_system_and_issues_it_a_token_shown_once(
    loaded: World, admin: Any
) -> None:
    mark = last_event_id()

    registered = send(
        admin, "post", "/exchange/systems", {"department": "registrar", "name": "births"}
    )
    system_id = registered.json()["id"]
    issued = send(admin, "post", f"/exchange/systems/{system_id}/credentials")
    listed = send(admin, "get", "/exchange/systems")

    assert registered.status_code == 201, registered.content
    assert registered.json()["credentials"] == []
    assert issued.status_code == 201
    assert issued["Cache-Control"] == "no-store"
    token = issued.json()["token"]
    assert token.startswith(f"ywds_{issued.json()['prefix']}_")
    assert me(token) == 200
    assert send(bearer(token), "get", "/me").json()["name"] == "births"
    [system] = listed.json()["items"]
    assert system["credentials"][0]["prefix"] == issued.json()["prefix"]
    assert token not in listed.content.decode()
    stored = SystemCredential.objects.get(prefix=issued.json()["prefix"]).token_hash
    assert stored == hashlib.sha256(token.encode()).hexdigest()  # only its hash is kept
    actions = [e.action for e in AuditEvent.objects.filter(id__gt=mark)]
    assert actions[-1] == ACTION_CREDENTIAL_ISSUED


def test_rotation_stops_every_old_token_at_once(loaded: World, admin: Any) -> None:
    system, first = system_with_token(loaded.registrar)
    second = send(admin, "post", f"/exchange/systems/{system.pk}/credentials").json()["token"]

    rotated = send(admin, "post", f"/exchange/systems/{system.pk}/credentials/rotate")

    assert rotated.status_code == 201
    assert (me(first), me(second), me(rotated.json()["token"])) == (401, 401, 200)
    listed = send(admin, "get", "/exchange/systems").json()["items"][0]["credentials"]
    assert [c["live"] for c in listed] == [False, False, True]


def test_revoking_one_token_leaves_the_others(loaded: World, admin: Any) -> None:
    system, first = system_with_token(loaded.registrar)
    second = send(admin, "post", f"/exchange/systems/{system.pk}/credentials").json()
    mark = last_event_id()

    revoked = send(
        admin,
        "post",
        f"/exchange/systems/{system.pk}/credentials/revoke",
        {"prefix": second["prefix"]},
    )

    assert revoked.json() == {"revoked": [second["prefix"]]}
    assert (me(first), me(second["token"])) == (200, 401)
    assert [e.action for e in AuditEvent.objects.filter(id__gt=mark)] == [ACTION_CREDENTIAL_REVOKED]


def test_revoking_by_a_mistyped_prefix_is_a_422_and_the_token_stays_live(
    loaded: World, admin: Any
) -> None:
    system, first = system_with_token(loaded.registrar)

    refused = send(
        admin, "post", f"/exchange/systems/{system.pk}/credentials/revoke", {"prefix": "typo"}
    )

    assert refused.status_code == 422
    assert "prefix" in refused.json()["error"]["fields"]
    assert me(first) == 200


def test_revoking_all_tokens(loaded: World, admin: Any) -> None:
    system, first = system_with_token(loaded.registrar)

    revoked = send(admin, "post", f"/exchange/systems/{system.pk}/credentials/revoke", {})

    assert len(revoked.json()["revoked"]) == 1
    assert me(first) == 401


def test_a_deactivated_system_gets_no_new_token(loaded: World, admin: Any) -> None:
    from yiwang.exchange.services import deactivate_system

    system, _ = system_with_token(loaded.registrar)
    deactivate_system(actor=PLATFORM, system=system)

    response = send(admin, "post", f"/exchange/systems/{system.pk}/credentials")

    assert response.status_code == 409
    assert not SystemCredential.objects.filter(system=system, revoked_at__isnull=True).exists()


def test_a_data_officer_may_manage_the_departments_systems_too(loaded: World) -> None:
    system, _ = system_with_token(loaded.registrar)

    response = send(
        session(loaded.registrar_officer), "post", f"/exchange/systems/{system.pk}/credentials"
    )

    assert response.status_code == 201


def test_a_system_name_is_unique_in_its_department(loaded: World, admin: Any) -> None:
    system_with_token(loaded.registrar, "births")

    response = send(
        admin, "post", "/exchange/systems", {"department": "registrar", "name": "births"}
    )

    assert response.status_code == 422
    assert "name" in error(response)["fields"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("post", "/credentials", None),
        ("post", "/credentials/rotate", None),
        ("post", "/credentials/revoke", {}),
    ],
)
@pytest.mark.parametrize("who", ["other admin", "reviewer of the department"])
def test_other_departments_systems_are_not_found(
    loaded: World, method: str, suffix: str, body: Any, who: str
) -> None:
    w = loaded
    system, token = system_with_token(w.registrar)
    if who == "other admin":
        client = session(department_admin(w.commerce))
    else:  # works in the system's department, but does not look after its systems
        client = session(staff("reg.reviewer", w.registrar, Role.REVIEWER))
    credentials = list(SystemCredential.objects.values_list("prefix", "revoked_at"))

    response = send(client, method, f"/exchange/systems/{system.pk}{suffix}", body)
    missing = send(client, method, f"/exchange/systems/999999999{suffix}", body)
    listed = send(client, "get", "/exchange/systems")

    assert response.status_code == 404, response.content
    assert response.json() == missing.json()
    assert system.pk not in [s["id"] for s in listed.json()["items"]]
    assert list(SystemCredential.objects.values_list("prefix", "revoked_at")) == credentials
    assert me(token) == 200


def test_an_admin_cannot_register_a_system_for_another_department(loaded: World) -> None:
    response = send(
        session(department_admin(loaded.commerce)),
        "post",
        "/exchange/systems",
        {"department": "registrar", "name": "intruder"},
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/exchange/systems", None),
        ("post", "/exchange/systems", {"department": "registrar", "name": "x"}),
        ("post", "/exchange/systems/1/credentials", None),
        ("post", "/exchange/systems/1/credentials/rotate", None),
        ("post", "/exchange/systems/1/credentials/revoke", {}),
    ],
)
def test_citizens_and_systems_cannot_manage_systems(
    loaded: World, method: str, path: str, body: Any
) -> None:
    w = loaded

    as_citizen = send(session(w.citizen), method, path, body)
    as_system = send(bearer(system_with_token(w.registrar)[1]), method, path, body)

    assert as_citizen.status_code == as_system.status_code == 401
