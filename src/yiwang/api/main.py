"""The HTTP API: composition of each app's router, authentication and the error format.

Each domain app offers its operations in its own ``api.py``; this module only mounts them under
``/api/v1/`` and makes every error look the same (:mod:`yiwang.api.errors`). ``docs/api.md``
is the guide for department developers; ``openapi/yiwang-v1.json`` is the contract.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from yiwang.api import errors, me
from yiwang.applications import api as applications
from yiwang.catalogue import api as catalogue
from yiwang.exchange import api as exchange

DESCRIPTION = """\
The yiwang (一网) platform's API, version 1.

* **Catalogue** (no log-in): the services and life-event bundles people can apply for.
* **Applications** (a citizen's portal session): start, fill in, upload, submit, follow and
  withdraw one's own applications and those of firms one may act for.
* **Tasks** (a clerk's back-office session, or a department system's bearer token): the
  department's work queue, claiming and deciding tasks.

Every error has the body `{"error": {"code", "message", "fields"?}}`. Whatever is not the
caller's answers 404 `not_found`, exactly as if it did not exist. See docs/api.md.
"""


class YiwangAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # The handler's name ("submit_application"): stable, readable, and what client
        # generators turn into method names. Handler names are unique across the routers.
        return str(operation.view_func.__name__)


api = YiwangAPI(
    title="yiwang",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
)
errors.install(api)

api.add_router("", me.router)
api.add_router("/catalogue", catalogue.router)
api.add_router("/applications", applications.applicant_router)
api.add_router("/tasks", applications.clerk_router)
api.add_router("/registries", exchange.registry_router)
api.add_router("/exchange", exchange.exchange_router)
