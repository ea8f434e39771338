"""Refuse requests that carry the NUL character in their address, query or JSON body.

No text the platform keeps may hold U+0000: PostgreSQL cannot store it in a text column, and
nobody types it. Django's forms already refuse it field by field; addresses, query strings and
the API's JSON bodies reached the database with it and ended in a server error. They are
refused here, before any view runs, with 400 and a message saying why: in the API's error
format under ``/api/``, as the site's "bad request" page elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

API_PREFIX = "/api/"
NUL = "\x00"


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _json_body_holds_nul(request: HttpRequest) -> bool:
    if request.content_type != "application/json":
        return False
    try:
        body = request.body
    except RequestDataTooBig:
        return False  # the view refuses it in its own words
    # JSON can only carry NUL escaped; most bodies are cleared by this scan alone. A hit may be
    # an escaped backslash followed by "u0000", so the body is read to be sure.
    if b"\\u0000" not in body:
        return False
    try:
        return _holds_nul(json.loads(body))
    except ValueError:
        return False  # not JSON at all: the API says so itself


def holds_nul(request: HttpRequest) -> bool:
    """Whether the request's address, query string or JSON body contains U+0000."""
    if NUL in request.path:
        return True
    if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
        return True
    return _json_body_holds_nul(request)


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not holds_nul(request):
            return self.get_response(request)
        message = _("The request contains the NUL character (U+0000), which text may not hold.")
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"error": {"code": "bad_request", "message": message}}, status=400)
        return bad_request(request, SuspiciousOperation(message))
