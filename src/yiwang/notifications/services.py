"""Telling people what happened: inbox messages always, e-mail and SMS when an address is known.

:func:`notify` runs inside the transaction of the change it reports (a transactional outbox):
the messages exist exactly when the change does, and none is lost between a commit and a crash.
Delivery by e-mail and SMS happens after the commit in a background task, with bounded retries
and backoff; a periodic sweep picks up anything whose enqueue was lost.

Messages are written from templates under ``templates/notifications/<event>/<language>/``
(``subject.txt``, ``body.txt`` for the inbox and e-mail, ``sms.txt``), in the recipient's
language: the language the person used when they submitted, or the site's language for staff.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from yiwang.core import clock
from yiwang.core.db import bulk
from yiwang.core.errors import PermissionDenied
from yiwang.notifications import sms
from yiwang.notifications.constants import (
    BACKOFF_MAX_SECONDS,
    BACKOFF_SECONDS,
    LANGUAGES,
    MAX_ATTEMPTS,
    STAFF_EVENTS,
    Channel,
    Event,
    NotificationStatus,
)
from yiwang.notifications.models import InboxMessage, Notification

__all__ = ["backoff", "deliver", "mark_read", "notify", "render"]

logger = logging.getLogger(__name__)


def normalise_language(language: str | None) -> str:
    lang = (language or "").lower()
    if lang.startswith("en"):
        return "en"
    return LANGUAGES[0]


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms: str


def render(event: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """The subject, body and SMS text of an event in a language."""
    lang = normalise_language(language)
    base = f"notifications/{event}/{lang}"
    ctx = {**context, "lang": lang, "site_name": _site_name(lang)}
    with translation.override(lang):
        subject = " ".join(render_to_string(f"{base}/subject.txt", ctx).split())
        body = render_to_string(f"{base}/body.txt", ctx).strip() + "\n"
        text = " ".join(render_to_string(f"{base}/sms.txt", ctx).split())
    return Rendered(subject[:200], body, text)


def _site_name(lang: str) -> str:
    return str(
        getattr(settings, "YIWANG_SITE_NAME_EN" if lang == "en" else "YIWANG_SITE_NAME_ZH", "")
    )


@dataclass(frozen=True)
class _Recipient:
    key: str  # who, inside the idempotency key
    account: Any
    email: str
    phone: str
    language: str


def _applicant_side(application: Any) -> list[_Recipient]:
    """The person's account (inbox, e-mail, SMS) and, if someone else submitted, their inbox."""
    person = application.applicant
    lang = normalise_language(application.language)
    account = person.account if person.account_id and person.account.is_active else None
    email = person.email or (account.email if account is not None else "")
    out = [_Recipient(f"p{person.pk}", account, email, person.phone, lang)]
    submitter = application.submitted_by or application.created_by
    if submitter is not None and (account is None or submitter.pk != account.pk):
        out.append(_Recipient(f"a{submitter.pk}", submitter, "", "", lang))
    return out


def _staff(accounts: Iterable[Any], language: str | None) -> list[_Recipient]:
    lang = normalise_language(language or settings.LANGUAGE_CODE)
    seen: set[int] = set()
    out = []
    for account in accounts:
        if account is None or account.pk in seen or not account.is_active:
            continue
        seen.add(account.pk)
        out.append(_Recipient(f"a{account.pk}", account, account.email, "", lang))
    return out


