"""The public catalogue: browse and search services and life-event bundles, read everything about
one before starting (一次告知), and start an application as oneself or for a firm."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from yiwang.applications import services as applications
from yiwang.applications.types import ApplicationError
from yiwang.catalogue import selectors as catalogue
from yiwang.catalogue.constants import Audience
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import pick_marked
from yiwang.identity import selectors as identity
from yiwang.identity.access import citizen_required
from yiwang.portal import presenters, search
from yiwang.portal.text import pick

RESULTS_PER_PAGE = 20


class SearchForm(forms.Form):
    """Only displayed: the words are read straight from the query string (an empty search lists
    everything, so there is nothing to refuse)."""

    use_required_attribute = False

    q = forms.CharField(
        label=gettext_lazy("Search for a service"),
        help_text=gettext_lazy("For example: residence permit, 居住证, open a shop"),
        max_length=search.MAX_QUERY_LENGTH,
    )


def _department_choices() -> list[tuple[str, str]]:
    codes = search.department_codes_with_services()
    names = presenters.department_names(codes)
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda pair: pair[1])


@require_safe
def catalogue_index(request: HttpRequest) -> HttpResponse:
    """Browse by life event, by department and by who applies; search."""
    events = [
        {
            "code": event["code"],
            "title": pick(event["title"]),
            "bundles": [
                {"code": b.code, "name": b.name, "description": pick(b.definition["description"])}
                for b in event["bundles"]
            ],
        }
        for event in catalogue.life_events()
    ]
    context = {
        "form": SearchForm(),
        "life_events": events,
        "departments": _department_choices(),
        "audiences": [(a.value, a.label) for a in search.AUDIENCES],
    }
    return render(request, "portal/catalogue/index.html", context)


@require_safe
def catalogue_search(request: HttpRequest) -> HttpResponse:
    """Services and bundles matching the words, narrowed by department and audience."""
    typed = " ".join(str(request.GET.get("q", "")).split())
    query = " ".join(search.terms_of(typed[: search.MAX_QUERY_LENGTH]))
    departments = dict(_department_choices())
    department = request.GET.get("department") or None
    if department not in departments:
        department = None
    audience = request.GET.get("audience") or None
    if audience not in {a.value for a in search.AUDIENCES}:
        audience = None
    bundles = [] if department else list(search.find_bundles(query, audience=audience))
    services = search.find_services(query, department=department, audience=audience)
    page = Paginator(services, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    filters = {"q": query, "department": department or "", "audience": audience or ""}
    context = {
        "form": SearchForm(initial={"q": query}),
        "query": query,
        "shortened": query != typed,
        "max_terms": search.MAX_TERMS,
        "max_term_length": search.MAX_TERM_LENGTH,
        "department": department,
        "department_name": departments.get(department or ""),
        "departments": list(departments.items()),
        "audience": audience,
        "audience_name": Audience(audience).label if audience else "",
        "audiences": [(a.value, a.label) for a in search.AUDIENCES],
        "bundles": [
            {"code": b.code, "name": b.name, "description": pick(b.definition["description"])}
            for b in bundles
        ],
        "page": page,
        "services": [
            {
                "code": s.code,
                "name": s.name,
                "description": pick(s.definition["description"]),
                "department": departments.get(s.department_code, s.department_code),
            }
            for s in page.object_list
        ],
        "total": page.paginator.count + len(bundles),
        "filters": filters,
    }
    return render(request, "portal/catalogue/search.html", context)


@require_safe
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    version = catalogue.published_service(code)
    if version is None:
        raise Http404
    info = presenters.service_info(version.definition)
    return render(request, "portal/catalogue/service.html", {"info": info})


@require_safe
def bundle_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        bundle, _services, merged = catalogue.published_bundle_form(code)
    except catalogue.NotInCatalogue as exc:
        raise Http404 from exc
    info = presenters.bundle_info(bundle.definition, merged)
    return render(request, "portal/catalogue/bundle.html", {"info": info})


# --- Starting ---------------------------------------------------------------------------------

SELF = "self"


class ApplicantForm(forms.Form):
    """Who the application is for: the person themself or a firm they represent."""

    use_required_attribute = False

    applicant = forms.ChoiceField(
        label=gettext_lazy("Who are you applying for?"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose who you are applying for.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["applicant"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.error_messages["invalid_choice"] = _("Choose who you are applying for.")


def _applicant_choices(request: HttpRequest, audience: str) -> tuple[list[tuple[str, str]], dict]:
    firms = {}
    if audience in (Audience.FIRM, Audience.BOTH):
        firms = {f"firm:{f.pk}": f for f in identity.firms_actor_may_act_for(request.user)}
    choices: list[tuple[str, str]] = []
    if audience in (Audience.PERSON, Audience.BOTH):
        choices.append((SELF, _("Myself")))
    for key, firm in firms.items():
        # HTML, so that a Chinese name on an English page is marked as Chinese.
        label = mark_safe(  # noqa: S308 - the text and both values are escaped
            conditional_escape(_("%(firm)s (unified social credit code %(uscc)s)"))
            % {"firm": pick_marked(firm.name, firm.name_en), "uscc": conditional_escape(firm.uscc)}
        )
        choices.append((key, label))
    return choices, firms


@citizen_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    """Start a draft for a service or bundle: asks first whom it is for, when there is a choice.

    The service page's Start button posts here; someone not logged in comes back here (as a GET)
    after logging in and presses Start again, so nothing is created by a GET.
    """
    if kind == "service":
        version: Any = catalogue.published_service(code)
        detail_url = reverse("portal:service_detail", args=[code])
    else:
        version = catalogue.published_bundle(code)
        detail_url = reverse("portal:bundle_detail", args=[code])
    if version is None:
        raise Http404
    choices, firms = _applicant_choices(request, version.audience)
    choosing = any(key != SELF for key, _label in choices)
    form = ApplicantForm(
        request.POST if request.method == "POST" and "applicant_step" in request.POST else None,
        choices=choices,
    )
    context = {
        "version": version,
        "kind": kind,
        "detail_url": detail_url,
        "form": form,
        "choosing": choosing,
        "can_apply": bool(choices),
    }
    if request.method != "POST" or not choices:
        return render(request, "portal/apply/start.html", context)
    if choosing:
        if not form.is_bound or not form.is_valid():
            return render(request, "portal/apply/start.html", context)
        choice = form.cleaned_data["applicant"]
    else:
        choice = SELF
    firm = firms.get(choice)
    try:
        application = applications.start_application(
            actor=request.user,
            service_code=code if kind == "service" else None,
            bundle_code=code if kind == "bundle" else None,
            firm=firm,
        )
    except PermissionDenied:
        messages.error(
            request, _("Your account cannot apply for this. Check that it is linked to you.")
        )
        return redirect(detail_url)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect(detail_url)
    from yiwang.portal.prefill_views import prefill_after_start

    # "What we already know" comes first when official records can answer part of the form.
    return redirect(prefill_after_start(request, application))
