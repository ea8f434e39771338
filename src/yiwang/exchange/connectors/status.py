"""Whether each remote registry can be reached, for operators and for callers of the exchange.

Not personal: which registries exist and whether they answer is platform metadata. Shown by
``yiwang exchange status`` and the admin; a form that prefills from a remote registry can ask
:func:`remote_registry_status` first and go straight to asking the person while it is down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiwang.exchange import policy
from yiwang.exchange.connectors.config import breaker_policy
from yiwang.exchange.connectors.constants import CircuitState
from yiwang.exchange.connectors.models import ConnectorCircuit
from yiwang.exchange.constants import Storage


@dataclass(frozen=True)
class RemoteRegistryStatus:
    registry: str
    department: str
    connector_type: str
    state: str
    failures: int
    failure_threshold: int
    opened_at: dt.datetime | None
    next_trial_at: dt.datetime | None
    last_error: str
    last_failure_at: dt.datetime | None

    @property
    def available(self) -> bool:
        """False while the circuit is open or half-open: reads are refused without trying."""
        return self.state == CircuitState.CLOSED


def next_trial_at(state: str, opened_at: dt.datetime | None, cool_off: float) -> dt.datetime | None:
    if state != CircuitState.OPEN or opened_at is None:
        return None
    return opened_at + dt.timedelta(seconds=cool_off)


def _status(info: policy.RegistryInfo, row: ConnectorCircuit | None) -> RemoteRegistryStatus:
    breaker = breaker_policy(info.connector)
    state = row.state if row else CircuitState.CLOSED
    opened_at = row.opened_at if row else None
    return RemoteRegistryStatus(
        registry=info.code,
        department=info.department_code,
        connector_type=str(info.connector.get("type", "")),
        state=state,
        failures=row.failures if row else 0,
        failure_threshold=breaker.failure_threshold,
        opened_at=opened_at,
        next_trial_at=next_trial_at(state, opened_at, breaker.cool_off),
        last_error=row.last_error if row else "",
        last_failure_at=row.last_failure_at if row else None,
    )


def remote_registry_statuses() -> list[RemoteRegistryStatus]:
    """Every active remote registry with its circuit, in code order."""
    remote = sorted(
        (
            r
            for r in policy.snapshot().registries.values()
            if r.storage == Storage.REMOTE and r.is_active
        ),
        key=lambda r: r.code,
    )
    rows = {
        c.registry_code: c
        for c in ConnectorCircuit.objects.filter(registry_code__in=[r.code for r in remote])
    }
    return [_status(info, rows.get(info.code)) for info in remote]


def remote_registry_status(code: str) -> RemoteRegistryStatus | None:
    """The circuit of one remote registry; None for an unknown or hosted registry."""
    info = policy.snapshot().registries.get(code)
    if info is None or info.storage != Storage.REMOTE or not info.is_active:
        return None
    return _status(info, ConnectorCircuit.objects.filter(registry_code=code).first())
