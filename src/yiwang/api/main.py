"""The HTTP API: composition of each app's router, authentication and the error format."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="yiwang", version="1", urls_namespace="api-v1")
