"""The platform's notion of now; one place to freeze it in tests."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
