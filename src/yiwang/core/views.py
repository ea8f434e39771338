"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": str(exc)}, status=503)
    if pending:
        return JsonResponse(
            {"status": "unavailable", "database": "ok", "pending_migrations": len(pending)},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "pending_migrations": 0})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused for its expired (or missing) CSRF token: said plainly, with what it sent
    ready to be sent again under a fresh token (:mod:`yiwang.core.kept_post`)."""
    from yiwang.core.kept_post import kept_post

    return render(request, "403_csrf.html", {"kept": kept_post(request)}, status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: what the browser sent cannot be read; when it was too large, says so and how
    large a form may be (Django's DATA_UPLOAD_MAX_MEMORY_SIZE, files not counted)."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig

    too_large = isinstance(exception, RequestDataTooBig)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    context = {"too_large": too_large, "limit_mb": f"{limit / (1024 * 1024):.1f}"}
    return render(request, "400.html", context, status=400)
