"""A session only works in the realm it was started in, and not for ever."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from yiwang.identity.access import (
    LOGIN_AT_SESSION_KEY,
    REALM_SESSION_KEY,
    REFRESHED_AT_SESSION_KEY,
)
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("yiwang.identity.tests.urls")]

CITIZEN_PAGE = "/__test__/citizen/"
STAFF_PAGE = "/__test__/staff/"
APPROVER_PAGE = "/__test__/approver/"
CITIZEN_CBV = "/__test__/citizen-cbv/"
STAFF_CBV = "/__test__/staff-cbv/"


def test_anonymous_visitor_is_sent_to_the_right_login(client):
    response = client.get(CITIZEN_PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:login')}?next={CITIZEN_PAGE}"
    response = client.get(STAFF_PAGE)
    assert response["Location"] == f"{reverse('backoffice:login')}?next={STAFF_PAGE}"


def test_citizen_session_opens_citizen_pages(client, citizen, login):
    login(client, "portal", "lihua")
    assert client.get(CITIZEN_PAGE).content == b"citizen:lihua"
    assert client.get(CITIZEN_CBV).content == b"citizen-cbv:lihua"


def test_staff_session_opens_staff_pages(client, clerk, login):
    login(client, "backoffice", "clerk.wang")
    assert client.get(STAFF_PAGE).content == b"staff:clerk.wang"
    assert client.get(STAFF_CBV).content == b"staff-cbv:clerk.wang"


def test_staff_session_is_refused_on_citizen_pages(client, clerk, login):
    login(client, "backoffice", "clerk.wang")
    for page in (CITIZEN_PAGE, CITIZEN_CBV):
        response = client.get(page)
        assert response.status_code == 403
        assert "Staff accounts cannot use the citizen portal" in response.content.decode()


def test_citizen_session_is_refused_on_staff_pages(client, citizen, login):
    login(client, "portal", "lihua")
    for page in (STAFF_PAGE, STAFF_CBV):
        response = client.get(page)
        assert response.status_code == 403
        assert "staff back office" in response.content.decode()


def test_staff_role_is_checked_when_a_page_asks_for_one(client, clerk, login):
    login(client, "backoffice", "clerk.wang")
    assert client.get(APPROVER_PAGE).status_code == 403
    approver = StaffFactory(membership__role=Role.APPROVER)
    client.force_login(approver)
    assert client.get(APPROVER_PAGE).status_code == 200


def test_a_session_claiming_the_other_realm_is_ended(client, citizen, login):
    login(client, "portal", "lihua")
    session = client.session
    session[REALM_SESSION_KEY] = "backoffice"  # as if tampered with or carried over
    session.save()
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))
    assert "_auth_user_id" not in client.session


def test_force_login_stamps_the_realm_from_the_account_kind(client, clerk):
    client.force_login(clerk)
    assert client.session[REALM_SESSION_KEY] == "backoffice"
    assert client.get(STAFF_PAGE).status_code == 200


def test_idle_session_expires(client, citizen, login):
    login(client, "portal", "lihua")
    assert client.get(CITIZEN_PAGE).status_code == 200
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(CITIZEN_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_a_request_after_the_refresh_interval_pushes_the_idle_expiry_forward(
    client, citizen, login, settings
):
    login(client, "portal", "lihua")
    session = client.session
    session[REFRESHED_AT_SESSION_KEY] -= settings.YIWANG_SESSION_REFRESH_SECONDS + 1
    session.save()
    key = session.session_key
    soon = timezone.now() + dt.timedelta(seconds=5)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert client.get(CITIZEN_PAGE).status_code == 200
    expiry = Session.objects.get(session_key=key).expire_date
    assert expiry > soon + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE // 2)


def test_requests_within_the_refresh_interval_write_no_session(client, citizen, login):
    login(client, "portal", "lihua")
    key = client.session.session_key
    soon = timezone.now() + dt.timedelta(seconds=600)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    for _ in range(3):
        assert client.get(CITIZEN_PAGE).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == soon


def test_busy_session_still_ends_at_the_absolute_maximum(client, citizen, login, settings, events):
    login(client, "portal", "lihua")
    session = client.session
    session[LOGIN_AT_SESSION_KEY] -= settings.YIWANG_SESSION_MAX_AGE_SECONDS - 60
    session.save()
    assert client.get(CITIZEN_PAGE).status_code == 200  # a minute short of the limit

    session = client.session
    session[LOGIN_AT_SESSION_KEY] -= 61
    session.save()
    response = client.get(CITIZEN_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert "_auth_user_id" not in client.session
    ended = events("identity.session_ended")
    assert [e.data for e in ended] == [{"reason": "expired"}]


def test_absolute_maximum_follows_the_clock(client, citizen, login, settings, monkeypatch):
    login(client, "portal", "lihua")
    later = timezone.now() + dt.timedelta(seconds=settings.YIWANG_SESSION_MAX_AGE_SECONDS + 1)
    monkeypatch.setattr("yiwang.core.clock.now", lambda: later)
    assert client.get(CITIZEN_PAGE).status_code == 302


def test_session_without_a_start_time_is_not_trusted(client, citizen, login):
    login(client, "portal", "lihua")
    session = client.session
    del session[LOGIN_AT_SESSION_KEY]
    session.save()
    assert client.get(CITIZEN_PAGE).status_code == 302
