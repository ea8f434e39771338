"""Messages are written once per event and recipient, sent once, retried with backoff, and in
the recipient's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from yiwang.applications import services as applications
from yiwang.applications.constants import Decision
from yiwang.applications.tests.conftest import tasks_of
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.notifications import selectors, services, sms
from yiwang.notifications.constants import MAX_ATTEMPTS, Channel, NotificationStatus
from yiwang.notifications.models import InboxMessage, Notification
from yiwang.notifications.tasks import PERIODIC, deliver_notifications, send_due_notifications

pytestmark = pytest.mark.django_db


class FailingBackend(sms.BaseBackend):
    calls = 0

    def send(self, phone: str, text: str) -> None:
        FailingBackend.calls += 1
        raise sms.SmsError("gateway unavailable")


def pending_ids() -> list[int]:
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING).values_list("pk", flat=True)
    )


def test_submission_writes_inbox_email_and_sms_for_the_applicant(
    submitted_shop: Any, citizen: Any
) -> None:
    application = submitted_shop()

    received = Notification.objects.filter(event="received", application=application)
    assert {n.channel for n in received} == {Channel.INBOX, Channel.EMAIL, Channel.SMS}
    inbox = received.get(channel=Channel.INBOX)
    assert inbox.status == NotificationStatus.SENT and inbox.recipient == citizen
    email = received.get(channel=Channel.EMAIL)
    assert email.status == NotificationStatus.PENDING and email.address == citizen.person.email
    assert received.get(channel=Channel.SMS).address == citizen.person.phone
    (message,) = selectors.inbox_for(actor=citizen)
    assert application.receipt_number in message.subject
    assert "Shop licence" in message.body


def test_delivery_sends_each_message_once_even_when_the_task_runs_twice(
    submitted_shop: Any,
) -> None:
    submitted_shop()
    ids = pending_ids()
    assert len(ids) == 2  # e-mail and SMS

    first = deliver_notifications.call(ids)
    second = deliver_notifications.call(ids)

    assert first == {"sent": 2}
    assert second == {"sent": 2}  # already sent: reported, not sent again
    assert len(mail.outbox) == 1
    assert len(sms.MemoryBackend.outbox) == 1
    assert not pending_ids()


def test_reporting_the_same_event_twice_creates_nothing_new(
    submitted_shop: Any, citizen: Any
) -> None:
    application = submitted_shop()
    before = Notification.objects.count()

    with transaction.atomic():
        services.notify(event="received", application=application, context={"cases": []})

    assert Notification.objects.count() == before
    assert InboxMessage.objects.filter(recipient=citizen, event="received").count() == 1


def test_a_failing_backend_is_retried_with_backoff_then_given_up(
    submitted_shop: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.YIWANG_SMS_BACKEND = f"{__name__}.FailingBackend"
    FailingBackend.calls = 0
    submitted_shop()
    text = Notification.objects.get(channel=Channel.SMS)
    start = clock.now()

    assert services.deliver(text.pk) == NotificationStatus.PENDING
    text.refresh_from_db()
    assert text.attempts == 1 and "gateway unavailable" in text.last_error
    assert text.next_attempt_at - start >= dt.timedelta(seconds=30)
    # Not due yet: another run does not try again.
    assert services.deliver(text.pk) == "not_due"
    assert FailingBackend.calls == 1

    moment = start
    for attempt in range(2, MAX_ATTEMPTS + 1):
        moment += services.backoff(attempt - 1) + dt.timedelta(seconds=1)
        monkeypatch.setattr(clock, "now", lambda m=moment: m)
        send_due_notifications.call()
        text.refresh_from_db()
        assert text.attempts == attempt
    assert text.status == NotificationStatus.FAILED
    assert FailingBackend.calls == MAX_ATTEMPTS
    # A failed message stays failed.
    monkeypatch.setattr(clock, "now", lambda: moment + dt.timedelta(days=1))
    assert send_due_notifications.call() == {}
    assert FailingBackend.calls == MAX_ATTEMPTS


def test_a_retry_that_succeeds_sends_once(
    submitted_shop: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.YIWANG_SMS_BACKEND = f"{__name__}.FailingBackend"
    submitted_shop()
    text = Notification.objects.get(channel=Channel.SMS)
    services.deliver(text.pk)

    settings.YIWANG_SMS_BACKEND = "yiwang.notifications.sms.MemoryBackend"
    later = clock.now() + dt.timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    send_due_notifications.call()
    send_due_notifications.call()

    text.refresh_from_db()
    assert text.status == NotificationStatus.SENT and text.attempts == 2
    assert len(sms.MemoryBackend.outbox) == 1


def test_messages_are_in_the_language_the_person_applied_in(
    world: Any, citizen: Any, submitted_shop: Any
) -> None:
    with translation.override("zh-hans"):
        application = submitted_shop()

    (message,) = selectors.inbox_for(actor=citizen)
    assert message.subject == f"您的申请已受理（受理编号 {application.receipt_number}）"
    assert "店铺经营许可" in message.body
    text = Notification.objects.get(channel=Channel.SMS)
    assert text.language == "zh-hans" and text.body.startswith("【")


def test_correction_message_lists_what_to_correct_in_english(
    submitted_shop: Any, citizen: Any, clerk: Any
) -> None:
    application = submitted_shop()
    applications.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["postcode"],
        correction_materials=["premises-proof"],
        note="The lease is unsigned.",
    )

    message = selectors.inbox_for(actor=citizen).get(event="correction_requested")
    assert "- Postcode" in message.body
    assert "- Proof of premises" in message.body
    assert "The lease is unsigned." in message.body


def test_a_refusal_reason_reaches_the_person(submitted_shop: Any, citizen: Any, clerk: Any) -> None:
    application = submitted_shop()
    applications.decide_task(
        actor=clerk("fire.reviewer"),
        task=tasks_of(application)["shop-licence.fire-check"],
        decision=Decision.REJECT,
        reason="No second escape route.",
    )

    message = selectors.inbox_for(actor=citizen).get(event="completed")
    assert "Result: refused" in message.body
    assert "No second escape route." in message.body


def test_inbox_is_private_and_can_be_marked_read(
    submitted_shop: Any, citizen: Any, other_citizen: Any
) -> None:
    submitted_shop()
    (message,) = selectors.inbox_for(actor=citizen)

    assert not selectors.inbox_for(actor=other_citizen).exists()
    with pytest.raises(PermissionDenied):
        selectors.message_for(actor=other_citizen, pk=message.pk)
    with pytest.raises(PermissionDenied):
        services.mark_read(actor=other_citizen, message=message)

    assert selectors.unread_count(actor=citizen) == 1
    services.mark_read(actor=citizen, message=message)
    assert selectors.unread_count(actor=citizen) == 0
    assert selectors.message_for(actor=citizen, pk=message.pk).read_at is not None


def test_the_sweep_is_declared_for_the_scheduler() -> None:
    from yiwang.core.scheduler import collect_periodic

    assert (send_due_notifications, 60) in PERIODIC
    assert send_due_notifications in [entry.task for entry in collect_periodic()]


def test_the_log_backend_masks_the_number(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="yiwang.notifications.sms"):
        sms.LogBackend().send("13912345678", "hello")
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text


def test_delivery_job_commits_with_the_change_that_caused_it(submitted_shop: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    submitted_shop()

    (job,) = DBTaskResult.objects.filter(task_path=deliver_notifications.module_path)
    assert sorted(job.args_kwargs["args"][0]) == sorted(pending_ids())


def test_delivery_job_rolls_back_with_the_change_that_caused_it(submitted_shop: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        submitted_shop()
        assert DBTaskResult.objects.exists()  # queued inside the change's transaction
        raise Undo

    assert not DBTaskResult.objects.exists()
    assert not Notification.objects.exists()
