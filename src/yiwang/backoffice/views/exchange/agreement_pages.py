"""Sharing agreements in the back office: the list, one agreement and the decisions on it."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from yiwang.backoffice import presenters
from yiwang.backoffice.views.corrections import OFFICERS as CORRECTION_ROLES
from yiwang.backoffice.views.exchange._common import officer_departments
from yiwang.backoffice.views.exchange.flag_pages import FLAG_ROLES
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import pick
from yiwang.exchange import selectors as exchange
from yiwang.exchange import services
from yiwang.exchange.constants import AgreementState, AgreementStatus, Masking, SharingClass
from yiwang.identity import selectors as identity
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.access import staff_required
from yiwang.identity.constants import Role

OFFICERS = [Role.DATA_OFFICER, Role.PLATFORM_ADMIN]


def _row(agreement: Any, mine: set[int]) -> dict[str, Any]:
    status = exchange.agreement_status(agreement)
    sides = []
    if agreement.consumer_id in mine:
        sides.append(_("Consumer"))
    if agreement.registry.department_id in mine:
        sides.append(_("Provider"))
    return {
        "agreement": agreement,
        "status": AgreementStatus(status).label if status in AgreementStatus.values else status,
        "sides": sides,
        "provider": agreement.registry.department.name,
    }


@staff_required(roles=OFFICERS)
@require_safe
def agreements(request: HttpRequest) -> HttpResponse:
    mine = set(identity.memberships_of(request.user).values_list("department_id", flat=True))
    rows = [_row(a, mine) for a in exchange.agreements_for(actor=request.user)]
    roles = identity.staff_roles(request.user)
    return render(
        request,
        "backoffice/exchange/agreements.html",
        {
            "rows": rows,
            "may_request": bool(officer_departments(request.user)),
            # Links only to the pages the member of staff may open, by the roles those pages ask.
            "may_see_flags": bool(roles & set(FLAG_ROLES)),
            "may_see_corrections": bool(roles & set(CORRECTION_ROLES)),
        },
    )


class NoteForm(forms.Form):
    """The note with a decision on an agreement: a reason the other department reads, required
    for the decisions that take one (``required``). The service checks the reason again."""

    note = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if required:
            note = self.fields["note"]
            note.required = True
            note.help_text = gettext_lazy("The other department reads it.")
            note.error_messages["required"] = gettext_lazy(
                "Give a reason: the other department reads it."
            )


# The actions on an agreement: which side may take each, whether a reason is required, labels.
ACTIONS: dict[str, dict[str, Any]] = {
    "approve": {
        "service": services.approve_agreement,
        "sides": ("provider",),
        "note": False,
        "label": gettext_lazy("Approve"),
        "from": (AgreementState.REQUESTED,),
    },
    "reject": {
        "service": services.reject_agreement,
        "sides": ("provider",),
        "note": True,
        "label": gettext_lazy("Reject"),
        "from": (AgreementState.REQUESTED,),
    },
    "suspend": {
        "service": services.suspend_agreement,
        "sides": ("provider",),
        "note": True,
        "label": gettext_lazy("Suspend"),
        "from": (AgreementState.APPROVED,),
    },
    "resume": {
        "service": services.resume_agreement,
        "sides": ("provider",),
        "note": False,
        "label": gettext_lazy("Resume"),
        "from": (AgreementState.SUSPENDED,),
    },
    "revoke": {
        "service": services.revoke_agreement,
        "sides": ("provider", "consumer"),
        "note": True,
        "label": gettext_lazy("Revoke"),
        "from": (AgreementState.REQUESTED, AgreementState.APPROVED, AgreementState.SUSPENDED),
    },
}


def _agreement_or_404(request: HttpRequest, code: str) -> Any:
    found = exchange.agreement_for(actor=request.user, code=code)
    if found is None:
        raise Http404
    return found


def _sides(request: HttpRequest, agreement: Any) -> set[str]:
    officer_of = {d.pk for d in officer_departments(request.user)}
    sides = set()
    if agreement.registry.department_id in officer_of:
        sides.add("provider")
    if agreement.consumer_id in officer_of:
        sides.add("consumer")
    return sides


def _field_names(registry_code: str, fields: list[str]) -> list[str]:
    info = exchange.registry_info(registry_code)
    out = []
    for name in fields:
        spec = info.fields[name].element if info and name in info.fields else None
        out.append(pick(spec.name_zh, spec.name_en) if spec else name)
    return out


def _history(request: HttpRequest, agreement: Any) -> list[Any]:
    """The agreement's history, each step's department by its name (the log keeps its code)."""
    events = exchange.agreement_history(actor=request.user, agreement=agreement)
    names = identity_selectors.department_names(e.department for e in events)
    return [
        dataclasses.replace(e, department=presenters.department_label(e.department, names))
        for e in events
    ]


def _detail(
    request: HttpRequest,
    agreement: Any,
    *,
    failed: str = "",
    form: NoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    sides = _sides(request, agreement)
    actions = []
    for name, action in ACTIONS.items():
        if agreement.state not in action["from"] or not sides & set(action["sides"]):
            continue
        shown = (
            form
            if name == failed and form is not None
            else NoteForm(prefix=name, required=action["note"])
        )
        actions.append({"name": name, "label": action["label"], "form": shown})
    # An action the agreement's state no longer allows (another officer, or the other side,
    # acted since the page was opened): its form is not drawn, so why and what was typed are
    # said at the top instead.
    stale = None
    if failed and form is not None and failed not in {a["name"] for a in actions}:
        stale = {
            "label": ACTIONS[failed]["label"],
            "errors": [str(e) for e in form.non_field_errors()],
            "note": str(form.data.get(f"{failed}-note", "")).strip(),
        }
    masking = [
        (name, Masking(m).label if m in Masking.values else m)
        for name, m in sorted(agreement.masking.items())
    ]
    status_code = exchange.agreement_status(agreement)
    context = {
        "agreement": agreement,
        "status": AgreementStatus(status_code).label
        if status_code in AgreementStatus.values
        else status_code,
        "fields": _field_names(agreement.registry.code, list(agreement.fields)),
        "purposes": [p.name for p in agreement.purposes.all()],
        "legal_basis": pick(agreement.legal_basis_zh, agreement.legal_basis_en),
        "sharing_class": SharingClass(agreement.sharing_class).label,
        "roles": [
            str(Role(r).label) if r in Role.values else _("Department system")
            for r in agreement.roles
        ],
        "masking": [
            (_field_names(agreement.registry.code, [name])[0], label) for name, label in masking
        ],
        "history": _history(request, agreement),
        "actions": actions,
        "stale": stale,
        "state_labels": {s.value: s.label for s in AgreementState},
    }
    return render(request, "backoffice/exchange/agreement.html", context, status=status)


@staff_required(roles=OFFICERS)
@require_safe
def agreement_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _agreement_or_404(request, code))


@staff_required(roles=OFFICERS)
@require_POST
def agreement_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    agreement = _agreement_or_404(request, code)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    form = NoteForm(request.POST, prefix=action, required=spec["note"])
    # A note the form refuses (too long, a NUL character, a reason left out) is shown beside
    # the field, as typed, and the agreement is left as it was.
    if not form.is_valid():
        return _detail(request, agreement, failed=action, form=form, status=400)
    try:
        spec["service"](
            actor=request.user, agreement=agreement.code, note=form.cleaned_data["note"]
        )
    except PermissionDenied:
        raise HttpForbidden from None
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _detail(request, agreement, failed=action, form=form, status=400)
    changed = exchange.agreement_for(actor=request.user, code=code)
    if changed is not None:
        state = AgreementState(changed.state).label
        messages.success(request, _("The agreement is now “%(state)s”.") % {"state": state})
    return redirect("backoffice:exchange_agreement", code=code)
