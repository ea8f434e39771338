"""The platform's own middleware: request ids (every log line and audit event of one request
carries the same id), health probes answered before the host check, and the content security
policy."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    """Takes a sane ``X-Request-ID`` from the load balancer or makes one, and echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # set for views and logs
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


# Answered by ProbeMiddleware, before the host check and the HTTPS redirect.
PROBE_PATHS = ("/healthz", "/readyz")


class ProbeMiddleware:
    """Answers ``/healthz`` and ``/readyz`` whatever the scheme and the Host header.

    Load balancers and orchestrators probe each backend over plain HTTP by its address, not by
    the public host name: the HTTPS redirect would answer 301 (which Kubernetes counts as
    success, so a process with pending migrations would look ready) and the host check 400. The
    probes reveal nothing that needs either, so they are answered here, before
    SecurityMiddleware and CommonMiddleware look at the request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBE_PATHS:
            from yiwang.core import views

            view = views.healthz if request.path_info == "/healthz" else views.readyz
            return view(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Sends ``YIWANG_CONTENT_SECURITY_POLICY`` with every response that has none of its own.

    The pages need no inline script or style and load nothing from elsewhere, so a policy that
    allows only the site's own files costs nothing and turns an injected script into a dead one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.YIWANG_CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response


class PrivatePagesMiddleware:
    """Nothing shown to a signed-in person (or to a caller with a token) is kept by a browser or
    a proxy: ``Cache-Control: no-store`` unless the view said otherwise.

    Pages with personal data otherwise went out with no caching instructions at all, so on a
    shared computer in a service hall the Back button could show them again after log-out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response  # the view's own choice (downloads, log-in pages) stands
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response
