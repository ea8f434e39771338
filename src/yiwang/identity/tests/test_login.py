"""Logging in and out at the portal and the back office."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from yiwang.identity.access import LOGIN_AT_SESSION_KEY, REALM_SESSION_KEY
from yiwang.identity.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "The user name or password is wrong"


def test_citizen_logs_in_at_the_portal(client, citizen, login):
    response = login(client, "portal", "lihua")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.session["_auth_user_id"] == str(citizen.pk)
    assert client.session[REALM_SESSION_KEY] == "portal"
    assert isinstance(client.session[LOGIN_AT_SESSION_KEY], int)


def test_login_follows_a_safe_next_and_ignores_an_outside_one(client, citizen, login):
    response = client.post(
        reverse("portal:login") + "?next=/about/", {"username": "lihua", "password": PASSWORD}
    )
    assert response["Location"] == "/about/"
    client.post(reverse("portal:logout"))
    response = client.post(
        reverse("portal:login") + "?next=https://evil.example/",
        {"username": "lihua", "password": PASSWORD},
    )
    assert response["Location"] == reverse("portal:home")


def test_staff_logs_in_at_the_back_office(client, clerk, login):
    response = login(client, "backoffice", "clerk.wang")
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:home")
    assert client.session[REALM_SESSION_KEY] == "backoffice"


def test_login_rotates_the_session_key(client, citizen, login):
    from django.contrib.sessions.models import Session

    session = client.session  # an anonymous session, as a planted cookie would be
    session["planted"] = True
    session.save()
    before = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=before).exists()
    login(client, "portal", "lihua")
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_wrong_password_gets_the_generic_error(client, citizen, login):
    response = login(client, "portal", "lihua", "not-the-password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_error(client, db, login):
    response = login(client, "portal", "nobody-here", "whatever-password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()


def test_staff_cannot_log_in_at_the_portal_and_is_not_told_why(client, clerk, login):
    right = login(client, "portal", "clerk.wang", PASSWORD)
    wrong = login(client, "portal", "clerk.wang", "wrong-password-1")
    assert right.status_code == 200
    assert "_auth_user_id" not in client.session
    assert WRONG in right.content.decode()
    # Same page, same message: nothing tells a stranger the name belongs to staff.
    assert right.context["form"].errors == wrong.context["form"].errors


def test_citizen_cannot_log_in_at_the_back_office(client, citizen, login):
    response = login(client, "backoffice", "lihua", PASSWORD)
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_account_cannot_log_in(client, citizen, login):
    citizen.is_active = False
    citizen.save()
    response = login(client, "portal", "lihua")
    assert response.status_code == 200
    assert WRONG in response.content.decode()


def test_empty_form_names_each_missing_field(client, db):
    response = client.post(reverse("portal:login"), {"username": "", "password": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter your user name" in body
    assert "Enter your password" in body
    assert 'class="error-summary"' in body


def test_login_page_renders_in_both_realms(client, db):
    for realm in ("portal", "backoffice"):
        response = client.get(reverse(f"{realm}:login"))
        assert response.status_code == 200
        assert 'name="username"' in response.content.decode()
        assert reverse(f"{realm}:password_reset") in response.content.decode()


def test_logout_refuses_get(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("portal:logout"))
    assert response.status_code == 405
    assert client.session.get("_auth_user_id") == str(citizen.pk)


def test_logout_by_post_ends_the_session(client, citizen, login):
    login(client, "portal", "lihua")
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login")
    assert "_auth_user_id" not in client.session


def test_logout_needs_the_csrf_token(citizen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    response = strict.post(reverse("portal:logout"))
    assert response.status_code == 403
    assert strict.session.get("_auth_user_id") == str(citizen.pk)


def test_login_success_failure_and_logout_are_audited(client, citizen, login, events):
    login(client, "portal", "lihua", "bad-password-123")
    login(client, "portal", "lihua")
    client.post(reverse("portal:logout"))

    failed = events("identity.login_failed")
    assert len(failed) == 1
    assert failed[0].data["username"] == "lihua"
    assert failed[0].data["realm"] == "portal"
    assert "bad-password-123" not in json.dumps(failed[0].data)
    assert PASSWORD not in json.dumps(failed[0].data)

    logged_in = events("identity.login")
    assert len(logged_in) == 1
    assert logged_in[0].data == {"realm": "portal"}

    logged_out = events("identity.logout")
    assert len(logged_out) == 1
    assert logged_out[0].data == {"reason": "user"}


def test_the_sessions_account_brings_its_person_in_the_same_query(
    citizen, clerk, django_assert_num_queries
):
    from yiwang.identity.backends import RealmBackend

    backend = RealmBackend()
    with django_assert_num_queries(1):
        account = backend.get_user(citizen.pk)
        assert account is not None and account.person.account_id == citizen.pk
    staff = backend.get_user(clerk.pk)
    assert staff is not None and staff.pk == clerk.pk
    citizen.is_active = False
    citizen.save()
    assert backend.get_user(citizen.pk) is None
    assert backend.get_user(10**9) is None


def test_passwords_are_stored_as_argon2id_hashes(citizen, settings):
    from django.contrib.auth.hashers import identify_hasher

    assert citizen.password.startswith("argon2$argon2id$")
    assert identify_hasher(citizen.password).algorithm == "argon2"
    # The site itself hashes with Django's argon2 at its full cost; the suite only makes it cheap.
    from yiwang.conf import settings as site

    assert site.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
