"""The exchange in the back office: sharing agreements and flags for data officers, department
systems and their credentials for department admins.

Each page reads through the exchange selectors scoped to the member of staff, and each change is
one exchange service called with them as the actor: the services decide who may do what. An
agreement, flag or system the actor's departments have nothing to do with is a 404; one they
see but may not change that way is a 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import is_english
from yiwang.exchange import selectors as exchange
from yiwang.exchange import services
from yiwang.exchange.constants import (
    SYSTEM_ROLE,
    AgreementState,
    AgreementStatus,
    FlagStatus,
    Masking,
    SharingClass,
    SubjectKind,
)
from yiwang.exchange.domain import MASKING_TYPES
from yiwang.exchange.services.flags import close_flag
from yiwang.exchange.types import AgreementTerms, LegalBasis
from yiwang.identity import selectors as identity
from yiwang.identity.access import staff_required
from yiwang.identity.constants import Role

OFFICERS = [Role.DATA_OFFICER, Role.PLATFORM_ADMIN]
MANAGERS = [Role.DEPARTMENT_ADMIN, Role.DATA_OFFICER, Role.PLATFORM_ADMIN]


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _pick(zh: str, en: str) -> str:
    return en if is_english() and en else zh


def _officer_departments(actor: Any) -> list[Any]:
    return [m.department for m in identity.memberships_of(actor).filter(role=Role.DATA_OFFICER)]


# --- Agreements -------------------------------------------------------------------------------


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
    return render(
        request,
        "backoffice/exchange/agreements.html",
        {"rows": rows, "may_request": bool(_officer_departments(request.user))},
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
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
    officer_of = {d.pk for d in _officer_departments(request.user)}
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
        out.append(_pick(spec.name_zh, spec.name_en) if spec else name)
    return out


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
        shown = form if name == failed and form is not None else NoteForm(prefix=name)
        if action["note"]:
            # Shown as required, and said why; the view and the service check it again.
            shown.fields["note"].required = True
            shown.fields["note"].help_text = _("The other department reads it.")
        actions.append({"name": name, "label": action["label"], "form": shown})
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
        "legal_basis": _pick(agreement.legal_basis_zh, agreement.legal_basis_en),
        "sharing_class": SharingClass(agreement.sharing_class).label,
        "roles": [
            str(Role(r).label) if r in Role.values else _("Department system")
            for r in agreement.roles
        ],
        "masking": [
            (_field_names(agreement.registry.code, [name])[0], label) for name, label in masking
        ],
        "history": exchange.agreement_history(actor=request.user, agreement=agreement),
        "actions": actions,
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
    form = NoteForm(request.POST, prefix=action)
    form.is_valid()
    note = form.cleaned_data.get("note", "") if hasattr(form, "cleaned_data") else ""
    if spec["note"] and not (note or "").strip():
        form.add_error("note", _("Give a reason: the other department reads it."))
        return _detail(request, agreement, failed=action, form=form, status=400)
    try:
        spec["service"](actor=request.user, agreement=agreement.code, note=note)
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


class RegistryChoiceForm(forms.Form):
    registry = forms.ChoiceField(
        label=gettext_lazy("Registry to read from"),
        error_messages={"required": gettext_lazy("Choose the registry you need data from.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "registry", [("", _("Choose a registry")), *_registry_choices()])


def _registry_choices() -> list[tuple[str, str]]:
    return [
        (r.code, f"{_pick(r.name_zh, r.name_en)} ({r.department_code})")
        for r in exchange.registries()
        if r.is_active
    ]


class AgreementRequestForm(forms.Form):
    consumer = forms.ChoiceField(label=gettext_lazy("Your department"))
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=64,
        help_text=gettext_lazy("Letters, digits, hyphens and underscores, for example tax_people."),
        error_messages={
            "required": gettext_lazy("Enter a code for the agreement."),
            "invalid": gettext_lazy("Use only letters, digits, hyphens and underscores."),
        },
    )
    name_zh = forms.CharField(
        label=gettext_lazy("Name in Chinese"),
        max_length=200,
        error_messages={"required": gettext_lazy("Enter the agreement's name in Chinese.")},
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name in English"),
        max_length=200,
        error_messages={"required": gettext_lazy("Enter the agreement's name in English.")},
    )
    data_items = forms.MultipleChoiceField(
        label=gettext_lazy("Data"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one kind of data.")},
    )
    purposes = forms.MultipleChoiceField(
        label=gettext_lazy("Purposes"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one purpose.")},
    )
    legal_basis_zh = forms.CharField(
        label=gettext_lazy("Legal basis in Chinese"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Cite the legal basis in Chinese.")},
    )
    legal_basis_en = forms.CharField(
        label=gettext_lazy("Legal basis in English"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Cite the legal basis in English.")},
    )
    legal_basis_url = forms.URLField(
        label=gettext_lazy("Address of the legal text"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": gettext_lazy("Enter a web address, for example https://…")},
    )
    sharing_class = forms.ChoiceField(
        label=gettext_lazy("Sharing class"),
        widget=forms.RadioSelect,
        choices=[
            (SharingClass.UNCONDITIONAL, SharingClass.UNCONDITIONAL.label),
            (SharingClass.CONDITIONAL, SharingClass.CONDITIONAL.label),
        ],
        error_messages={"required": gettext_lazy("Choose the sharing class.")},
    )
    requires_consent = forms.BooleanField(
        label=gettext_lazy("Only with the person's consent"), required=False
    )
    requires_open_case = forms.BooleanField(
        label=gettext_lazy("Only while the person has an open case with us"), required=False
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Only officials in these roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    official_identity_restricted = forms.BooleanField(
        label=gettext_lazy("Show people the official's role instead of their name"),
        required=False,
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": gettext_lazy("Enter the first day the agreement is valid."),
            "invalid": gettext_lazy("Enter a real date, for example 2027-01-01."),
        },
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter a real date, for example 2027-12-31.")},
    )

    def __init__(self, *args: Any, registry: Any, departments: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registry = registry
        _set_choices(self, "consumer", [(d.code, d.name) for d in departments])
        _set_choices(
            self,
            "data_items",
            [
                (name, _pick(f.element.name_zh, f.element.name_en) or name)
                for name, f in registry.fields.items()
            ],
        )
        _set_choices(
            self, "purposes", [(p.code, _pick(p.name_zh, p.name_en)) for p in exchange.purposes()]
        )
        _set_choices(
            self,
            "roles",
            [
                *[(r.value, r.label) for r in Role if r != Role.PLATFORM_ADMIN],
                (SYSTEM_ROLE, _("Department system")),
            ],
        )
        # One masking choice per field, shown next to each other under "Masking".
        for name, f in registry.fields.items():
            allowed = [
                (m.value, m.label) for m in Masking if f.element.type in MASKING_TYPES[m.value]
            ]
            self.fields[f"mask_{name}"] = forms.ChoiceField(
                label=_pick(f.element.name_zh, f.element.name_en) or name,
                choices=allowed,
                initial=Masking.NONE,
                required=False,
            )

    def masking_fields(self) -> list[Any]:
        return [self[f"mask_{name}"] for name in self.registry.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        sharing = data.get("sharing_class")
        conditions = data.get("requires_consent") or data.get("requires_open_case")
        if sharing == SharingClass.CONDITIONAL and not (conditions or data.get("roles")):
            self.add_error(
                "sharing_class",
                _(
                    "Conditional sharing needs at least one condition: consent, an open case "
                    "or roles."
                ),
            )
        if sharing == SharingClass.UNCONDITIONAL and conditions:
            self.add_error(
                "sharing_class",
                _("Unconditional sharing cannot require consent or an open case."),
            )
        if data.get("requires_consent") and self.registry.subject_kind != SubjectKind.PERSON:
            self.add_error(
                "requires_consent", _("Consent applies only to registries about persons.")
            )
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date must be on or after the start date."))
        chosen = set(data.get("data_items") or ())
        for name in self.registry.fields:
            mask = data.get(f"mask_{name}") or Masking.NONE
            if mask != Masking.NONE and name not in chosen:
                self.add_error(f"mask_{name}", _("Choose this data above to mask it."))
        return data

    def terms(self) -> AgreementTerms:
        d = self.cleaned_data
        return AgreementTerms(
            code=d["code"],
            name_zh=d["name_zh"],
            name_en=d["name_en"],
            consumer=d["consumer"],
            registry=self.registry.code,
            fields=tuple(d["data_items"]),
            purposes=tuple(d["purposes"]),
            legal_basis=LegalBasis(
                d["legal_basis_zh"], d["legal_basis_en"], d.get("legal_basis_url") or ""
            ),
            sharing_class=d["sharing_class"],
            valid_from=d["valid_from"],
            valid_until=d.get("valid_until"),
            requires_consent=bool(d.get("requires_consent")),
            requires_open_case=bool(d.get("requires_open_case")),
            roles=tuple(d.get("roles") or ()),
            masking={
                name: d[f"mask_{name}"]
                for name in d["data_items"]
                if d.get(f"mask_{name}") and d[f"mask_{name}"] != Masking.NONE
            },
            official_identity_restricted=bool(d.get("official_identity_restricted")),
        )


def _problem_field(path: str, form: AgreementRequestForm) -> str | None:
    """Where a problem the service found belongs on the form (None: the whole form)."""
    head = path.split("[", 1)[0]
    if head.startswith("masking."):
        name = f"mask_{head.split('.', 1)[1]}"
        return name if name in form.fields else None
    if head.startswith("conditions"):
        return "sharing_class"
    if head == "legal_basis.url":
        return "legal_basis_url"
    if head == "legal_basis":
        return "legal_basis_zh"
    if head == "fields":
        return "data_items"
    return head if head in form.fields else None


@staff_required(roles=[Role.DATA_OFFICER])
def agreement_request(request: HttpRequest) -> HttpResponse:
    """Ask a provider for data. First choose the registry, then say what and why."""
    departments = _officer_departments(request.user)
    if not departments:
        raise HttpForbidden
    source = request.POST if request.method == "POST" else request.GET
    info = exchange.registry_info(source.get("registry", ""))
    if info is None or not info.is_active:
        choose = RegistryChoiceForm(request.GET if "registry" in request.GET else None)
        if choose.is_bound:
            choose.is_valid()
        return render(request, "backoffice/exchange/agreement_registry.html", {"form": choose})
    initial = {"valid_from": timezone.localdate(clock.now()), "consumer": departments[0].code}
    form = AgreementRequestForm(
        request.POST if request.method == "POST" else None,
        registry=info,
        departments=departments,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            asked = services.request_agreement(actor=request.user, terms=form.terms())
        except PermissionDenied:
            form.add_error("consumer", _("You are not a data officer of this department."))
        except ValidationError as exc:
            for path, problems in exc.message_dict.items():
                for problem in problems:
                    form.add_error(_problem_field(path, form), problem)
        else:
            messages.success(request, _("The agreement is requested from the provider."))
            return redirect("backoffice:exchange_agreement", code=asked.code)
    return render(
        request,
        "backoffice/exchange/agreement_request.html",
        {
            "form": form,
            "registry": info,
            "registry_name": _pick(info.name_zh, info.name_en),
        },
    )


# --- Flags ------------------------------------------------------------------------------------


class CloseFlagForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What you found or did"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": gettext_lazy("Say what you found or did about this use.")},
    )


def _flags_page(
    request: HttpRequest, *, failed: int | None = None, form: Any = None, status: int = 200
) -> HttpResponse:
    wanted = request.GET.get("status", FlagStatus.OPEN)
    if wanted not in FlagStatus.values:
        wanted = ""
    rows = [
        {
            "detail": d,
            "status": FlagStatus(d.flag.status).label,
            "open": d.flag.status == FlagStatus.OPEN,
            "form": form if failed == d.flag.id else CloseFlagForm(prefix=f"flag{d.flag.id}"),
        }
        for d in exchange.flag_details_for(actor=request.user, status=wanted or None)
    ]
    return render(
        request,
        "backoffice/exchange/flags.html",
        {"rows": rows, "wanted": wanted, "statuses": FlagStatus.choices},
        status=status,
    )


@staff_required(roles=[Role.DATA_OFFICER])
@require_safe
def flags(request: HttpRequest) -> HttpResponse:
    return _flags_page(request)


@staff_required(roles=[Role.DATA_OFFICER])
@require_POST
def flag_close(request: HttpRequest, pk: int) -> HttpResponse:
    if not any(d.flag.id == pk for d in exchange.flag_details_for(actor=request.user)):
        raise Http404
    form = CloseFlagForm(request.POST, prefix=f"flag{pk}")
    if form.is_valid():
        try:
            close_flag(actor=request.user, flag_id=pk, note=form.cleaned_data["note"])
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            form.add_error("note", exc.messages[0])
        else:
            messages.success(request, _("The flag is closed."))
            return redirect("backoffice:exchange_flags")
    return _flags_page(request, failed=pk, form=form, status=400)


# --- Department systems and credentials -------------------------------------------------------


def _system_or_404(request: HttpRequest, pk: int) -> Any:
    found = exchange.systems_for(actor=request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@staff_required(roles=MANAGERS)
@require_safe
def systems(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "system": s,
            "live": [c for c in s.credentials.all() if c.revoked_at is None],
            "revoked": [c for c in s.credentials.all() if c.revoked_at is not None],
        }
        for s in exchange.systems_for(actor=request.user)
    ]
    return render(request, "backoffice/exchange/systems.html", {"rows": rows})


def _issued(request: HttpRequest, system: Any, issued: Any, rotated: bool) -> HttpResponse:
    response = render(
        request,
        "backoffice/exchange/token.html",
        {"system": system, "issued": issued, "rotated": rotated},
    )
    # The token is on this page and nowhere else: no cache may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


def _new_credential(request: HttpRequest, pk: int, *, rotate: bool) -> HttpResponse:
    system = _system_or_404(request, pk)
    make = services.rotate_credential if rotate else services.issue_credential
    try:
        issued = make(actor=request.user, system=system)
    except PermissionDenied:
        raise HttpForbidden from None
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("backoffice:exchange_systems")
    return _issued(request, system, issued, rotated=rotate)


@staff_required(roles=MANAGERS)
@require_POST
def system_issue(request: HttpRequest, pk: int) -> HttpResponse:
    return _new_credential(request, pk, rotate=False)


@staff_required(roles=MANAGERS)
@require_POST
def system_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    return _new_credential(request, pk, rotate=True)


@staff_required(roles=MANAGERS)
@require_POST
def system_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    system = _system_or_404(request, pk)
    prefix = request.POST.get("prefix") or None
    try:
        revoked = services.revoke_credential(actor=request.user, system=system, prefix=prefix)
    except PermissionDenied:
        raise HttpForbidden from None
    if revoked:
        messages.success(request, _("The token is revoked. It no longer works."))
    else:
        messages.error(request, _("There was no live token to revoke."))
    return redirect("backoffice:exchange_systems")
