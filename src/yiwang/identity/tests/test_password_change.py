"""Changing one's own password while logged in, at the portal and in the back office."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory
from django.urls import reverse

from yiwang.core.errors import PermissionDenied
from yiwang.core.testing.html import parse
from yiwang.identity import services
from yiwang.identity.tests.conftest import PASSWORD
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "willow-lantern-ferry-58"
WRONG_CURRENT = "Your current password is wrong. Type it again."

# realm, the account fixture's name, the user name it has
REALMS = [("portal", "citizen", "lihua"), ("backoffice", "clerk", "clerk.wang")]


def page_url(realm: str) -> str:
    return reverse(f"{realm}:password_change")


def change(client: Client, realm: str, current: str, new: str, repeat: str | None = None):
    return client.post(
        page_url(realm),
        {
            "current_password": current,
            "new_password1": new,
            "new_password2": new if repeat is None else repeat,
        },
    )


def logged_in(client: Client, realm: str, username: str, password: str = PASSWORD) -> Client:
    response = client.post(reverse(f"{realm}:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:1000]
    return client


def field_error(response, field: str) -> str:
    page = parse(response.content)
    error = page.by_id(f"id_{field}-error")
    assert error is not None, f"no error next to {field}"
    return error.text


def summary_links(response) -> dict[str, str]:
    summary = parse(response.content).one("div", class_="error-summary")
    return {a.get("href"): a.text for a in summary.find_all("a")}


@pytest.fixture
def account(citizen, clerk):
    return {"citizen": citizen, "clerk": clerk}


@pytest.mark.parametrize(("realm", "who", "username"), REALMS)
def test_new_password_works_and_the_old_one_no_longer_does(
    client, account, login, realm, who, username
):
    logged_in(client, realm, username)
    page = client.get(page_url(realm))
    assert page.status_code == 200
    form = parse(page.content).one("form", method="post", action=page_url(realm))
    assert form.find("input", name="csrfmiddlewaretoken") is not None
    assert form.one("input", name="current_password").get("autocomplete") == "current-password"
    assert form.one("input", name="new_password1").get("autocomplete") == "new-password"

    response = change(client, realm, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse(f"{realm}:home")
    # The session that made the change is still logged in.
    assert client.session[SESSION_KEY] == str(account[who].pk)
    assert client.get(page_url(realm)).status_code == 200

    client.post(reverse(f"{realm}:logout"))
    assert login(client, realm, username, PASSWORD).status_code == 200
    assert login(client, realm, username, NEW_PASSWORD).status_code == 302


def test_success_is_reported_on_the_next_page(client, citizen):
    logged_in(client, "portal", "lihua")
    response = change(client, "portal", PASSWORD, NEW_PASSWORD)
    home = client.get(response["Location"])
    assert "Your password has been changed." in home.content.decode()


def test_other_sessions_of_the_account_end(client, citizen, login):
    logged_in(client, "portal", "lihua")
    phone = logged_in(Client(HTTP_USER_AGENT="Phone"), "portal", "lihua")
    assert phone.get(page_url("portal")).status_code == 200

    change(client, "portal", PASSWORD, NEW_PASSWORD)
    response = phone.get(page_url("portal"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert SESSION_KEY not in phone.session
    # The browser that made the change carries on.
    assert client.get(page_url("portal")).status_code == 200


def test_change_gives_the_session_a_new_key(client, citizen):
    logged_in(client, "portal", "lihua")
    before = client.cookies["sessionid"].value
    change(client, "portal", PASSWORD, NEW_PASSWORD)
    assert client.cookies["sessionid"].value != before


@pytest.mark.parametrize(("realm", "who", "username"), REALMS)
def test_wrong_current_password_is_refused_next_to_the_field_and_in_the_summary(
    client, account, realm, who, username
):
    logged_in(client, realm, username)
    response = change(client, realm, "not-my-password-9", NEW_PASSWORD)
    assert response.status_code == 200
    assert WRONG_CURRENT in field_error(response, "current_password")
    assert summary_links(response) == {"#id_current_password": WRONG_CURRENT}
    assert parse(response.content).one("title").text.startswith("Error:")
    account[who].refresh_from_db()
    assert account[who].check_password(PASSWORD)
    # The typed passwords are not sent back into the page.
    assert "not-my-password-9" not in response.content.decode()
    assert NEW_PASSWORD not in response.content.decode()


def test_wrong_current_password_counts_as_a_failed_login(client, citizen, events):
    logged_in(client, "portal", "lihua")
    change(client, "portal", "not-my-password-9", NEW_PASSWORD)
    attempt = AccessAttempt.objects.get(username="lihua")
    assert attempt.failures_since_start == 1
    for secret in ("not-my-password-9", NEW_PASSWORD):
        assert secret not in attempt.post_data
    refused = events("identity.password_change_refused")
    assert [(e.data["realm"], e.data["reason"]) for e in refused] == [
        ("portal", "wrong_current_password")
    ]
    assert str(refused[0].actor_id) == str(citizen.pk)
    # It is not recorded as a log-in that failed: nobody tried to log in.
    assert events("identity.login_failed") == []


def test_wrong_current_passwords_lock_like_failed_logins(client, citizen, login, settings):
    logged_in(client, "portal", "lihua")
    limit = settings.AXES_FAILURE_LIMIT
    responses = [
        change(client, "portal", f"guess-{i}-password", NEW_PASSWORD) for i in range(limit)
    ]
    assert all(r.status_code == 200 for r in responses[:-1])
    locked = responses[-1]
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Your password cannot be changed for now" in body
    assert reverse("portal:password_reset") in body

    # While the lock lasts even the right current password is refused ...
    response = change(client, "portal", PASSWORD, NEW_PASSWORD)
    assert response.status_code == 429
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    # ... the user name cannot log in anywhere else, but this session is not thrown out.
    elsewhere = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Other browser")
    assert login(elsewhere, "portal", "lihua", PASSWORD).status_code == 429
    assert client.get(reverse("portal:my_applications")).status_code == 200


def test_success_clears_earlier_failures(client, citizen):
    logged_in(client, "portal", "lihua")
    change(client, "portal", "not-my-password-9", NEW_PASSWORD)
    assert AccessAttempt.objects.filter(username="lihua").exists()
    change(client, "portal", PASSWORD, NEW_PASSWORD)
    assert not AccessAttempt.objects.filter(username="lihua").exists()


def test_mismatched_repeat_is_explained_and_nothing_changes(client, citizen):
    logged_in(client, "portal", "lihua")
    response = change(client, "portal", PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert response.status_code == 200
    message = "The two passwords are not the same. Type them again."
    assert field_error(response, "new_password2") == f"Error: {message}"
    assert summary_links(response) == {"#id_new_password2": message}
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    # The current password was not even checked, so nothing counts towards the lock.
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize(("realm", "who", "username"), REALMS)
def test_too_weak_password_names_each_rule_it_breaks(client, account, realm, who, username):
    logged_in(client, realm, username)
    response = change(client, realm, PASSWORD, "12345678")
    assert response.status_code == 200
    text = field_error(response, "new_password1")
    assert "too short" in text
    assert "too common" in text
    assert "entirely numeric" in text
    assert set(summary_links(response)) == {"#id_new_password1"}
    account[who].refresh_from_db()
    assert account[who].check_password(PASSWORD)


def test_password_like_the_user_name_is_refused(client, citizen):
    logged_in(client, "portal", "lihua")
    response = change(client, "portal", PASSWORD, "lihua@example.org")
    assert "too similar" in field_error(response, "new_password1")


def test_new_password_must_differ_from_the_current_one(client, citizen):
    logged_in(client, "portal", "lihua")
    response = change(client, "portal", PASSWORD, PASSWORD)
    assert response.status_code == 200
    assert "same as the current one" in field_error(response, "new_password1")
    assert not AccessAttempt.objects.exists()


def test_empty_form_names_each_missing_field(client, citizen):
    logged_in(client, "portal", "lihua")
    response = client.post(page_url("portal"), {})
    assert summary_links(response) == {
        "#id_current_password": "Enter your current password",
        "#id_new_password1": "Enter a new password",
        "#id_new_password2": "Type the new password again",
    }


def test_rules_are_listed_under_the_new_password(client, citizen):
    logged_in(client, "portal", "lihua")
    page = parse(client.get(page_url("portal")).content)
    hint = page.one("div", id="id_new_password1-hint")
    assert "at least 10 characters" in hint.text
    assert "id_new_password1-hint" in (
        page.one("input", name="new_password1").get("aria-describedby") or ""
    )


def test_chinese_page_and_errors(citizen):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    logged_in(client, "portal", "lihua")
    page = client.get(page_url("portal"))
    html = page.content.decode()
    assert 'lang="zh-Hans"' in html
    assert parse(page.content).one("h1").text == "修改密码"
    assert "至少" in parse(page.content).one("div", id="id_new_password1-hint").text

    response = change(client, "portal", "not-my-password-9", NEW_PASSWORD)
    assert "当前密码不正确，请重新输入。" in field_error(response, "current_password")
    assert "出现了问题" in response.content.decode()

    response = change(client, "portal", PASSWORD, "12345678")
    assert "密码长度太短" in field_error(response, "new_password1")

    response = change(client, "portal", PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert "两次输入的密码不一致" in field_error(response, "new_password2")


def test_back_office_page_speaks_chinese_too(clerk):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    logged_in(client, "backoffice", "clerk.wang")
    page = parse(client.get(page_url("backoffice")).content)
    assert page.one("h1").text == "修改密码"
    assert page.one("label", for_="id_current_password").text == "当前密码"


def test_staff_session_is_refused_at_the_portal_page(client, clerk):
    logged_in(client, "backoffice", "clerk.wang")
    assert client.get(page_url("portal")).status_code == 403
    response = change(client, "portal", PASSWORD, NEW_PASSWORD)
    assert response.status_code == 403
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)
    assert not AccessAttempt.objects.exists()


def test_citizen_session_is_refused_at_the_back_office_page(client, citizen):
    logged_in(client, "portal", "lihua")
    assert client.get(page_url("backoffice")).status_code == 403
    response = change(client, "backoffice", PASSWORD, NEW_PASSWORD)
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


@pytest.mark.parametrize("realm", ["portal", "backoffice"])
def test_anonymous_visitor_is_sent_to_log_in(client, db, realm):
    response = client.get(page_url(realm))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(f"{realm}:login"))


def test_change_needs_the_csrf_token(citizen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    response = change(client, "portal", PASSWORD, NEW_PASSWORD)
    assert response.status_code == 403
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


@pytest.mark.parametrize(("realm", "who", "username"), REALMS)
def test_change_is_audited_without_the_passwords(client, account, events, realm, who, username):
    logged_in(client, realm, username)
    change(client, realm, PASSWORD, NEW_PASSWORD)
    changed = events("identity.password_changed")
    assert len(changed) == 1
    event = changed[0]
    assert event.data == {"realm": realm}
    assert str(event.actor_id) == str(account[who].pk)
    assert str(event.object_id) == str(account[who].pk)
    assert PASSWORD not in str(event.data) and NEW_PASSWORD not in str(event.data)


@pytest.mark.parametrize(("realm", "who", "username"), REALMS)
def test_header_links_to_the_page_in_its_own_realm_only(client, account, realm, who, username):
    logged_in(client, realm, username)
    home = parse(client.get(reverse(f"{realm}:home")).content)
    header = home.one("div", class_="site-header__account")
    assert header.find("a", href=page_url(realm)) is not None
    other = "backoffice" if realm == "portal" else "portal"
    wrong = parse(client.get(page_url(other)).content)
    assert wrong.find("a", href=page_url(other)) is None


def test_service_refuses_anyone_but_the_account_itself(citizen):
    other = CitizenFactory(password=PASSWORD)
    request = RequestFactory().post("/")
    with pytest.raises(PermissionDenied):
        services.change_password(
            actor=other, account=citizen, current=PASSWORD, new=NEW_PASSWORD, request=request
        )
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
