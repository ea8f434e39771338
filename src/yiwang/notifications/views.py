"""One account's inbox as pages: the list and one message.

The portal and the back office each serve these behind their own log-in check and templates.
Reads go through the selectors scoped to the logged-in account, so another account's message is
a 404, as if it did not exist.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yiwang.core.errors import PermissionDenied
from yiwang.notifications import selectors, services

# One account's messages, not a department's queue: paged by number, as it stays short.
PER_PAGE = 20


def inbox_page(request: HttpRequest, template: str) -> HttpResponse:
    page = Paginator(selectors.inbox_for(actor=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    unread = selectors.unread_count(actor=request.user)
    return render(request, template, {"page": page, "unread": unread})


def message_page(request: HttpRequest, pk: int, template: str) -> HttpResponse:
    try:
        message = selectors.message_for(actor=request.user, pk=pk)
    except PermissionDenied as exc:
        raise Http404 from exc
    # Opening a message is what marks it read, as in any mail program; doing it again changes
    # nothing, so this write on a GET is safe to repeat.
    if message.read_at is None:
        message = services.mark_read(actor=request.user, message=message)
    return render(request, template, {"message": message})
