"""The data-sharing exchange over HTTP, mounted by :mod:`yiwang.api.main` under ``/api/v1/``.

* ``registry_router`` (``/registries``): the owning department keeps its registry —
  ``/registries/{registry}/v1/records``.
* ``exchange_router`` (``/exchange``): the governed read (``/read``), sharing agreements
  (``/agreements``), a person's consents (``/consents``) and access log (``/access-log``), and
  department systems' tokens (``/systems``).

Each operation parses its input, calls one selector or service of the exchange and renders the
result; who may see or do what is decided there. ``docs/api-exchange.md`` is the guide.
"""

from __future__ import annotations

from ninja import Router

from yiwang.exchange.api import agreements, people, read, registry, systems

registry_router = registry.router

exchange_router = Router()
exchange_router.add_router("", read.router)
exchange_router.add_router("/agreements", agreements.router)
exchange_router.add_router("/consents", people.consent_router)
exchange_router.add_router("/access-log", people.access_log_router)
exchange_router.add_router("/systems", systems.router)

__all__ = ["exchange_router", "registry_router"]
