"""Seams other apps plug into, so the exchange never imports them.

Case checkers
    An agreement may say "only in the context of an open case of that subject". The exchange
    does not know what a case is; the applications app registers a checker at start-up
    (``AppConfig.ready``) that answers whether ``case_ref`` is an open case of the consumer
    department whose applicant is the subject. With no checker registered every such read is
    refused (``no_open_case``): deny by default.

Connectors
    A remote registry (``storage: remote``) is read through the connector registered for its
    ``connector.type``. With none registered the read is refused as ``registry_unavailable``.
    A connector may also offer ``check_config(config, *, fields, subject_field, record_key)``
    returning ``(path, reason)`` problems; the definition loader then refuses a registry file
    whose connector options it finds wrong. yiwang registers its ``http`` connector at start-up
    (:mod:`yiwang.exchange.connectors`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from yiwang.exchange.types import Connector

log = logging.getLogger(__name__)


class CaseChecker(Protocol):
    def __call__(
        self, *, case_ref: str, subject_kind: str, subject_key: str, consumer: str
    ) -> bool: ...


_lock = threading.Lock()
_case_checkers: list[CaseChecker] = []
_connectors: dict[str, Connector] = {}


def register_case_checker(checker: CaseChecker) -> CaseChecker:
    """Add a checker (usable as a decorator). Registering the same function twice is a no-op."""
    with _lock:
        if checker not in _case_checkers:
            _case_checkers.append(checker)
    return checker


def unregister_case_checker(checker: CaseChecker) -> None:
    with _lock:
        if checker in _case_checkers:
            _case_checkers.remove(checker)


def is_open_case(
    *, case_ref: str | None, subject_kind: str, subject_key: str, consumer: str
) -> bool:
    """True when some registered checker vouches for the case; False without a case or checker.

    A checker that raises counts as "no": an error must never open access.
    """
    if not case_ref:
        return False
    for checker in list(_case_checkers):
        try:
            if checker(
                case_ref=case_ref,
                subject_kind=subject_kind,
                subject_key=subject_key,
                consumer=consumer,
            ):
                return True
        except Exception:
            log.exception("case checker %r failed for case %s", checker, case_ref)
    return False


def register_connector(kind: str, connector: Connector) -> None:
    with _lock:
        _connectors[kind] = connector


def unregister_connector(kind: str) -> None:
    with _lock:
        _connectors.pop(kind, None)


def connector_for(kind: str) -> Connector | None:
    return _connectors.get(kind)


def check_connector_config(
    config: Mapping[str, Any], *, fields: Iterable[str], subject_field: str, record_key: str
) -> list[tuple[str, str]]:
    """Problems the registered connector of ``config["type"]`` finds in its options, as
    ``(path inside connector, reason)``. A type nobody registered is not checked: its connector
    may be installed later, and until then reads are refused as ``registry_unavailable``."""
    connector = connector_for(str(config.get("type", "")))
    check = getattr(connector, "check_config", None)
    if check is None:
        return []
    return list(
        check(config, fields=tuple(fields), subject_field=subject_field, record_key=record_key)
    )


def registered_case_checkers() -> tuple[Callable[..., bool], ...]:
    return tuple(_case_checkers)
