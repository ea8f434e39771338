"""Messages to people: the inbox on the site, and deliveries by e-mail and SMS.

A :class:`Notification` is one message of one event to one recipient over one channel. Its
``idempotency_key`` is unique, so however often an event is reported the message exists once, and
a delivery is attempted only while the row, locked, still says *pending*: it is never sent twice.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core import clock
from yiwang.notifications.constants import Channel, Event, NotificationStatus


class Notification(models.Model):
    # Unique through a constraint (Meta): unique=True would also build, on PostgreSQL, an index
    # for LIKE searches that nothing makes, on a table written by every change.
    idempotency_key = models.CharField(max_length=200)
    event = models.CharField(max_length=32, choices=Event.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    # The e-mail address or phone number at the time of the event (empty for the inbox).
    address = models.CharField(max_length=254, blank=True)
    language = models.CharField(max_length=16)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    status = models.CharField(
        max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    next_attempt_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            # The sweeper: pending deliveries whose time has come.
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["idempotency_key"], name="notification_key_unique"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class InboxMessage(models.Model):
    # The same key as the inbox notification: one message per event and recipient.
    idempotency_key = models.CharField(max_length=200)  # unique: see Meta
    recipient = models.ForeignKey(  # indexed first in inbox_recipient_idx
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inbox_messages",
        db_index=False,
    )
    event = models.CharField(max_length=32, choices=Event.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbox_messages",
    )
    created_at = models.DateTimeField(default=clock.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["recipient", "created_at"], name="inbox_recipient_idx"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["idempotency_key"], name="inbox_key_unique"),
        ]

    def __str__(self) -> str:
        return self.subject
