"""数据使用记录 and consent: who read a person's (or their firm's) data, flagging a read that looks
wrong and reading what the registry's department found, the wrong registry values they reported
and what became of them, and the consents a person gives to conditional sharing.

Every page reads through the exchange selectors with the person as the actor; an entry or a
consent that is not theirs is answered with 404, the same as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from yiwang.applications import domain as application_domain
from yiwang.applications import selectors as applications
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.core.form_fields import DateField
from yiwang.core.language import is_english, list_separator
from yiwang.exchange import selectors as exchange
from yiwang.exchange import services as exchange_services
from yiwang.exchange.constants import CorrectionStatus, Outcome, Reason
from yiwang.exchange.selectors import OwnFlagView
from yiwang.identity import selectors as identity
from yiwang.identity.access import citizen_required

PER_PAGE = 25
# Far beyond any person's log (25 million uses), and short of the database's integer limits.
MAX_PAGE = 1_000_000


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class AccessLogFilterForm(forms.Form):
    department = forms.ChoiceField(label=gettext_lazy("Department"), required=False)
    since = DateField(label=gettext_lazy("From"), required=False)
    until = DateField(label=gettext_lazy("To"), required=False)

    def __init__(self, *args: Any, departments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "department", [("", _("All departments")), *departments])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must be the same as or after the start date."))
        return data


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What looks wrong about this use of your data?"),
        help_text=gettext_lazy(
            "For example: you have no business with this department, or the purpose does not "
            "match anything you asked for."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={"required": gettext_lazy("Say what looks wrong about this use.")},
    )


def _page_number(request: HttpRequest) -> int:
    """The page asked for: 1 for anything that is not a number; none past :data:`MAX_PAGE`,
    whose rows would lie beyond what any database can count to."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1
    if number > MAX_PAGE:
        raise Http404
    return number


def _firm_for(request: HttpRequest, firms: list[Any]) -> Any:
    uscc = request.GET.get("firm", "")
    if not uscc:
        return None
    for firm in firms:
        if firm.uscc == uscc:
            return firm
    raise Http404


@dataclass(frozen=True)
class _CaseLink:
    label: str  # the receipt number, or the title of an application not yet submitted
    pk: int


def _application_links(request: HttpRequest, refs: set[str]) -> dict[str, _CaseLink]:
    """Case references in the log that name the person's own applications (or their firm's) →
    what to call each and its page."""
    found = applications.applications_by_reference(actor=request.user, refs=refs)
    return {
        ref: _CaseLink(label=app.receipt_number or app.title, pk=app.pk)
        for ref, app in found.items()
    }


def _case_label(ref: str, links: dict[str, _CaseLink]) -> str:
    if ref in links:
        return links[ref].label
    if application_domain.draft_pk(ref) is not None:
        # Not (or no longer) one of the person's applications: its number means nothing to them.
        return _("An application not yet submitted")
    return ref


def _data_items(names: tuple[str, ...]) -> str:
    """The data an entry read, each name once (a registry may hold several fields of one kind,
    such as three names on a birth certificate, and only the kind has a name to show), joined
    as the language lists things."""
    return list_separator().join(dict.fromkeys(n for n in names if n))


_SENTINEL = "987654321"


def _log_row(
    e: Any,
    links: dict[str, _CaseLink],
    *,
    application_url: str,
    flag_url: str,
    flagged_url: str,
    english: bool,
    flag: OwnFlagView | None = None,
) -> dict[str, Any]:
    """One access-log entry as the page shows it, worked out here rather than in the template
    (a page lists many entries, and the template language is slow at following attributes)."""
    basis = e.legal_basis
    return {
        "id": e.id,
        "at": date_format(timezone.localtime(e.at), "DATETIME_FORMAT"),
        "department": e.department_name,
        "served": e.outcome == Outcome.SERVED,
        "reason": Reason(e.reason).label if e.reason in Reason.values else e.reason,
        "restricted": e.identity_restricted,
        "official": e.official,
        "registry": e.registry_name,
        "fields": _data_items(e.field_names),
        "purpose": e.purpose_name,
        "basis": (
            (basis.citation_en if english and basis.citation_en else basis.citation_zh)
            if basis
            else ""
        ),
        "basis_url": basis.url if basis else "",
        "case_ref": _case_label(e.case_ref, links) if e.case_ref else "",
        "application_url": (
            application_url.replace(_SENTINEL, str(links[e.case_ref].pk))
            if e.case_ref in links
            else ""
        ),
        "flagged": e.flagged,
        "flag_url": flag_url.replace(_SENTINEL, str(e.id)),
        "flagged_url": flagged_url.replace(_SENTINEL, str(e.id)),
        # The person's latest flag on the entry, once its department has closed it.
        "flag_closed": flag is not None and flag.is_closed,
        "flag_outcome": flag.outcome_label if flag is not None else "",
    }


