"""Sending text messages through a pluggable backend (``YIWANG_SMS_BACKEND``).

A backend is a class with ``send(phone, text)`` that raises on failure (the caller retries). The
default, :class:`LogBackend`, only writes the message to the log: a real site plugs in its
provider's gateway by naming a subclass of :class:`BaseBackend` in the setting.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("yiwang.notifications.sms")


class SmsError(Exception):
    """The provider did not accept the message; the delivery will be tried again."""


class BaseBackend:
    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class LogBackend(BaseBackend):
    """Writes each message to the log instead of sending it (development and demos)."""

    def send(self, phone: str, text: str) -> None:
        # The number is partly masked: logs are read by more people than the messages are for.
        masked = f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
        logger.info("SMS to %s: %s", masked, text)


class MemoryBackend(BaseBackend):
    """Keeps sent messages in ``MemoryBackend.outbox`` (tests), like Django's locmem e-mail."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, phone: str, text: str) -> None:
        MemoryBackend.outbox.append((phone, text))


def get_backend() -> BaseBackend:
    path = getattr(settings, "YIWANG_SMS_BACKEND", "yiwang.notifications.sms.LogBackend")
    backend_class = import_string(path)
    return backend_class()  # type: ignore[no-any-return]
