"""A circuit breaker per remote registry, kept in the database so every process agrees.

closed
    Lookups are sent. Each lookup that fails (after its retries) adds one to ``failures``; a
    success sets it back to 0. When ``failures`` reaches the threshold the circuit opens.
open
    No lookup is sent: reads are refused at once as ``registry_unavailable``, so a dead
    registry costs neither the person nor the worker pool the timeouts. When the cool-off
    has passed, the first process to ask takes the one trial lookup (half-open).
half_open
    One trial lookup is under way; every other read is refused as if open. A trial that
    answers closes the circuit; one that fails opens it again for another cool-off. A trial
    whose process died is taken over once it is older than ``trial_timeout``.

Every change is one conditional ``UPDATE`` (``... WHERE state = 'open' AND opened_at <= ...``),
so when several processes race exactly one wins, with no lock held beyond the statement. A
healthy registry costs one indexed read per lookup and no write. "Failure" means the remote could
not be reached or answered 5xx: a reachable remote that answers badly is a contract problem the
breaker cannot fix by waiting, so it does not trip it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet

from yiwang.core import clock
from yiwang.exchange.connectors.config import BreakerPolicy
from yiwang.exchange.connectors.constants import CircuitState
from yiwang.exchange.connectors.models import ConnectorCircuit
from yiwang.exchange.types import ConnectorError

log = logging.getLogger(__name__)

ERROR_LIMIT = 500


class CircuitOpen(ConnectorError):
    """The circuit is open (or a trial is under way elsewhere): no request was sent."""


@dataclass(frozen=True)
class Permit:
    """Leave to send a lookup. ``trial``: the one half-open lookup. ``clean``: the circuit
    was closed with no failures, so a success needs no write."""

    trial: bool = False
    clean: bool = False


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


class Breaker:
    def __init__(self, registry: str, policy: BreakerPolicy, *, trial_timeout: float) -> None:
        self.registry = registry
        self.policy = policy
        self.trial_timeout = trial_timeout

    def _rows(self) -> QuerySet[ConnectorCircuit]:
        return ConnectorCircuit.objects.filter(registry_code=self.registry)

    def admit(self) -> Permit:
        """Leave to send one lookup, or :class:`CircuitOpen`."""
        row = (
            self._rows()
            .values_list("state", "failures", "opened_at", "trial_started_at", "last_error")
            .first()
        )
        if row is None:
            return Permit(clean=True)
        state, failures, opened_at, trial_started_at, last_error = row
        if state == CircuitState.CLOSED:
            return Permit(clean=failures == 0)
        now = clock.now()
        if state == CircuitState.OPEN:
            due = opened_at + _seconds(self.policy.cool_off) if opened_at else now
            if now >= due:
                cooled = now - _seconds(self.policy.cool_off)
                taken = (
                    self._rows()
                    .filter(state=CircuitState.OPEN)
                    .filter(Q(opened_at__isnull=True) | Q(opened_at__lte=cooled))
                    .update(state=CircuitState.HALF_OPEN, trial_started_at=now, updated_at=now)
                )
                if taken:
                    log.warning(
                        "registry %s: circuit half-open, sending one trial request",
                        self.registry,
                    )
                    return Permit(trial=True)
            raise CircuitOpen(
                f"circuit open after {failures} consecutive failures (last: {last_error}); "
                f"no request sent; the next trial is due at {due.isoformat(timespec='seconds')}"
            )
        # Half-open: another process is sending the trial, unless it died doing so.
        stale = now - _seconds(self.trial_timeout)
        if trial_started_at is None or trial_started_at <= stale:
            taken = (
                self._rows()
                .filter(state=CircuitState.HALF_OPEN)
                .filter(Q(trial_started_at__isnull=True) | Q(trial_started_at__lte=stale))
                .update(trial_started_at=now, updated_at=now)
            )
            if taken:
                log.warning(
                    "registry %s: the trial request of another process never finished; "
                    "sending a new one",
                    self.registry,
                )
                return Permit(trial=True)
        raise CircuitOpen(
            f"circuit half-open: a trial request is under way (last error: {last_error}); "
            "no request sent"
        )

    def succeeded(self, permit: Permit) -> None:
        if permit.clean:
            return
        now = clock.now()
        closed = (
            self._rows()
            .exclude(state=CircuitState.CLOSED, failures=0)
            .update(
                state=CircuitState.CLOSED,
                failures=0,
                opened_at=None,
                trial_started_at=None,
                updated_at=now,
            )
        )
        if closed and permit.trial:
            log.warning("registry %s: the trial request answered; circuit closed", self.registry)

    def failed(self, permit: Permit, error: str) -> None:
        now = clock.now()
        error = error[:ERROR_LIMIT]
        if permit.trial:
            self._rows().update(
                state=CircuitState.OPEN,
                opened_at=now,
                trial_started_at=None,
                failures=F("failures") + 1,
                last_error=error,
                last_failure_at=now,
                updated_at=now,
            )
            log.error(
                "registry %s: the trial request failed (%s); circuit open again for %s s",
                self.registry,
                error,
                self.policy.cool_off,
            )
            return
        self._count_failure(now, error)
        opened = (
            self._rows()
            .filter(state=CircuitState.CLOSED, failures__gte=self.policy.failure_threshold)
            .update(state=CircuitState.OPEN, opened_at=now, updated_at=now)
        )
        if opened:
            log.error(
                "registry %s: circuit opened after %d consecutive failures (last: %s); "
                "no request is sent for %s s",
                self.registry,
                self.policy.failure_threshold,
                error,
                self.policy.cool_off,
            )

    def _count_failure(self, now: dt.datetime, error: str) -> None:
        changes = {
            "failures": F("failures") + 1,
            "last_error": error,
            "last_failure_at": now,
            "updated_at": now,
        }
        if self._rows().update(**changes):
            return
        try:
            # A savepoint, so losing the race to create the row leaves the caller's
            # transaction usable; the winner's row is then updated like any other.
            with transaction.atomic():
                ConnectorCircuit.objects.create(
                    registry_code=self.registry,
                    state=CircuitState.CLOSED,
                    failures=1,
                    last_error=error,
                    last_failure_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            self._rows().update(**changes)
