"""The audit log for auditors and platform admins: search it, open an event, verify it all.

The log names the people whose data each event touched, so reading it is itself a use of
personal data: every search and every event opened is recorded (:mod:`yiwang.audit.oversight`).
Pages are keyset pages by event id, newest first: an older page costs the same as the first,
and nothing is counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from yiwang.audit import oversight, runs
from yiwang.audit import selectors as audit
from yiwang.audit.services import AuditError, subject_key
from yiwang.backoffice import presenters
from yiwang.core.form_fields import DateField
from yiwang.exchange.constants import SubjectKind
from yiwang.exchange.domain import SubjectInvalid, normalise_subject, subject_ref
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.access import staff_required

PAGE_SIZE = 50
_FILTERS = ("action", "subject", "actor_id", "object_type", "object_id", "since", "until")


def subject_of(text: str) -> str | None:
    """``person:…`` or ``firm:…`` as the log stores it, from what an auditor typed: the full
    form, or a bare national id or credit code (told apart by their check characters)."""
    value = text.strip()
    if value.startswith(("person:", "firm:")):
        try:
            return subject_key(value)
        except AuditError:
            return None
    for kind in (SubjectKind.PERSON, SubjectKind.FIRM):
        try:
            return subject_ref(kind, normalise_subject(kind, value))
        except SubjectInvalid:
            continue
    return None


class AuditSearchForm(forms.Form):
    """The log's filters, sent with GET so that a search has its own address."""

    subject = forms.CharField(
        label=gettext_lazy("Person or firm"),
        help_text=gettext_lazy(
            "A national ID number or a unified social credit code, for example 11010519491231002X"
        ),
        required=False,
        max_length=120,
    )
    action = forms.CharField(
        label=gettext_lazy("Action"),
        help_text=gettext_lazy("As the log writes it, for example exchange.read"),
        required=False,
        max_length=100,
    )
    actor_id = forms.CharField(
        label=gettext_lazy("Actor's id"),
        help_text=gettext_lazy("The id an event shows for who acted"),
        required=False,
        max_length=100,
    )
    object_type = forms.CharField(
        label=gettext_lazy("Record type"),
        help_text=gettext_lazy("For example applications.case"),
        required=False,
        max_length=100,
    )
    object_id = forms.CharField(
        label=gettext_lazy("Record id"),
        help_text=gettext_lazy(
            "Without a record type, the id is looked for in records of every type"
        ),
        required=False,
        max_length=100,
    )
    since = DateField(
        label=gettext_lazy("From"),
        help_text=gettext_lazy("For example, 2026-03-01"),
        required=False,
        error_messages={"invalid": gettext_lazy("Enter a date like 2026-03-01.")},
    )
    until = DateField(
        label=gettext_lazy("To"),
        help_text=gettext_lazy("For example, 2026-03-31; that day is included"),
        required=False,
        error_messages={"invalid": gettext_lazy("Enter a date like 2026-03-31.")},
    )

    def clean_subject(self) -> str:
        text = self.cleaned_data["subject"]
        if not text:
            return ""
        subject = subject_of(text)
        if subject is None:
            raise forms.ValidationError(
                _(
                    "This is neither a valid national ID number nor a valid unified social "
                    "credit code. Check the number, or write it as person:<ID> or firm:<code>."
                )
            )
        return subject

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must be on or after the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """The chosen filters as the selector takes them; call after ``is_valid``."""
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _page_link(request: HttpRequest, before: int | None) -> str:
    """This search's page of events older than ``before`` (None: its newest events)."""
    query = {k: v for k, v in request.GET.items() if k in _FILTERS and v}
    if before is not None:
        query["before"] = str(before)
    page = reverse("backoffice:audit")
    return f"{page}?{urlencode(query)}" if query else page


def _event_rows(shown: Iterable[Any]) -> list[dict[str, Any]]:
    """Each event with who acted in words: the department's name where it still exists (the log
    keeps the code it had then) and the role's label."""
    events = list(shown)
    names = identity_selectors.department_names(e.actor_department for e in events)
    return [
        {
            "event": e,
            "department": presenters.department_label(e.actor_department, names),
            "role": presenters.role_label(e.actor_role) if e.actor_role else "",
        }
        for e in events
    ]


@require_safe
@staff_required(roles=audit.AUDITOR_ROLES)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    filtered = any(request.GET.get(name) for name in _FILTERS)
    before = _before(request)
    valid = form.is_valid() if filtered else True
    filters = (form.filters() if filtered else {}) if valid else None
    page = audit.log_page(actor=request.user, filters=filters, before_id=before, size=PAGE_SIZE)
    # A search that failed shows no event; a HEAD request is answered without the page. Neither
    # is a read.
    if filters is not None and request.method != "HEAD":
        oversight.record_log_view(
            actor=request.user, filters=filters, before_id=before, shown=len(page.events)
        )
    context = {
        "form": form,
        "filtered": filtered,
        "valid": valid,
        "events": page.events,
        "rows": _event_rows(page.events),
        "older_url": _page_link(request, page.older_than) if page.older_than else None,
        "newest_url": _page_link(request, None) if before is not None else None,
        "page": page,
    }
    return render(request, "backoffice/audit/log.html", context, status=200 if valid else 400)


@require_safe
@staff_required(roles=audit.AUDITOR_ROLES)
def audit_event(request: HttpRequest, pk: int) -> HttpResponse:
    found = audit.event_for_auditor(actor=request.user, event_id=pk)
    if found is None:
        raise Http404
    event, seal = found
    if request.method != "HEAD":  # headers only: nothing is shown, so nothing is recorded
        oversight.record_event_view(actor=request.user, event=event)
    names = identity_selectors.department_names([event.actor_department])
    context = {
        "event": event,
        "department": presenters.department_label(event.actor_department, names),
        "role": presenters.role_label(event.actor_role) if event.actor_role else "",
        "seal": seal,
        "details": json.dumps(event.data, ensure_ascii=False, indent=2, sort_keys=True),
        "content_hash": seal.digest.hex(),
    }
    return render(request, "backoffice/audit/event.html", context)


@require_POST
@staff_required(roles=audit.AUDITOR_ROLES)
def audit_verify(request: HttpRequest) -> HttpResponse:
    _run, queued = runs.request_verification(actor=request.user)
    if queued:
        messages.success(
            request,
            _(
                "Verification requested. A background worker checks the whole log; "
                "the outcome appears here when it is done."
            ),
        )
    else:
        messages.info(
            request, _("A verification is already waiting or running; its outcome appears here.")
        )
    return HttpResponseRedirect(reverse("backoffice:audit") + "#verification")
