"""Connectors to registries kept by a department's own system (``storage: remote``).

The exchange reads a remote registry through the connector registered for its
``connector.type`` (see :mod:`yiwang.exchange.hooks`). yiwang ships one: ``http``, for a
department system that answers record lookups as JSON over HTTPS (:mod:`.http`). Its health is
shared by every process through a circuit breaker kept in the database (:mod:`.breaker`), and
shown to operators by ``yiwang exchange status`` and the admin (:mod:`.status`).

Nothing is imported at module level: the breaker model is imported while Django loads models.
"""

from __future__ import annotations


def register_builtin_connectors() -> None:
    """Register the connectors yiwang ships. Called from the exchange's ``AppConfig.ready``."""
    from yiwang.exchange import hooks
    from yiwang.exchange.connectors.config import HTTP
    from yiwang.exchange.connectors.http import HttpConnector

    if hooks.connector_for(HTTP) is None:
        hooks.register_connector(HTTP, HttpConnector())
