"""The member of staff's own messages: what the platform told them, newest first.

Staff events (a correction sent back, a case due soon or overdue, a changed password) write an
inbox message for the staff account as well as an e-mail; these pages are where they read it.
Reads go through the notifications selectors scoped to the logged-in account, so another
account's message is a 404, as if it did not exist.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from yiwang.identity.access import staff_required
from yiwang.notifications.views import inbox_page, message_page


@require_safe
@staff_required
def messages(request: HttpRequest) -> HttpResponse:
    return inbox_page(request, "backoffice/messages/list.html")


@require_safe
@staff_required
def message(request: HttpRequest, pk: int) -> HttpResponse:
    return message_page(request, pk, "backoffice/messages/detail.html")
