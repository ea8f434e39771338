"""The member of staff's own messages: what the platform told them, newest first.

Staff events (a correction sent back, a case due soon or overdue, a changed password) write an
inbox message for the staff account as well as an e-mail; these pages are where they read it.
Reads go through the notifications selectors scoped to the logged-in account, so another
account's message is a 404, as if it did not exist. Like the portal's inbox, the list is paged by
page number: it is one account's messages, not a department's queue, so it stays short.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from yiwang.core.errors import PermissionDenied
from yiwang.identity.access import staff_required
from yiwang.notifications import selectors as notifications
from yiwang.notifications import services as notification_services

PER_PAGE = 20


@require_safe
@staff_required
def messages(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications.inbox_for(actor=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "backoffice/messages/list.html",
        {"page": page, "unread": notifications.unread_count(actor=request.user)},
    )


@require_safe
@staff_required
def message(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = notifications.message_for(actor=request.user, pk=pk)
    except PermissionDenied as exc:
        raise Http404 from exc
    # Opening a message marks it read, as in any mail program; doing it again changes nothing,
    # so this write on a GET is safe to repeat.
    if found.read_at is None:
        found = notification_services.mark_read(actor=request.user, message=found)
    return render(request, "backoffice/messages/detail.html", {"message": found})
