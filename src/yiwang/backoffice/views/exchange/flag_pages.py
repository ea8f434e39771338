"""Flags people raise on reads of their data, for the provider's data officers to close."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import selectors as exchange
from yiwang.exchange.constants import FlagStatus
from yiwang.exchange.selectors import CLOSING_NOTE_MAX_LENGTH, FlagOutcome, flag_answers_for
from yiwang.exchange.services.flags import close_flag
from yiwang.identity.access import staff_required
from yiwang.identity.constants import Role

# Who may open the flags pages; other pages link to them only for these roles.
FLAG_ROLES = [Role.DATA_OFFICER]


class CloseFlagForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("What you found"),
        choices=FlagOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose what you found."),
            "invalid_choice": gettext_lazy("Choose what you found."),
        },
    )
    # A note of only spaces is stripped to nothing and refused as missing.
    note = forms.CharField(
        label=gettext_lazy("What you found or did"),
        help_text=gettext_lazy(
            "The person who raised the flag reads this note, so write it for them."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=CLOSING_NOTE_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy("Say what you found or did about this use."),
            "max_length": gettext_lazy(
                "Keep the note to %(limit_value)d characters or fewer (it has %(show_value)d)."
            ),
        },
    )


def _flags_page(
    request: HttpRequest, *, failed: int | None = None, form: Any = None, status: int = 200
) -> HttpResponse:
    wanted = request.GET.get("status", FlagStatus.OPEN)
    if wanted not in FlagStatus.values:
        wanted = ""
    details = exchange.flag_details_for(actor=request.user, status=wanted or None)
    answers = flag_answers_for(
        actor=request.user,
        flag_ids=[d.flag.id for d in details if d.flag.status != FlagStatus.OPEN],
    )
    rows = [
        {
            "detail": d,
            "status": FlagStatus(d.flag.status).label,
            "open": d.flag.status == FlagStatus.OPEN,
            "form": form if failed == d.flag.id else CloseFlagForm(prefix=f"flag{d.flag.id}"),
            "answer": answers.get(d.flag.id),
        }
        for d in details
    ]
    # A flag closed meanwhile (by a colleague, in another tab) is not listed among the open
    # ones, so its form is not drawn: why it was not closed, and the note typed, go on top.
    stale = None
    still_open = {d.flag.id for d in details if d.flag.status == FlagStatus.OPEN}
    if failed is not None and form is not None and failed not in still_open:
        stale = {
            "errors": [str(e) for errors in form.errors.values() for e in errors],
            "note": str(form.data.get(f"flag{failed}-note", "")).strip(),
        }
    return render(
        request,
        "backoffice/exchange/flags.html",
        {"rows": rows, "wanted": wanted, "statuses": FlagStatus.choices, "stale": stale},
        status=status,
    )


@staff_required(roles=FLAG_ROLES)
@require_safe
def flags(request: HttpRequest) -> HttpResponse:
    return _flags_page(request)


@staff_required(roles=FLAG_ROLES)
@require_POST
def flag_close(request: HttpRequest, pk: int) -> HttpResponse:
    if not any(d.flag.id == pk for d in exchange.flag_details_for(actor=request.user)):
        raise Http404
    form = CloseFlagForm(request.POST, prefix=f"flag{pk}")
    if form.is_valid():
        try:
            close_flag(
                actor=request.user,
                flag_id=pk,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            found = exc.message_dict if hasattr(exc, "error_dict") else {"note": exc.messages}
            for field, errors in found.items():
                for message in errors:
                    form.add_error(field if field in form.fields else "note", message)
        else:
            messages.success(request, _("The flag is closed."))
            return redirect("backoffice:exchange_flags")
    return _flags_page(request, failed=pk, form=form, status=400)