@citizen_required
@require_safe
def access_log(request: HttpRequest) -> HttpResponse:
    """Every read of the person's data (or their firm's, on the firm's tab), newest first."""
    firms = list(identity.firms_actor_may_act_for(request.user).order_by("name"))
    firm = _firm_for(request, firms)
    person = identity.person_for(request.user)
    departments = exchange.access_log_departments(actor=request.user, firm=firm)
    form = AccessLogFilterForm(request.GET or None, departments=departments)
    where = None
    if form.is_bound and form.is_valid():
        where = exchange.AccessLogFilter(
            department=form.cleaned_data.get("department") or "",
            since=form.cleaned_data.get("since"),
            until=form.cleaned_data.get("until"),
        )
    number = _page_number(request)
    offset = (number - 1) * PER_PAGE
    # One more than a page tells whether there is a next page without counting 10,000 rows.
    if firm is not None:
        rows = exchange.access_log_for_firm(
            actor=request.user, firm=firm, limit=PER_PAGE + 1, offset=offset, where=where
        )
    elif person is not None and person.national_id:
        rows = exchange.access_log_for(
            actor=request.user, person=person, limit=PER_PAGE + 1, offset=offset, where=where
        )
    else:
        rows = []
    has_next = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    links = _application_links(request, {r.case_ref for r in rows if r.case_ref})
    query = request.GET.copy()
    query.pop("page", None)
    # Each address reversed once for the page, not once per entry.
    english = is_english()
    flag_url = reverse("portal:data_flag", args=[_SENTINEL])
    flagged_url = reverse("portal:data_flagged", args=[_SENTINEL])
    application_url = reverse("portal:application_detail", args=[_SENTINEL])
    # The person's own flags on this page's entries, in one query; newest first, so the first
    # seen for an entry is its latest.
    latest: dict[int, OwnFlagView] = {}
    for f in exchange.flags_raised_by(
        actor=request.user, entry_ids=[r.id for r in rows if r.flagged]
    ):
        latest.setdefault(f.access_log_id, f)
    context = {
        "form": form,
        "firm": firm,
        "firms": firms,
        "entries": [
            _log_row(
                r,
                links,
                application_url=application_url,
                flag_url=flag_url,
                flagged_url=flagged_url,
                english=english,
                flag=latest.get(r.id),
            )
            for r in rows
        ],
        "page_number": number,
        "has_next": has_next,
        "has_previous": number > 1,
        "query": query.urlencode(),
        "filtered": where is not None,
    }
    return render(request, "portal/data/access_log.html", context)


def _entry(request: HttpRequest, pk: int) -> Any:
    entry = exchange.access_log_entry_for(actor=request.user, entry_id=pk)
    if entry is None:
        raise Http404
    return entry


