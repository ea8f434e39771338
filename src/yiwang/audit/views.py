"""The public half of the audit signing key, for anyone who verifies an export."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from yiwang.audit import domain, keys

logger = logging.getLogger(__name__)


@require_safe
@cache_control(public=True, max_age=300)
def audit_key(request: HttpRequest) -> JsonResponse:
    """The current key, and the retired keys older checkpoints were signed with."""
    document: dict[str, object] = dict(domain.public_key_document(keys.public_key()))
    try:
        retired = keys.retired_public_keys()
    except keys.UnreadableKey:
        logger.exception("audit: a retired public key cannot be read; it is not published")
        retired = {}
    document["retired_keys"] = [
        domain.public_key_document(key)
        for key_id, key in sorted(retired.items())
        if key_id != document["key_id"]
    ]
    return JsonResponse(document)
