"""Asking a provider for data: choose the registry, then the agreement request form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.backoffice import presenters
from yiwang.backoffice.views.exchange._common import officer_departments
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.form_fields import DateField
from yiwang.core.language import pick
from yiwang.exchange import selectors as exchange
from yiwang.exchange import services
from yiwang.exchange.constants import SYSTEM_ROLE, Masking, SharingClass, SubjectKind
from yiwang.exchange.domain import MASKING_TYPES
from yiwang.exchange.types import AgreementTerms, LegalBasis
from yiwang.identity import selectors as identity_selectors
from yiwang.identity.access import staff_required
from yiwang.identity.constants import Role


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class RegistryChoiceForm(forms.Form):
    registry = forms.ChoiceField(
        label=gettext_lazy("Registry to read from"),
        error_messages={"required": gettext_lazy("Choose the registry you need data from.")},
    )

    def __init__(self, *args: Any, unavailable: bool = False, **kwargs: Any) -> None:
        """``unavailable``: a request was sent for a registry that is not (or no longer)
        available, and the person must choose again; said so instead of "choose one"."""
        super().__init__(*args, **kwargs)
        _set_choices(self, "registry", [("", _("Choose a registry")), *_registry_choices()])
        if unavailable:
            self.fields["registry"].error_messages["required"] = _(
                "The registry of your request is not available. Choose a registry again: "
                "what you typed is kept."
            )


def _registry_choices() -> list[tuple[str, str]]:
    """Each active registry, with the department that keeps it, by the department's name."""
    registries = [r for r in exchange.registries() if r.is_active]
    names = identity_selectors.department_names(r.department_code for r in registries)
    return [
        (
            r.code,
            _("%(registry)s (%(department)s)")
            % {
                "registry": pick(r.name_zh, r.name_en),
                "department": presenters.department_label(r.department_code, names),
            },
        )
        for r in registries
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
    valid_from = DateField(
        label=gettext_lazy("Valid from"),
        error_messages={
            "required": gettext_lazy("Enter the first day the agreement is valid."),
            "invalid": gettext_lazy("Enter a real date, for example 2027-01-01."),
        },
    )
    valid_until = DateField(
        label=gettext_lazy("Valid until"),
        required=False,
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
                (name, pick(f.element.name_zh, f.element.name_en) or name)
                for name, f in registry.fields.items()
            ],
        )
        _set_choices(
            self, "purposes", [(p.code, pick(p.name_zh, p.name_en)) for p in exchange.purposes()]
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
                label=pick(f.element.name_zh, f.element.name_en) or name,
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


# A request sent for a registry that is not available (switched off since the form was loaded,
# unknown, or the form's hidden registry missing): what the person typed, kept in their session and
# filled in again once they have chosen a registry, until the request is sent or they start a
# new one. Only the latest such request is kept.
DRAFT_KEY = "backoffice.agreement_request.draft"


def _keep_draft(request: HttpRequest) -> None:
    request.session[DRAFT_KEY] = {
        name: values
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "registry")
    }


def _draft_initial(request: HttpRequest, form_class: type[forms.Form]) -> dict[str, Any]:
    """The kept request as initial values of the form for the registry chosen again: one value
    for a single field, the list for a multiple choice. Data and masking the chosen registry
    does not have match no field or choice there, and are not shown."""
    draft = request.session.get(DRAFT_KEY)
    if not isinstance(draft, dict):
        return {}
    initial: dict[str, Any] = {}
    for name, values in draft.items():
        if not isinstance(values, list) or not values:
            continue
        many = isinstance(form_class.base_fields.get(name), forms.MultipleChoiceField)
        initial[name] = values if many else values[-1]
    return initial


@staff_required(roles=[Role.DATA_OFFICER])
def agreement_request(request: HttpRequest) -> HttpResponse:
    """Ask a provider for data. First choose the registry, then say what and why."""
    departments = officer_departments(request.user)
    if not departments:
        raise HttpForbidden
    source = request.POST if request.method == "POST" else request.GET
    info = exchange.registry_info(source.get("registry", ""))
    if info is None or not info.is_active:
        if request.method == "POST":
            # Nothing typed is lost: kept until a registry is chosen again, and said why.
            _keep_draft(request)
            choose = RegistryChoiceForm({"registry": ""}, unavailable=True)
        elif "registry" in request.GET:
            choose = RegistryChoiceForm(request.GET)
        else:
            # A new request from the start: nothing kept from an earlier one.
            request.session.pop(DRAFT_KEY, None)
            choose = RegistryChoiceForm()
        if choose.is_bound:
            choose.is_valid()
        return render(request, "backoffice/exchange/agreement_registry.html", {"form": choose})
    initial = {"valid_from": timezone.localdate(clock.now()), "consumer": departments[0].code}
    if request.method != "POST":
        initial.update(_draft_initial(request, AgreementRequestForm))
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
            request.session.pop(DRAFT_KEY, None)
            messages.success(request, _("The agreement is requested from the provider."))
            return redirect("backoffice:exchange_agreement", code=asked.code)
    return render(
        request,
        "backoffice/exchange/agreement_request.html",
        {
            "form": form,
            "registry": info,
            "registry_name": pick(info.name_zh, info.name_en),
        },
    )
