"""Files the applicant uploaded, served to the clerks of the case only.

Always as a download (``Content-Disposition: attachment``) with ``nosniff`` and a sandboxing
policy: an uploaded file is never rendered as a page of this site, whatever is inside it.
"""

from __future__ import annotations

import logging
from typing import cast

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from yiwang.applications import selectors, services
from yiwang.backoffice.views.task import MAX_PK
from yiwang.core.errors import PermissionDenied
from yiwang.identity.access import staff_required

logger = logging.getLogger(__name__)


@require_safe
@staff_required
def material(request: HttpRequest, pk: int) -> HttpResponse:
    if not 0 < pk <= MAX_PK:
        raise Http404
    try:
        upload = selectors.materials_for(actor=request.user, upload=pk)
    except PermissionDenied:
        raise Http404 from None
    try:
        handle = upload.file.open("rb")
    except FileNotFoundError:
        logger.error("uploaded file %s (upload %s) is missing from storage", upload.file, pk)
        raise Http404 from None
    # Recorded once the file is there to serve; if it cannot be recorded, it is not served. A
    # HEAD request gets the headers only (Django drops the body), so no file is read: no record.
    if request.method != "HEAD":
        try:
            services.record_material_view(actor=request.user, upload=upload)
        except BaseException:
            handle.close()
            raise
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=upload.original_name,
        content_type=upload.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    # A streaming response is what a view may return; the decorators' types say HttpResponse.
    return cast(HttpResponse, response)
