"""The public half of the audit signing key, for anyone who verifies an export."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from yiwang.audit import domain, keys


@require_GET
@cache_control(public=True, max_age=300)
def audit_key(request: HttpRequest) -> JsonResponse:
    return JsonResponse(domain.public_key_document(keys.public_key()))
