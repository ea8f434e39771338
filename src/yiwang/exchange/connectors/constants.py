"""Choices of the connectors. Stable strings: they are stored and shown to operators."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CircuitState(models.TextChoices):
    """State of a remote registry's circuit breaker, shared by every process."""

    CLOSED = "closed", _("Closed: requests are sent")
    OPEN = "open", _("Open: no requests are sent until the cool-off ends")
    HALF_OPEN = "half_open", _("Half-open: one trial request is under way")
