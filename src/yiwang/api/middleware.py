"""Refuse requests that carry text the platform cannot keep: NUL, or a lone surrogate.

No text the platform keeps may hold U+0000: PostgreSQL cannot store it in a text column, and
nobody types it. Nor half of a UTF-16 pair (``\\udc00`` in JSON, what a client sends when it
cuts an emoji in two): it is not a character, cannot be written as UTF-8, and broke every page
and answer that held it. Django's forms already refuse NUL field by field, and browsers never
send a lone surrogate; addresses, query strings and the API's JSON bodies reached the database
with them. They are refused here, before any view runs, with 400 and a message saying why: in
the API's error format under ``/api/``, as the site's "bad request" page elsewhere.

The API reads a body as JSON whatever its Content-Type says, so every API body is looked at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import bad_request

from yiwang.core.form_fields import holds_lone_surrogate

API_PREFIX = "/api/"
NUL = "\x00"


NUL_FOUND, SURROGATE_FOUND = "nul", "surrogate"
# What JSON escapes either as: \u0000, or \ud800 to \udfff (in either case of hex digit).
_ESCAPES = re.compile(rb"\\u(0000|[dD][89a-fA-F])")


def _problem_in_text(text: str) -> str | None:
    if NUL in text:
        return NUL_FOUND
    return SURROGATE_FOUND if holds_lone_surrogate(text) else None


def _problem_in(value: Any) -> str | None:
    if isinstance(value, str):
        return _problem_in_text(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if found := _problem_in_text(key) or _problem_in(item):
                return found
    elif isinstance(value, list):
        for item in value:
            if found := _problem_in(item):
                return found
    return None


def _json_body_problem(request: HttpRequest) -> str | None:
    if not request.path.startswith(API_PREFIX) or request.content_type == "multipart/form-data":
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None  # the view refuses it in its own words
    # JSON can only carry these escaped; most bodies are cleared by this scan alone. A hit may
    # be an escaped backslash followed by "u0000", or a surrogate pair (an emoji, which is
    # fine), so the body is read to be sure.
    if not _ESCAPES.search(body):
        return None
    try:
        return _problem_in(json.loads(body))
    except ValueError:
        return None  # not JSON at all: the API says so itself


def unkeepable_text(request: HttpRequest) -> str | None:
    """What text the platform cannot keep the request's address, query string or API body
    holds: :data:`NUL_FOUND`, :data:`SURROGATE_FOUND`, or None."""
    if NUL in request.path:
        return NUL_FOUND
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return NUL_FOUND
    return _json_body_problem(request)


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = unkeepable_text(request)
        if found is None:
            return self.get_response(request)
        if found == NUL_FOUND:
            message = _("The request contains the NUL character (U+0000), which text may not hold.")
        else:
            message = _(
                "The request contains half of a UTF-16 surrogate pair (such as \\udc00) that "
                "is not a character: send the text whole, in UTF-8."
            )
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"error": {"code": "bad_request", "message": message}}, status=400)
        return bad_request(request, SuspiciousOperation(message))
