"""The circuit-breaker table. Imported by :mod:`yiwang.exchange.models`, so its app is the
exchange and its migrations live there."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.exchange.connectors.constants import CircuitState


class ConnectorCircuit(models.Model):
    """Whether a remote registry is reachable, as every web and worker process sees it.

    One row per remote registry, made at its first failure. A read reads the row once; it is
    written only when something changes (a failure, the circuit opening, a trial, recovery), so
    a healthy registry costs one indexed read per lookup and no writes.
    """

    registry_code = models.CharField(_("registry"), max_length=64, unique=True)
    state = models.CharField(
        _("state"), max_length=16, choices=CircuitState.choices, default=CircuitState.CLOSED
    )
    # Consecutive failed lookups (each after its retries); a success sets it back to 0.
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    trial_started_at = models.DateTimeField(_("trial request started at"), null=True, blank=True)
    # Never holds personal data: the reason names the address template, not the subject.
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("remote registry circuit")
        verbose_name_plural = _("remote registry circuits")

    def __str__(self) -> str:
        return f"{self.registry_code}: {self.state}"