def notify(
    *,
    event: str,
    application: Any = None,
    accounts: Iterable[Any] | None = None,
    context: Mapping[str, Any] | None = None,
    discriminator: str = "",
    language: str | None = None,
) -> list[Notification]:
    """Create the messages of one event, once: inbox, and e-mail/SMS where an address is known.

    Without ``accounts`` the recipients are the applicant's side of ``application`` (the person —
    inbox, e-mail, SMS — and the submitting account if that is someone else), written in the
    application's language; with ``accounts`` (staff events) those accounts by inbox and e-mail,
    in the site's language unless ``language`` says otherwise. ``discriminator`` tells apart two
    occurrences of the same event for the same application (a case or correction id): with the
    event, application, recipient and channel it makes the idempotency key, so reporting the same
    occurrence twice creates nothing new. Call it inside the transaction of the change; delivery
    is queued so that it happens only if that commits. Returns the notifications of this
    occurrence.
    """
    if event not in Event.values:
        raise ValueError(f"unknown event {event!r}")
    if accounts is None:
        if application is None:
            raise ValueError("an applicant event needs the application")
        recipients = _applicant_side(application)
    else:
        recipients = _staff(accounts, language)
    staff_event = event in STAFF_EVENTS
    app_pk = application.pk if application is not None else None
    ctx = {**(context or {}), "application": application, "event": event}
    rendered: dict[str, Rendered] = {}
    now = clock.now()
    notifications: list[Notification] = []
    inbox: list[InboxMessage] = []
    for recipient in recipients:
        if recipient.language not in rendered:
            rendered[recipient.language] = render(event, recipient.language, ctx)
        text = rendered[recipient.language]
        base = f"{event}:{app_pk or '-'}:{discriminator}:{recipient.key}"
        channels: list[tuple[str, str, str]] = []
        if recipient.account is not None:
            channels.append((Channel.INBOX, "", text.body))
        if recipient.email:
            channels.append((Channel.EMAIL, recipient.email, text.body))
        if recipient.phone and not staff_event:
            channels.append((Channel.SMS, recipient.phone, text.sms))
        for channel, address, body in channels:
            key = f"{base}:{channel}"[:200]
            inbox_channel = channel == Channel.INBOX
            notifications.append(
                Notification(
                    idempotency_key=key,
                    event=event,
                    channel=channel,
                    recipient=recipient.account,
                    address=address,
                    language=recipient.language,
                    subject=text.subject,
                    body=body,
                    application_id=app_pk,
                    # The inbox message is written right here, so it is delivered already.
                    status=NotificationStatus.SENT if inbox_channel else NotificationStatus.PENDING,
                    sent_at=now if inbox_channel else None,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            if inbox_channel:
                inbox.append(
                    InboxMessage(
                        idempotency_key=key,
                        recipient=recipient.account,
                        event=event,
                        subject=text.subject,
                        body=text.body,
                        application_id=app_pk,
                        created_at=now,
                    )
                )
    if not notifications:
        return []
    # ON CONFLICT DO NOTHING: a second report of the same occurrence leaves the first in place.
    written = bulk.insert(notifications, unless_taken="idempotency_key")
    if inbox:
        bulk.insert(inbox, unless_taken="idempotency_key")
    if len(written) == len(notifications):  # all new: they are what is stored
        stored = notifications
    else:  # reported before: what was stored then
        keys = [n.idempotency_key for n in notifications]
        stored = list(Notification.objects.filter(idempotency_key__in=keys))
    pending = [n.pk for n in stored if n.status == NotificationStatus.PENDING]
    if pending:
        _enqueue_on_commit(pending)
    return stored


def _enqueue_on_commit(ids: list[int]) -> None:
    """Enqueue delivery so that it happens only if the change that caused it commits.

    When the queue is a table of this same database, the job is written inside the transaction:
    it commits or rolls back with the change, and costs no commit of its own. Any other queue
    (Redis) is told after the commit.
    """
    from django_tasks_db.backend import DatabaseBackend

    from yiwang.notifications.tasks import deliver_notifications

    if isinstance(deliver_notifications.get_backend(), DatabaseBackend) and (
        transaction.get_connection().in_atomic_block
    ):
        deliver_notifications.enqueue(ids)
    else:
        transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int], run_after: dt.datetime | None = None) -> None:
    from yiwang.notifications.tasks import deliver_notifications

    task = deliver_notifications
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # the periodic sweep sends it when it is due
        task = task.using(run_after=run_after)
    try:
        task.enqueue(ids)
    except Exception:
        # The rows are safe in the database; the periodic sweep sends them.
        logger.exception("could not enqueue delivery of notifications %s", ids)


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure before trying again."""
    seconds = BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def _send(notification: Notification) -> None:
    if notification.channel == Channel.EMAIL:
        EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
        ).send(fail_silently=False)
    elif notification.channel == Channel.SMS:
        sms.get_backend().send(notification.address, notification.body)
    # The inbox channel is delivered when it is created.


def deliver(notification_id: int) -> str:
    """Send one pending e-mail or SMS now (the background task calls this); return its status.

    Locks the row and sends only while it is pending and due, so a second run or a second worker
    sends nothing. A failure counts an attempt and schedules the next with backoff; after
    ``MAX_ATTEMPTS`` the notification is marked failed and left for an operator.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "locked"  # another worker is sending it right now (or it does not exist)
        now = clock.now()
        if notification.status != NotificationStatus.PENDING:
            return str(notification.status)
        if notification.next_attempt_at > now:
            return "not_due"
        notification.attempts += 1
        try:
            _send(notification)
        except Exception as exc:
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = NotificationStatus.FAILED
                logger.error(
                    "notification %s failed %d times; giving up: %s",
                    notification.pk,
                    notification.attempts,
                    notification.last_error,
                )
            else:
                notification.next_attempt_at = now + backoff(notification.attempts)
                logger.warning(
                    "notification %s failed (attempt %d), retrying at %s: %s",
                    notification.pk,
                    notification.attempts,
                    notification.next_attempt_at.isoformat(),
                    notification.last_error,
                )
                retry_at = notification.next_attempt_at
                transaction.on_commit(lambda: _enqueue([notification_id], run_after=retry_at))
        else:
            notification.status = NotificationStatus.SENT
            notification.sent_at = now
            notification.last_error = ""
        notification.save(
            update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"]
        )
        return str(notification.status)


def due_notifications(limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come (for the periodic sweep)."""
    return list(
        Notification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lte=clock.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def mark_read(*, actor: Any, message: InboxMessage) -> InboxMessage:
    """Mark an inbox message read (only its recipient may).

    No audit event: a person ticking off their own message is not an act of the administration,
    and it changes nothing anyone else relies on.
    """
    account_model = get_user_model()
    if not isinstance(actor, account_model) or message.recipient_id != actor.pk:
        raise PermissionDenied("not your message")
    if message.read_at is None:
        message.read_at = clock.now()
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(
            read_at=message.read_at
        )
    return message
