"""Log-in lock-out and the audit log take the client's address by the same rule: the connection's,
or behind YIWANG_TRUSTED_PROXIES proxies the one they forwarded, never one the client chose."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from yiwang.audit.models import AuditEvent
from yiwang.identity.tests.conftest import PASSWORD
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
BROWSER = "Same browser version everyone has"


def behind_proxy(forwarded_for: str) -> Client:
    """A browser whose requests reach yiwang through the load balancer at ``PROXY``."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for, HTTP_USER_AGENT=BROWSER)


def spray(client_for, login, times: int) -> None:
    """One failure each for ``times`` user names; ``client_for(i)`` sends the i-th."""
    for i in range(times):
        login(client_for(i), "portal", f"guess{i}", "wrong-password-x")


def failure_addresses() -> set[str]:
    events = AuditEvent.objects.filter(action="identity.login_failed")
    return {e.actor_id for e in events}


def test_without_trusted_proxies_a_forwarded_address_is_ignored_everywhere(
    citizen, login, settings, address_limit
):
    settings.YIWANG_TRUSTED_PROXIES = 0
    spray(lambda i: behind_proxy(f"198.51.100.{i + 1}"), login, address_limit)

    # Throttling: every attempt counted against the connection's address, so it locks.
    assert login(behind_proxy("203.0.113.9"), "portal", "lihua").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
    # The audit log records the same address, not the one the client wrote.
    assert failure_addresses() == {PROXY}
    lockout = AuditEvent.objects.filter(action="identity.lockout").latest("id")
    assert lockout.actor_id == PROXY
    assert lockout.data["ip_address"] == PROXY


def test_with_one_proxy_clients_behind_it_are_throttled_apart(login, settings, address_limit):
    settings.YIWANG_TRUSTED_PROXIES = 1
    victim = CitizenFactory(password=PASSWORD)
    attacker = "198.51.100.66"
    spray(lambda i: behind_proxy(attacker), login, address_limit)

    # The attacker's address is locked for every user name...
    assert login(behind_proxy(attacker), "portal", victim.username).status_code == 429
    # ...but someone else with the same browser, behind the same load balancer, is not.
    assert login(behind_proxy("203.0.113.9"), "portal", victim.username).status_code == 302

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {attacker}
    assert failure_addresses() == {attacker}
    lockout = AuditEvent.objects.filter(action="identity.lockout").latest("id")
    assert lockout.actor_id == attacker
    assert lockout.data["ip_address"] == attacker


def test_with_one_proxy_a_client_cannot_prepend_its_way_out_of_a_lock(
    citizen, login, settings, address_limit
):
    settings.YIWANG_TRUSTED_PROXIES = 1
    attacker = "198.51.100.66"
    # The attacker writes a new X-Forwarded-For each time; the load balancer appends the
    # address the request really came from.
    spray(
        lambda i: behind_proxy(f"192.0.2.{i + 1}, 10.9.9.{i + 1}, {attacker}"),
        login,
        address_limit,
    )
    fresh_claim = behind_proxy(f"203.0.113.9, {attacker}")
    assert login(fresh_claim, "portal", "lihua").status_code == 429
    assert failure_addresses() == {attacker}


@pytest.mark.parametrize(
    "forwarded_for", ["", "garbage", "203.0.113.9, not-an-address", "203.0.113.9,"]
)
def test_with_one_proxy_a_malformed_header_counts_against_the_connection(
    citizen, login, settings, forwarded_for, address_limit
):
    settings.YIWANG_TRUSTED_PROXIES = 1
    spray(lambda i: behind_proxy(forwarded_for), login, address_limit)
    assert login(behind_proxy(forwarded_for), "portal", "lihua").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
    assert failure_addresses() == {PROXY}


def test_with_two_proxies_a_header_with_one_entry_is_not_trusted(
    citizen, login, settings, address_limit
):
    settings.YIWANG_TRUSTED_PROXIES = 2
    # A client that reached the last proxy directly, writing its own one-entry header each time.
    spray(lambda i: behind_proxy(f"198.51.100.{i + 1}"), login, address_limit)
    assert login(behind_proxy("203.0.113.9"), "portal", "lihua").status_code == 429
    assert failure_addresses() == {PROXY}
