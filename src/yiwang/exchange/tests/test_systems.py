"""Department systems: hashed, rotatable, revocable API credentials."""

from __future__ import annotations

import hashlib

import pytest

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import constants, services
from yiwang.exchange.models import SystemCredential

from .conftest import World, events_after, last_event_id


def test_tokens_are_stored_only_as_hashes(world: World) -> None:
    w = world
    system = services.register_system(
        actor=w.registrar_officer, department="registrar", name="population-db"
    )
    issued = services.issue_credential(actor=w.registrar_officer, system=system)
    assert issued.token.startswith(f"{constants.TOKEN_PREFIX}_{issued.prefix}_")
    stored = SystemCredential.objects.get(prefix=issued.prefix)
    assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in {stored.token_hash, stored.prefix}
    # The secret is everything after the prefix: token_urlsafe may itself hold "_".
    secret = issued.token.split("_", 2)[2]
    assert len(secret) >= 40
    assert secret not in stored.token_hash
    assert services.authenticate_system(issued.token) == system


def test_wrong_or_malformed_tokens_are_refused(world: World) -> None:
    w = world
    system = services.register_system(actor=w.registrar_officer, department="registrar", name="db")
    issued = services.issue_credential(actor=w.registrar_officer, system=system)
    tampered = issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
    for token in (
        tampered,
        "",
        "ywds",
        "ywds__x",
        "Bearer " + issued.token,
        issued.token.replace(issued.prefix, "000000000000"),
        None,
    ):
        assert services.authenticate_system(token) is None  # type: ignore[arg-type]


def test_rotation_invalidates_the_old_token(world: World) -> None:
    w = world
    system = services.register_system(actor=w.registrar_officer, department="registrar", name="db")
    old = services.issue_credential(actor=w.registrar_officer, system=system)
    mark = last_event_id()
    new = services.rotate_credential(actor=w.registrar_officer, system=system)
    assert services.authenticate_system(old.token) is None
    assert services.authenticate_system(new.token) == system
    [event] = events_after(mark)
    assert event.action == constants.ACTION_CREDENTIAL_ISSUED
    assert event.data["rotated"] == [old.prefix]
    assert new.token not in event.data_json


def test_revocation_and_deactivation_refuse_at_once(world: World) -> None:
    w = world
    system = services.register_system(actor=w.registrar_officer, department="registrar", name="db")
    first = services.issue_credential(actor=w.registrar_officer, system=system)
    second = services.issue_credential(actor=w.registrar_officer, system=system)
    assert services.revoke_credential(
        actor=w.registrar_officer, system=system, prefix=first.prefix
    ) == [first.prefix]
    assert services.authenticate_system(first.token) is None
    assert services.authenticate_system(second.token) == system
    services.deactivate_system(actor=w.registrar_officer, system=system)
    assert services.authenticate_system(second.token) is None


@pytest.mark.parametrize("prefix", ["", "  ", "nosuchprefix"])
def test_revoking_by_a_prefix_no_token_has_is_refused_not_answered_with_nothing(
    world: World, prefix: str
) -> None:
    from django.core.exceptions import ValidationError

    w = world
    system = services.register_system(actor=w.registrar_officer, department="registrar", name="db")
    live = services.issue_credential(actor=w.registrar_officer, system=system)
    with pytest.raises(ValidationError) as caught:
        services.revoke_credential(actor=w.registrar_officer, system=system, prefix=prefix)
    assert "prefix" in caught.value.message_dict
    assert services.authenticate_system(live.token) == system
    # A token revoked already: asking again revokes nothing, and is no error.
    services.revoke_credential(actor=w.registrar_officer, system=system, prefix=live.prefix)
    assert (
        services.revoke_credential(actor=w.registrar_officer, system=system, prefix=live.prefix)
        == []
    )


def test_only_the_departments_admins_and_data_officers_manage_systems(world: World) -> None:
    w = world
    with pytest.raises(PermissionDenied):
        services.register_system(actor=w.welfare_officer, department="registrar", name="x")
    with pytest.raises(PermissionDenied):
        services.register_system(actor=w.welfare_reviewer, department="welfare", name="x")
    system = services.register_system(actor=w.registrar_officer, department="registrar", name="db")
    for outsider in (w.welfare_officer, w.citizen):
        with pytest.raises(PermissionDenied):
            services.issue_credential(actor=outsider, system=system)
        with pytest.raises(PermissionDenied):
            services.rotate_credential(actor=outsider, system=system)
        with pytest.raises(PermissionDenied):
            services.revoke_credential(actor=outsider, system=system)


def test_system_names_are_unique_per_department(world: World) -> None:
    from django.core.exceptions import ValidationError

    w = world
    services.register_system(actor=w.registrar_officer, department="registrar", name="db")
    with pytest.raises(ValidationError):
        services.register_system(actor=w.registrar_officer, department="registrar", name="db")
    services.register_system(actor=w.commerce_officer, department="commerce", name="db")
