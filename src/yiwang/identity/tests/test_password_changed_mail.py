"""After a password is changed or reset, its holder is told by e-mail, once the change commits."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yiwang.identity import services
from yiwang.identity.tests.conftest import PASSWORD
from yiwang.notifications.constants import Channel
from yiwang.notifications.models import InboxMessage, Notification
from yiwang.notifications.tasks import deliver_notifications, send_due_notifications

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "willow-lantern-ferry-58"


def logged_in(client: Client, realm: str, username: str) -> Client:
    response = client.post(reverse(f"{realm}:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def change(client: Client, realm: str, current: str = PASSWORD, **extra):
    return client.post(
        reverse(f"{realm}:password_change"),
        {"current_password": current, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        **extra,
    )


def password_mails() -> list:
    return list(Notification.objects.filter(event="password_changed", channel=Channel.EMAIL))


def deliver() -> list:
    """Run the delivery job the way a worker would; the e-mails it sent."""
    send_due_notifications.call()
    return list(mail.outbox)


def when(event_action: str) -> str:
    from yiwang.audit.models import AuditEvent

    event = AuditEvent.objects.filter(action=event_action).latest("pk")
    return timezone.localtime(event.created_at).strftime("%Y-%m-%d")


def test_changing_the_password_at_the_portal_mails_the_citizen(client, citizen):
    logged_in(client, "portal", "lihua")
    assert change(client, "portal").status_code == 302
    # Nothing is sent in the request itself: a worker sends it after the commit.
    assert mail.outbox == []

    (message,) = deliver()
    assert message.to == [citizen.email]
    assert message.subject == "Your password was changed"
    assert "account lihua was changed by someone logged in to it" in message.body
    assert f"on {when('identity.password_changed')} at " in message.body
    assert "If it was not you" in message.body
    assert '"Forgotten your password?"' in message.body
    assert "portal's log-in page" in message.body
    assert NEW_PASSWORD not in message.body and PASSWORD not in message.body
    # It is in the inbox too, and it is sent once however often the job runs.
    assert InboxMessage.objects.filter(recipient=citizen, event="password_changed").count() == 1
    assert deliver_notifications.call([n.pk for n in password_mails()]) == {"sent": 1}
    assert len(mail.outbox) == 1


def test_changing_the_password_in_the_back_office_tells_staff_to_see_their_admin(client, clerk):
    logged_in(client, "backoffice", "clerk.wang")
    change(client, "backoffice")
    (message,) = deliver()
    assert message.to == [clerk.email]
    assert "back-office account clerk.wang" in message.body
    assert "back-office log-in page" in message.body
    assert "tell your department admin" in message.body


def test_the_mail_is_in_the_language_the_person_uses_the_site_in(client, citizen):
    logged_in(client, "portal", "lihua")
    change(client, "portal", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    (message,) = deliver()
    assert message.subject == "您的密码已修改"
    assert f"密码已于 {when('identity.password_changed')} " in message.body
    assert "如果不是您本人操作" in message.body
    assert "“忘记密码？”" in message.body


def test_each_change_is_told_once(client, citizen):
    logged_in(client, "portal", "lihua")
    change(client, "portal")
    client.post(
        reverse("portal:password_change"),
        {
            "current_password": NEW_PASSWORD,
            "new_password1": "quiet-harbour-maple-31",
            "new_password2": "quiet-harbour-maple-31",
        },
    )
    assert len(deliver()) == 2


def test_a_refused_change_mails_nothing(client, citizen):
    logged_in(client, "portal", "lihua")
    assert change(client, "portal", current="not-my-password-9").status_code == 200
    assert password_mails() == []
    assert deliver() == []


def test_resetting_the_password_by_link_mails_the_holder(client, citizen):
    client.post(reverse("portal:password_reset"), {"email": citizen.email})
    (link_mail,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/\S+)", link_mail.body)
    assert link is not None
    form_url = client.get(link.group(1))["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == reverse("portal:password_reset_complete")
    mail.outbox.clear()

    (message,) = deliver()
    assert message.to == [citizen.email]
    assert message.subject == "Your password was reset"
    assert "was reset with a link sent to this e-mail address" in message.body
    assert f"on {when('identity.password_set')} at " in message.body


def test_a_change_that_rolls_back_mails_nothing(citizen):
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        services.set_password(actor=citizen, account=citizen, password=NEW_PASSWORD, reason="reset")
        assert len(password_mails()) == 1  # written with the change, in its transaction
        raise Undo

    assert password_mails() == []
    assert deliver() == []
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)


def test_with_a_queue_outside_the_database_the_mail_goes_after_the_commit(
    settings, citizen, django_capture_on_commit_callbacks
):
    # A queue that is not a table of this database (Redis; here the inline backend) is told
    # only once the change has committed.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.set_password(actor=citizen, account=citizen, password=NEW_PASSWORD, reason="reset")
        assert mail.outbox == []  # still inside the change: nothing sent
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == [citizen.email]
    assert message.subject == "Your password was reset"


def test_an_admin_setting_a_password_or_disabling_it_mails_nobody(citizen):
    from yiwang.audit import actors

    system = actors.system_actor("test")
    services.set_password(actor=system, account=citizen, password=NEW_PASSWORD, reason="admin")
    services.set_password(actor=system, account=citizen, password=None, reason="reset")
    assert password_mails() == []


def test_an_account_without_an_address_is_told_in_its_inbox_only(client, citizen):
    citizen.email = ""
    citizen.save(update_fields=["email"])
    logged_in(client, "portal", "lihua")
    change(client, "portal")
    assert password_mails() == []
    (inbox,) = InboxMessage.objects.filter(recipient=citizen, event="password_changed")
    assert inbox.subject == "Your password was changed"
