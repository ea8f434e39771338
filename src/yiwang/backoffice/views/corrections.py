"""Registry correction requests (数据纠错) in the back office, for the data officers of the
department that owns the registry.

People report, while applying, that a value a registry holds about them is wrong. The owning
department's data officers list the reports on their registries (open ones first), open one and
decide it: the record was corrected, or it stays as it is and why. The person is told either way.

Reads go through the exchange selectors scoped to the member of staff, decisions through one
exchange service each with them as the actor. A report on another department's registry is a
404, as if it did not exist; other roles get 403, as on the other exchange pages.
"""

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
from yiwang.exchange import services
from yiwang.exchange.constants import CorrectionStatus, SubjectKind
from yiwang.identity.access import staff_required
from yiwang.identity.constants import Role

OFFICERS = [Role.DATA_OFFICER]


class CorrectedForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What was changed"),
        help_text=gettext_lazy("The person reads it, for example: “Address updated on 5 May.”"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the record stays as it is"),
        help_text=gettext_lazy("The person reads it, so say it plainly."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": gettext_lazy(
                "Give the reason the record stays as it is: the person reads it."
            )
        },
    )


# The two decisions: their form, the service and what its text is called there.
DECISIONS: dict[str, dict[str, Any]] = {
    "corrected": {
        "form": CorrectedForm,
        "service": services.mark_registry_corrected,
        "text": "note",
    },
    "rejected": {
        "form": RejectForm,
        "service": services.reject_registry_correction,
        "text": "reason",
    },
}


def _status_label(status: str) -> str:
    return str(CorrectionStatus(status).label) if status in CorrectionStatus.values else status


def _subject_label(kind: str) -> str:
    return str(SubjectKind(kind).label) if kind in SubjectKind.values else kind


@staff_required(roles=OFFICERS)
@require_safe
def corrections(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("status", "")
    if wanted not in CorrectionStatus.values:
        wanted = ""
    rows = [
        {
            "request": r,
            "status": _status_label(r.status),
            "subject_kind": _subject_label(r.subject_kind),
        }
        for r in exchange.registry_corrections_for(actor=request.user, status=wanted or None)
    ]
    return render(
        request,
        "backoffice/exchange/corrections.html",
        {"rows": rows, "wanted": wanted, "statuses": CorrectionStatus.choices},
    )


def _request_or_404(request: HttpRequest, pk: int) -> Any:
    found = exchange.registry_correction_for(actor=request.user, correction_id=pk)
    if found is None:
        raise Http404
    return found


def _detail(
    request: HttpRequest,
    found: Any,
    *,
    failed: str = "",
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    forms_shown = {
        name: form if name == failed and form is not None else spec["form"](prefix=name)
        for name, spec in DECISIONS.items()
    }
    context = {
        "correction": found,
        "status": _status_label(found.status),
        "subject_kind": _subject_label(found.subject_kind),
        "corrected_form": forms_shown["corrected"],
        "reject_form": forms_shown["rejected"],
        "failed_form": form if failed else None,
    }
    return render(request, "backoffice/exchange/correction.html", context, status=status)


@staff_required(roles=OFFICERS)
@require_safe
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _request_or_404(request, pk))


@staff_required(roles=OFFICERS)
@require_POST
def correction_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    found = _request_or_404(request, pk)
    spec = DECISIONS.get(decision)
    if spec is None:
        raise Http404
    form = spec["form"](request.POST, prefix=decision)
    if form.is_valid():
        text = form.cleaned_data[spec["text"]]
        try:
            spec["service"](actor=request.user, correction_id=found.id, **{spec["text"]: text})
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Decided meanwhile (by a colleague, or in another tab): the page says how.
                messages.error(request, exc.messages[0])
                return redirect("backoffice:exchange_correction", pk=found.id)
            for key, problems in exc.message_dict.items():
                for problem in problems:
                    form.add_error(key if key in form.fields else None, problem)
        else:
            if decision == "corrected":
                messages.success(request, _("Recorded as corrected. The person is told."))
            else:
                messages.success(request, _("Recorded as not corrected. The person is told why."))
            return redirect("backoffice:exchange_correction", pk=found.id)
    return _detail(request, found, failed=decision, form=form, status=400)
