"""Repeated failures lock a user name, and (at a higher limit) a client address, for a while."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yiwang.identity.tests.conftest import PASSWORD
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

LOCKED = "Logging in is locked for now"


def fail(client, login, username, times, realm="portal"):
    return [login(client, realm, username, f"wrong-{i}-password") for i in range(times)]


def test_failures_up_to_the_limit_lock_the_user_name(client, citizen, login, settings):
    limit = settings.AXES_FAILURE_LIMIT
    responses = fail(client, login, "lihua", limit)
    assert all(r.status_code == 200 for r in responses[:-1])
    locked = responses[-1]
    assert locked.status_code == 429
    body = locked.content.decode()
    assert LOCKED in body
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"locked for {minutes} minutes" in body
    assert reverse("portal:password_reset") in body
    assert locked["Retry-After"] == str(minutes * 60)

    # Even the right password is refused while the lock lasts.
    response = login(client, "portal", "lihua", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lock_by_user_name_holds_from_another_address(client, citizen, login, settings):
    fail(client, login, "lihua", settings.AXES_FAILURE_LIMIT)
    elsewhere = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Other browser")
    assert login(elsewhere, "portal", "lihua", PASSWORD).status_code == 429


def test_lock_by_address_holds_for_other_user_names(client, citizen, login, address_limit):
    other = CitizenFactory(password=PASSWORD)
    # Spray: one failure each for many user names from the same address.
    for i in range(address_limit):
        login(client, "portal", f"guess{i}", "wrong-password-x")
    assert login(client, "portal", other.username, PASSWORD).status_code == 429
    # Another address is not affected, and the user name itself is clean.
    fresh = Client(REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Fresh browser")
    assert login(fresh, "portal", other.username, PASSWORD).status_code == 302


def test_rotating_the_browser_does_not_escape_the_address_lock(citizen, login, address_limit):
    for i in range(address_limit):
        sprayer = Client(REMOTE_ADDR="198.51.100.66", HTTP_USER_AGENT=f"Browser {i}")
        login(sprayer, "portal", f"guess{i}", "wrong-password-x")
    yet_another = Client(REMOTE_ADDR="198.51.100.66", HTTP_USER_AGENT="Never seen before")
    assert login(yet_another, "portal", "lihua", PASSWORD).status_code == 429


def test_people_sharing_an_address_do_not_lock_each_other_at_the_user_names_limit(
    citizen, login, settings, address_limit
):
    # An office behind one NAT, everyone with the same browser: several people mistype.
    office = Client(REMOTE_ADDR="203.0.113.50", HTTP_USER_AGENT="Office browser")
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(office, "portal", f"colleague{i}", "wrong-password-x")
    assert login(office, "portal", "lihua", PASSWORD).status_code == 302


def test_the_address_lock_looks_like_the_user_names_and_is_audited(
    client, citizen, login, settings, address_limit, events
):
    responses = [
        login(client, "portal", f"guess{i}", "wrong-password-x") for i in range(address_limit)
    ]
    assert all(r.status_code == 200 for r in responses[:-1])
    # The attempt that reaches the limit already gets the lock page, as for a user name.
    locked = responses[-1]
    assert locked.status_code == 429
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert locked["Retry-After"] == str(minutes * 60)
    body = locked.content.decode()
    assert LOCKED in body
    assert f"locked for {minutes} minutes" in body
    lockouts = events("identity.lockout")
    assert [e.data["lock"] for e in lockouts] == ["address"]
    assert lockouts[0].data["ip_address"] == "127.0.0.1"


def test_lock_lifts_after_the_cool_off(client, citizen, login, settings):
    fail(client, login, "lihua", settings.AXES_FAILURE_LIMIT)
    assert login(client, "portal", "lihua", PASSWORD).status_code == 429
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - dt.timedelta(seconds=1))
    response = login(client, "portal", "lihua", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_lock_stays_just_before_the_cool_off_ends(client, citizen, login, settings):
    fail(client, login, "lihua", settings.AXES_FAILURE_LIMIT)
    cool_off = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off + dt.timedelta(minutes=1))
    assert login(client, "portal", "lihua", PASSWORD).status_code == 429


def test_success_resets_the_failure_count(client, citizen, login, settings):
    limit = settings.AXES_FAILURE_LIMIT
    fail(client, login, "lihua", limit - 1)
    assert login(client, "portal", "lihua", PASSWORD).status_code == 302
    client.post(reverse("portal:logout"))
    assert not AccessAttempt.objects.filter(username="lihua").exists()
    # A fresh run of failures is needed to lock again.
    responses = fail(client, login, "lihua", limit - 1)
    assert all(r.status_code == 200 for r in responses)


def test_staff_at_the_portal_counts_as_a_failure(client, clerk, login, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "portal", "clerk.wang", PASSWORD).status_code == 200
    assert login(client, "portal", "clerk.wang", PASSWORD).status_code == 429


def test_back_office_lockout_page_points_to_the_back_office_reset(client, clerk, login, settings):
    responses = fail(client, login, "clerk.wang", settings.AXES_FAILURE_LIMIT, "backoffice")
    assert responses[-1].status_code == 429
    body = responses[-1].content.decode()
    assert reverse("backoffice:password_reset") in body
    assert f'href="{reverse("portal:password_reset")}"' not in body


def test_lockout_page_speaks_chinese_to_chinese_browsers(citizen, login, settings):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    responses = fail(chinese, login, "lihua", settings.AXES_FAILURE_LIMIT)
    body = responses[-1].content.decode()
    assert responses[-1].status_code == 429
    assert 'lang="zh-Hans"' in body
    assert LOCKED not in body
    assert f"{round(settings.AXES_COOLOFF_TIME * 60)}" in body


def test_lockout_is_audited_without_the_password(client, citizen, login, settings, events):
    fail(client, login, "lihua", settings.AXES_FAILURE_LIMIT)
    lockouts = events("identity.lockout")
    assert len(lockouts) == 1
    assert lockouts[0].data["username"] == "lihua"
    assert lockouts[0].data["lock"] == "username"
    failures = events("identity.login_failed")
    assert len(failures) == settings.AXES_FAILURE_LIMIT
    assert not any("wrong-" in str(e.data) for e in failures + lockouts)


def test_attempts_are_stored_in_the_database_for_every_worker(client, citizen, login):
    # The database handler is what makes the count shared between web processes.
    from axes.handlers.database import AxesDatabaseHandler
    from django.conf import settings as django_settings
    from django.utils.module_loading import import_string

    assert issubclass(import_string(django_settings.AXES_HANDLER), AxesDatabaseHandler)
    login(client, "portal", "lihua", "wrong-password-0")
    attempt = AccessAttempt.objects.get(username="lihua")
    assert attempt.failures_since_start == 1
    assert "wrong-password-0" not in attempt.post_data
