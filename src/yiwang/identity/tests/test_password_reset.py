"""Resetting a forgotten password by an e-mailed link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.db.models import F
from django.test import Client
from django.urls import reverse

from yiwang.identity.models import PasswordResetMail
from yiwang.identity.tests.conftest import PASSWORD
from yiwang.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern-harbour-sky-7"


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def request_reset(client, realm, email):
    return client.post(reverse(f"{realm}:password_reset"), {"email": email})


def test_reset_link_works_once(client, citizen, login):
    response = request_reset(client, "portal", citizen.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [citizen.email]
    link = reset_link(message)
    assert link.startswith("/password-reset/")

    response = client.get(link)
    assert response.status_code == 302  # to the form, with the token moved into the session
    form_url = response["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:password_reset_complete")

    assert login(client, "portal", "lihua", NEW_PASSWORD).status_code == 302
    client.post(reverse("portal:logout"))
    assert login(client, "portal", "lihua", PASSWORD).status_code == 200

    # The same link a second time is dead.
    response = client.get(link)
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()


def test_mismatched_new_passwords_are_explained(client, citizen):
    request_reset(client, "portal", citizen.email)
    form_url = client.get(reset_link(mail.outbox[0]))["Location"]
    response = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert "The two passwords are not the same" in response.content.decode()


def test_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = request_reset(client, "portal", "nobody@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:password_reset_done")
    assert mail.outbox == []


def test_portal_reset_does_not_mail_staff_accounts(client, clerk):
    response = request_reset(client, "portal", clerk.email)
    assert response.status_code == 302
    assert mail.outbox == []
    request_reset(client, "backoffice", clerk.email)
    assert len(mail.outbox) == 1
    assert reset_link(mail.outbox[0]).startswith("/backoffice/password-reset/")


def test_staff_link_is_dead_at_the_portal(client, clerk):
    request_reset(client, "backoffice", clerk.email)
    link = reset_link(mail.outbox[0]).removeprefix("/backoffice")
    response = client.get(link)
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()


def test_a_link_sent_before_the_account_was_deactivated_is_dead(client, citizen):
    request_reset(client, "portal", citizen.email)
    link = reset_link(mail.outbox[0])
    citizen.is_active = False
    citizen.save(update_fields=["is_active"])

    response = client.get(link)

    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_reset_lifts_the_lock_on_the_user_name(client, citizen, login, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, "portal", "lihua", f"wrong-{i}-password")
    assert AccessAttempt.objects.filter(username="lihua").exists()
    request_reset(client, "portal", citizen.email)
    form_url = client.get(reset_link(mail.outbox[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not AccessAttempt.objects.filter(username="lihua").exists()
    other_browser = Client(REMOTE_ADDR="192.0.2.9", HTTP_USER_AGENT="Phone")
    assert login(other_browser, "portal", "lihua", NEW_PASSWORD).status_code == 302


def test_reset_request_and_change_are_audited(client, citizen, events):
    request_reset(client, "portal", citizen.email)
    form_url = client.get(reset_link(mail.outbox[0]))["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    requested = events("identity.password_reset_requested")
    assert len(requested) == 1
    changed = events("identity.password_set")
    assert [e.data["reason"] for e in changed] == ["reset"]
    assert NEW_PASSWORD not in str(changed[0].data)


def test_reset_link_works_for_the_configured_time_and_says_so(client, citizen, monkeypatch):
    from django.conf import settings
    from django.contrib.auth.tokens import PasswordResetTokenGenerator

    from yiwang.conf import env

    assert env.declared("YIWANG_PASSWORD_RESET_TIMEOUT").default == 3600
    assert settings.PASSWORD_RESET_TIMEOUT == 3600  # not Django's three days
    request_reset(client, "portal", citizen.email)
    assert "within 60 minutes" in mail.outbox[0].body
    link = reset_link(mail.outbox[0])
    later = PasswordResetTokenGenerator._now(PasswordResetTokenGenerator())
    monkeypatch.setattr(
        PasswordResetTokenGenerator, "_now", lambda self: later + dt.timedelta(seconds=3601)
    )
    response = client.get(link)
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()


def test_reset_mails_to_one_account_are_limited_without_telling(client, citizen, events, settings):
    settings.YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT = 3
    answers = [
        request_reset(Client(REMOTE_ADDR=f"198.51.100.{i}"), "portal", citizen.email)
        for i in range(settings.YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT + 2)
    ]
    # Every request gets the same answer; only the first few send a link.
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("portal:password_reset_done"))
    }
    assert len(mail.outbox) == settings.YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT
    limit = settings.YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT
    assert len(events("identity.password_reset_requested")) == limit
    withheld = events("identity.password_reset_withheld")
    assert [e.data for e in withheld] == [{"realm": "portal", "reason": "account_limit"}] * 2
    assert withheld[0].object_id == str(citizen.pk)

    # An hour after the first links, a new one goes out.
    PasswordResetMail.objects.update(sent_at=F("sent_at") - dt.timedelta(minutes=61))
    request_reset(client, "portal", citizen.email)
    assert len(mail.outbox) == settings.YIWANG_PASSWORD_RESET_MAILS_PER_ACCOUNT + 1


def test_reset_mails_from_one_address_are_limited(client, db, events, settings):
    settings.YIWANG_PASSWORD_RESET_MAILS_PER_ADDRESS = 3
    people = [CitizenFactory(password=PASSWORD) for _ in range(4)]  # a link needs a password
    for person in people:
        response = request_reset(client, "portal", person.email)
        assert response["Location"] == reverse("portal:password_reset_done")
    assert [m.to for m in mail.outbox] == [[p.email] for p in people[:3]]
    withheld = events("identity.password_reset_withheld")
    assert [(e.object_id, e.data["reason"]) for e in withheld] == [
        (str(people[3].pk), "address_limit")
    ]
    assert withheld[0].actor_id == "127.0.0.1"
    # Someone else, elsewhere, is not held back by that address.
    request_reset(Client(REMOTE_ADDR="203.0.113.9"), "portal", people[3].email)
    assert mail.outbox[-1].to == [people[3].email]


def test_requests_for_unknown_addresses_use_up_no_limit(client, citizen, settings):
    settings.YIWANG_PASSWORD_RESET_MAILS_PER_ADDRESS = 2
    for i in range(5):
        request_reset(client, "portal", f"nobody{i}@example.org")
    request_reset(client, "portal", citizen.email)
    assert [m.to for m in mail.outbox] == [[citizen.email]]