@citizen_required
@require_http_methods(["GET", "POST"])
def flag_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Flag this use": the person says what looks wrong; the provider's data officers see it."""
    entry = _entry(request, pk)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exchange_services.flag_access(
                actor=request.user, entry=entry.id, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            for message in exc.message_dict.get("reason", exc.messages):
                form.add_error("reason", message)
        else:
            messages.success(request, _("Your flag has been sent"))
            return redirect("portal:data_flagged", pk=entry.id)
    return render(request, "portal/data/flag.html", {"entry": entry, "form": form})


@citizen_required
@require_safe
def flagged(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's flags on one use of their data: open ones wait for the department that
    keeps the registry; closed ones show what it found and its note."""
    entry = _entry(request, pk)
    flags = exchange.flags_raised_by(actor=request.user, entry_ids=[entry.id])
    return render(request, "portal/data/flagged.html", {"entry": entry, "flags": flags})


# --- Wrong registry values the person reported ------------------------------------------------


@citizen_required
@require_safe
def registry_corrections(request: HttpRequest) -> HttpResponse:
    """The person's reports of wrong values in official records, newest first, each with the
    department's decision and its note or reason once there is one."""
    rows = [
        {
            "report": r,
            "status": CorrectionStatus(r.status).label
            if r.status in CorrectionStatus.values
            else r.status,
            "corrected": r.status == CorrectionStatus.CORRECTED,
            "rejected": r.status == CorrectionStatus.REJECTED,
        }
        for r in exchange.registry_corrections_reported_by(actor=request.user)
    ]
    return render(request, "portal/data/corrections.html", {"rows": rows})


# --- Consent ----------------------------------------------------------------------------------


def _consent_options() -> list[dict[str, Any]]:
    """What a person can consent to: the terms of approved conditional agreements that ask for
    consent, on registries about persons. Definitions, not personal data."""
    options = []
    for agreement in exchange.consentable_agreements():
        for purpose in agreement.purposes.all():
            options.append({"agreement": agreement, "purpose": purpose})
    return options


class ConsentForm(forms.Form):
    choice = forms.ChoiceField(
        label=gettext_lazy("Who may read which data, and what for"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose a department and what it may use your data for."),
            "invalid_choice": gettext_lazy(
                "Choose a department and what it may use your data for."
            ),
        },
    )
    data_items = forms.MultipleChoiceField(
        label=gettext_lazy("Which data"),
        help_text=gettext_lazy("Only the data the chosen department's agreement covers is used."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one kind of data."),
            "invalid_choice": gettext_lazy("Choose only data the registry holds."),
        },
    )
    expires_on = DateField(
        label=gettext_lazy("Until"),
        help_text=gettext_lazy(
            "Your consent ends at the end of this day. You can revoke it sooner."
        ),
        error_messages={
            "required": gettext_lazy("Enter the last day your consent is valid."),
            "invalid": gettext_lazy("Enter a real date, for example 2027-06-30."),
        },
    )

    def __init__(self, *args: Any, options: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = {f"{o['agreement'].code}:{o['purpose'].code}": o for o in options}
        _set_choices(
            self,
            "choice",
            [
                (
                    key,
                    _("%(department)s — %(registry)s, for %(purpose)s")
                    % {
                        "department": o["agreement"].consumer.name,
                        "registry": o["agreement"].registry.name,
                        "purpose": o["purpose"].name,
                    },
                )
                for key, o in self.options.items()
            ],
        )
        names: dict[str, str] = {}
        for o in options:
            info = exchange.registry_info(o["agreement"].registry.code)
            for name in o["agreement"].fields:
                spec = info.fields[name].element if info and name in info.fields else None
                label = (spec.name_en if is_english() else spec.name_zh) if spec else name
                names.setdefault(name, label or name)
        _set_choices(self, "data_items", sorted(names.items(), key=lambda kv: kv[1]))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        option = self.options.get(data.get("choice", ""))
        chosen = data.get("data_items") or []
        if option is not None and chosen:
            outside = [f for f in chosen if f not in option["agreement"].fields]
            if outside:
                self.add_error(
                    "data_items", _("Choose only data the chosen department's agreement covers.")
                )
        day = data.get("expires_on")
        if day is not None and day <= timezone.localdate(clock.now()):
            self.add_error("expires_on", _("Choose an end date in the future."))
        elif day is not None and day >= dt.date.max:
            self.add_error("expires_on", _("Choose an earlier end date."))
        return data


@citizen_required
@require_safe
def consents(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    rows = []
    for c in exchange.consents_for(actor=request.user):
        info = exchange.registry_info(c.registry_code)
        purpose = {p.code: p for p in exchange.purposes()}.get(c.purpose_code)
        names = []
        for name in c.fields:
            spec = info.fields[name].element if info and name in info.fields else None
            names.append((spec.name_en if is_english() else spec.name_zh) if spec else name)
        rows.append(
            {
                "consent": c,
                "registry": (info.name_en if is_english() else info.name_zh) if info else "",
                "purpose": (purpose.name_en if is_english() else purpose.name_zh)
                if purpose
                else c.purpose_code,
                "fields": names,
                "active": c.is_active(now),
                "status": _("Revoked")
                if c.revoked_at
                else (_("Active") if c.is_active(now) else _("Expired")),
            }
        )
    return render(request, "portal/data/consents.html", {"rows": rows})


@citizen_required
@require_http_methods(["GET", "POST"])
def consent_grant(request: HttpRequest) -> HttpResponse:
    options = _consent_options()
    form = ConsentForm(request.POST or None, options=options)
    if request.method == "POST" and form.is_valid():
        option = form.options[form.cleaned_data["choice"]]
        day: dt.date = form.cleaned_data["expires_on"]
        end = dt.datetime.combine(
            day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
        )
        try:
            exchange_services.grant_consent(
                actor=request.user,
                consumer=option["agreement"].consumer.code,
                registry=option["agreement"].registry.code,
                purpose=option["purpose"].code,
                fields=form.cleaned_data["data_items"],
                expires_at=end,
            )
        except PermissionDenied:
            form.add_error(None, _("Only a person with a citizen id number can give consent."))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your consent is given."))
            return redirect("portal:data_consents")
    return render(
        request, "portal/data/consent_grant.html", {"form": form, "has_options": bool(options)}
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    found = [c for c in exchange.consents_for(actor=request.user) if c.id == pk]
    if not found:
        raise Http404
    consent = found[0]
    if request.method == "POST":
        exchange_services.revoke_consent(actor=request.user, consent_id=consent.id)
        messages.success(request, _("Your consent is revoked. It no longer allows any reading."))
        return redirect("portal:data_consents")
    return render(
        request,
        "portal/data/consent_revoke.html",
        {"consent": consent, "back": reverse("portal:data_consents")},
    )
