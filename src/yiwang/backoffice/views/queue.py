"""The department work queue: a clerk's departments' tasks, soonest due (so overdue) first.

Pages are keyset pages (see :mod:`yiwang.core.pagination`): "next" starts after the last row
shown, so a page costs the same on a queue of ten thousand tasks as on one of a million, and
nothing is counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from yiwang.applications import selectors, services
from yiwang.applications.constants import QUEUE_TASK_STATUSES, TaskStatus
from yiwang.applications.types import ApplicationError
from yiwang.backoffice.forms import QueueFilterForm
from yiwang.backoffice.presenters import (
    Deadline,
    deadline_of,
    queue_row_html,
    queue_row_labels,
)
from yiwang.backoffice.views.task import task_or_404
from yiwang.catalogue import selectors as catalogue
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import is_english
from yiwang.core.pagination import BadCursor, Cursor, keyset_page
from yiwang.identity import selectors as identity
from yiwang.identity.access import staff_required

PAGE_SIZE = 25

# What a row shows, and nothing else: the application's answers and the clerk's account record
# stay in the database, which keeps a page's rows small however big the applications are.
ROW_FIELDS = (
    "id",
    "status",
    "due_date",
    "name_zh",
    "name_en",
    "case__id",
    "case__name_zh",
    "case__name_en",
    # The state machines read their state when a row is loaded; deferring it costs a query.
    "case__status",
    "case__application__id",
    "case__application__status",
    "case__application__receipt_number",
    "department__id",
    "assignee__id",
    "assignee__username",
    "assignee__display_name",
)


@dataclass(frozen=True)
class QueueRow:
    """What one row shows, worked out here: a page has many rows, and the template language
    is far slower at following ``task.case.application…`` than Python is."""

    deadline: Deadline
    service: str
    step: str
    can_claim: bool
    url: str
    claim_url: str
    receipt: str
    status: str
    assignee: str
    due_iso: str


class _Addresses:
    """The task and claim addresses of many rows from one ``reverse`` each (25 rows would
    otherwise resolve the URL patterns 50 times per page)."""

    SENTINEL = 987654321

    def __init__(self) -> None:
        self.task = reverse("backoffice:task", args=[self.SENTINEL])
        self.claim = reverse("backoffice:claim", args=[self.SENTINEL])

    def __call__(self, pattern: str, pk: int) -> str:
        return pattern.replace(str(self.SENTINEL), str(pk))


def _service_choices(department_codes: set[str]) -> list[tuple[str, str]]:
    """Published services with a step in (or owned by) one of the departments, by name.

    Reads only each definition's process (the steps' departments), not the whole definition.
    """
    choices = []
    english = is_english()
    rows = catalogue.published_services().values_list(
        "service__code", "name_zh", "name_en", "department_code", "definition__process"
    )
    for code, name_zh, name_en, owner, process in rows:
        steps = {
            str(step.get("department"))
            for stage in (process or {}).get("stages", [])
            for step in stage.get("steps", [])
        }
        if owner in department_codes or steps & department_codes:
            choices.append((code, (name_en if english and name_en else name_zh) or code))
    return sorted(choices, key=lambda c: c[1])


def _cursor(value: str | None) -> Cursor | None:
    if not value:
        return None
    try:
        return Cursor.parse(value)
    except BadCursor:
        return None  # a hand-edited address starts again at the first page


def _page_link(request: HttpRequest, **cursor: str) -> str:
    query = {k: v for k, v in request.GET.items() if k not in ("after", "before") and v}
    return f"{reverse('backoffice:queue')}?{urlencode({**query, **cursor})}"


@require_safe
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    actor = request.user
    departments = list(identity.departments_for(actor).order_by("code"))
    form = QueueFilterForm(
        request.GET if any(k in request.GET for k in ("department", "service", "status",
                                                        "due_before")) else None,
        departments=[(d.code, d.name) for d in departments],
        services=_service_choices({d.code for d in departments}),
    )  # fmt: skip
    chosen = form.filters() if form.is_bound and form.is_valid() else {}
    department = next((d for d in departments if d.code == chosen.get("department")), None)
    statuses = [chosen["status"]] if "status" in chosen else list(QUEUE_TASK_STATUSES)
    # One slice per status: each is read in the order of the queue index (see the module doc).
    slices = [
        tasks.only(*ROW_FIELDS)
        for tasks in selectors.queue_slices(
            actor=actor,
            department=department,
            service=chosen.get("service"),
            statuses=statuses,
            due_before=chosen.get("due_before"),
        )
    ]
    page = keyset_page(
        slices,
        field="due_date",
        limit=PAGE_SIZE,
        after=_cursor(request.GET.get("after")),
        before=_cursor(request.GET.get("before")),
    )
    today = timezone.localdate(clock.now())
    address = _Addresses()
    rows = [
        QueueRow(
            deadline=deadline_of(task.due_date, today, status=task.status),
            service=task.case.name,
            step=task.name,
            can_claim=task.status == TaskStatus.OPEN,
            url=address(address.task, task.pk),
            claim_url=address(address.claim, task.pk),
            receipt=task.case.application.receipt_number,
            status=str(task.get_status_display()),
            assignee=str(task.assignee) if task.assignee_id else "",
            due_iso=task.due_date.isoformat() if task.due_date else "",
        )
        for task in page.items
    ]
    here = request.get_full_path()
    token = get_token(request)
    labels = queue_row_labels()
    context = {
        "form": form,
        "rows": rows,
        "row_html": [
            queue_row_html(row, csrf_token=token, here=here, labels=labels) for row in rows
        ],
        "departments": departments,
        "next_url": _page_link(request, after=str(page.next)) if page.next else None,
        "previous_url": _page_link(request, before=str(page.previous)) if page.previous else None,
        "filtered": bool(chosen),
        "here": here,
    }
    return render(request, "backoffice/queue/queue.html", context)


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


@require_POST
@staff_required
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an open task; back to where the button was (the queue or the task page)."""
    task = task_or_404(request.user, pk)
    try:
        services.claim_task(actor=request.user, task=task)
    except PermissionDenied:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("You are now handling “%(step)s” of %(receipt)s.")
            % {"step": task.name, "receipt": task.case.application.receipt_number},
        )
    return _back(request, reverse("backoffice:task", args=[pk]))
