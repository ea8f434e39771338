"""Refuse a request larger than ``YIWANG_MAX_UPLOAD_MB`` before anything reads its body.

Django limits the form fields it keeps in memory (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but not the
files: a multipart body of any size was read and written to a temporary file in full before the
material's own size limit refused it. Here the request's Content-Length is compared with the
setting before any middleware or view touches the body, and a larger request is answered 413: in
the API's error format (``{"error": {"code": "too_large", ...}}``) under ``/api/``, as the site's
"problem with your request" page elsewhere. A body sent without a Content-Length (chunked) is
never read by Django at all, so the header is all there is to look at.

The limit counts the whole request, so it must stay above the largest ``max_size_mb`` of the
catalogue's materials; a reverse proxy in front should refuse the same requests first
(nginx's ``client_max_body_size``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
MEGABYTE = 1024 * 1024


def limit_bytes() -> int:
    return int(settings.YIWANG_MAX_UPLOAD_MB) * MEGABYTE


def declared_length(request: HttpRequest) -> int | None:
    """The Content-Length the client declared, or None when it gave none that is a number
    (Django then reads no body at all)."""
    raw = request.META.get("CONTENT_LENGTH") or ""
    try:
        length = int(raw)
    except ValueError:
        return None
    return length if length >= 0 else None


def too_large(request: HttpRequest) -> HttpResponse:
    limit = settings.YIWANG_MAX_UPLOAD_MB
    if request.path.startswith(API_PREFIX):
        message = _(
            "The request is larger than the platform accepts (%(limit)s MB at most), so none of "
            "it was read."
        ) % {"limit": limit}
        return JsonResponse({"error": {"code": "too_large", "message": message}}, status=413)
    return render(request, "413.html", {"limit_mb": limit}, status=413)


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        if length is not None and length > limit_bytes():
            return too_large(request)
        return self.get_response(request)
