"""The lock-out rules as the operator guide and the settings' help state them: what is counted,
per what, for how long the count is kept, and how long a lock lasts."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from django.urls import reverse

from yiwang.identity.tests.conftest import PASSWORD
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def lockout_minutes(settings) -> int:
    return round(settings.AXES_COOLOFF_TIME * 60)


def age(delta: dt.timedelta) -> None:
    """Move every recorded failure ``delta`` into the past."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)


def fail(client, login, username, times):
    return [login(client, "portal", username, f"wrong-{i}-password") for i in range(times)]


def test_the_declared_defaults_are_five_failures_and_fifteen_minutes():
    from yiwang.conf import env

    defaults = {s.name: s.default for s in env.SETTINGS}
    assert defaults["YIWANG_LOGIN_FAILURE_LIMIT"] == 5
    assert defaults["YIWANG_LOGIN_LOCKOUT_MINUTES"] == 15
    assert defaults["YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT"] == 30


def test_the_lock_ends_when_the_failures_still_counted_fall_below_the_limit(
    citizen, login, settings
):
    minutes = lockout_minutes(settings)
    first = Client(REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Browser A")
    fail(first, login, "lihua", settings.AXES_FAILURE_LIMIT - 1)
    age(10 * MINUTE)
    second = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Browser B")
    assert fail(second, login, "lihua", 1)[0].status_code == 429
    # The first browser's failures are forgotten before the last failure is `minutes` old.
    age((minutes - 10) * MINUTE + MINUTE)
    third = Client(REMOTE_ADDR="192.0.2.5", HTTP_USER_AGENT="Browser C")
    assert login(third, "portal", "lihua", PASSWORD).status_code == 302


def test_failures_count_together_while_each_comes_within_the_lockout_time_of_the_last(
    client, citizen, login, settings
):
    minutes = lockout_minutes(settings)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert fail(client, login, "lihua", 1)[0].status_code == 200
        age((minutes - 1) * MINUTE)  # each failure comes just inside the window of the one before
    # Spread over almost an hour, the fifth failure still locks.
    assert fail(client, login, "lihua", 1)[0].status_code == 429


def test_a_pause_as_long_as_the_lockout_time_forgets_the_failures(client, citizen, login, settings):
    fail(client, login, "lihua", settings.AXES_FAILURE_LIMIT - 1)
    age(lockout_minutes(settings) * MINUTE + MINUTE)
    responses = fail(client, login, "lihua", settings.AXES_FAILURE_LIMIT - 1)
    assert all(r.status_code == 200 for r in responses)


def test_the_user_names_count_adds_up_failures_from_every_address_and_browser(
    citizen, login, settings
):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        fail(
            Client(REMOTE_ADDR=f"198.51.100.{i + 1}", HTTP_USER_AGENT=f"Browser {i}"),
            login,
            "lihua",
            1,
        )
    last = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Another browser")
    assert fail(last, login, "lihua", 1)[0].status_code == 429


def test_the_addresss_count_adds_up_every_browser_and_user_name(citizen, login, address_limit):
    other = CitizenFactory(password=PASSWORD)
    first = Client(REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Browser A")
    second = Client(REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Browser B")
    for i in range(address_limit - 1):
        login(first if i % 2 else second, "portal", f"guess{i}", "wrong-password-x")
    assert login(first, "portal", other.username, PASSWORD).status_code == 302
    login(second, "portal", "one-more-guess", "wrong-password-x")
    # Same address, any browser: the address is locked, for every user name.
    third = Client(REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Browser C")
    assert login(third, "portal", "lihua", PASSWORD).status_code == 429


def test_the_address_lock_ends_after_the_lockout_time(citizen, login, settings, address_limit):
    sprayer = Client(REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Sprayer")
    for i in range(address_limit):
        login(sprayer, "portal", f"guess{i}", "wrong-password-x")
    assert login(sprayer, "portal", "lihua", PASSWORD).status_code == 429
    age(lockout_minutes(settings) * MINUTE + MINUTE)
    assert login(sprayer, "portal", "lihua", PASSWORD).status_code == 302


def test_each_attempt_during_the_lock_starts_the_wait_again(client, citizen, login, settings):
    minutes = lockout_minutes(settings)
    fail(client, login, "lihua", settings.AXES_FAILURE_LIMIT)
    age((minutes - 2) * MINUTE)
    assert login(client, "portal", "lihua", PASSWORD).status_code == 429  # tried during the lock
    age(3 * MINUTE)  # the first lock would be over by now; the attempt started a new wait
    assert login(client, "portal", "lihua", PASSWORD).status_code == 429


def test_a_success_clears_the_user_names_count_but_not_the_addresss(citizen, login, settings):
    browser = Client(REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Browser A")
    elsewhere = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Browser B")
    fail(elsewhere, login, "lihua", 2)
    fail(browser, login, "someone-else", 2)
    assert login(browser, "portal", "lihua", PASSWORD).status_code == 302
    # Someone guessing from an address cannot wipe its count by logging in to an account of
    # their own: only the user name that logged in is cleared.
    remaining = AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")
    assert list(remaining) == [("someone-else", "198.51.100.1", 2)]


def test_a_reset_by_e_mail_lifts_the_user_names_lock_only(
    client, citizen, login, settings, address_limit
):
    from yiwang.identity import services

    fail(client, login, "lihua", settings.AXES_FAILURE_LIMIT)
    sprayer = Client(REMOTE_ADDR="198.51.100.1", HTTP_USER_AGENT="Sprayer")
    for i in range(address_limit):
        login(sprayer, "portal", f"guess{i}", "wrong-password-x")
    services.set_password(
        actor=citizen, account=citizen, password="lantern-harbour-sky-7", reason="reset"
    )
    fresh = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Fresh browser")
    assert login(fresh, "portal", "lihua", "lantern-harbour-sky-7").status_code == 302
    # The address that tried many user names stays locked for all of them.
    assert login(sprayer, "portal", "lihua", "lantern-harbour-sky-7").status_code == 429


def test_a_wrong_current_password_counts_against_the_user_name(client, citizen, login, settings):
    assert login(client, "portal", "lihua").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("portal:password_change"),
            {
                "current_password": "not-my-password-9",
                "new_password1": "willow-lantern-ferry-58",
                "new_password2": "willow-lantern-ferry-58",
            },
        )
    elsewhere = Client(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Another browser")
    assert login(elsewhere, "portal", "lihua").status_code == 429


def test_the_address_is_the_one_the_connection_comes_from(citizen, login, address_limit):
    # X-Forwarded-For is not read: behind a proxy every client has the proxy's address.
    for i in range(address_limit):
        client = Client(
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}",
            HTTP_USER_AGENT="Same",
        )
        login(client, "portal", f"guess{i}", "wrong-password-x")
    behind_the_same_proxy = Client(
        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_USER_AGENT="Same"
    )
    assert login(behind_the_same_proxy, "portal", "lihua").status_code == 429
