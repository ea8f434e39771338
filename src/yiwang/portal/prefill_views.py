""" "What we already know": the values official records give, before the person fills anything.

After "Start" the platform reads the registries a service's definition names (through the
exchange, see ``yiwang.applications.prefill``) and shows every value it would use, where it came
from and as of when, and the documents it replaces. "Use these details" fills and fixes them; "This
is wrong" reports one value to the department that keeps the record, and the person answers that
question themself. Works without JavaScript: plain links and forms.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from yiwang.applications import prefill
from yiwang.applications import selectors as applications
from yiwang.applications import services as application_services
from yiwang.applications.types import ApplicationError, IllegalTransition
from yiwang.identity.access import citizen_required
from yiwang.portal.apply_views import applying_as, detail_redirect, get_application
from yiwang.portal.forms import display_answer
from yiwang.portal.text import pick

logger = logging.getLogger(__name__)


def prefill_after_start(request: HttpRequest, application: Any) -> str:
    """Read what the registries hold for a new draft; the URL to go to next.

    A failure here must never stop anyone applying: the person is then simply asked.
    """
    try:
        snapshot = application_services.prefill_application(
            actor=request.user, application=application
        )
    except Exception:
        logger.exception("prefill failed for application %s", application.pk)
        snapshot = None
    if snapshot is None or not (snapshot.fields or snapshot.materials):
        return reverse("portal:apply_continue", args=[application.pk])
    return reverse("portal:apply_prefill", args=[application.pk])


def _rows(application: Any, snapshot: Any) -> dict[str, list[dict[str, Any]]]:
    spec = applications.application_form(application=application)
    fields = spec.fields
    found: list[dict[str, Any]] = []
    asked: list[dict[str, Any]] = []
    for page in spec.pages:
        for name in page.fields:
            entry = snapshot.fields.get(name)
            if entry is None:
                continue
            schema = fields.get(name, {})
            registry = pick(entry.get("registry_name"))
            row = {
                "name": name,
                "title": pick(schema.get("x-title")) or name,
                "registry": registry,
                "as_of": prefill.record_day(entry),
            }
            if entry.get("status") == prefill.Status.FOUND:
                row["value"] = display_answer(schema, entry.get("value"))
                row["report_url"] = reverse(
                    "portal:apply_prefill_report", args=[application.pk, name]
                )
                found.append(row)
            else:
                row["message"] = prefill.fallback_message(entry, registry)
                asked.append(row)
    provided: list[dict[str, Any]] = []
    upload: list[dict[str, Any]] = []
    for code, entry in snapshot.materials.items():
        material = spec.material(code)
        registry = pick(entry.get("registry_name"))
        row = {
            "name": pick(material.name) if material else code,
            "registry": registry,
            "as_of": prefill.record_day(entry),
        }
        if entry.get("status") == prefill.Status.FOUND:
            provided.append(row)
        else:
            row["message"] = _(
                "%(registry)s could not provide it, so you will be asked to upload it."
            ) % {"registry": registry}
            upload.append(row)
    return {"found": found, "asked": asked, "provided": provided, "upload": upload}


@citizen_required
@require_http_methods(["GET", "POST"])
def apply_prefill(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application(request, pk)
    if not application.is_draft:
        return detail_redirect(application, request)
    snapshot = applications.prefill_for(actor=request.user, application=application)
    if snapshot is None or snapshot.confirmed_at is not None:
        return redirect("portal:apply_continue", pk=application.pk)
    if request.method == "POST":
        try:
            application_services.confirm_prefill(actor=request.user, application=application)
        except IllegalTransition:
            return detail_redirect(application, request)
        except ApplicationError as exc:
            messages.error(request, str(exc))
        return redirect("portal:apply_continue", pk=application.pk)
    context = {
        "application": application,
        "applying_as": applying_as(application),
        **_rows(application, snapshot),
    }
    return render(request, "portal/apply/prefill.html", context)


class ReportForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What is wrong with it?"),
        help_text=gettext_lazy(
            "For example: “We moved in May; the new address is on the tenancy.” You will type "
            "the right answer yourself on the next pages."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": gettext_lazy("Say what is wrong with this value.")},
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def apply_prefill_report(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    application = get_application(request, pk)
    if not application.is_draft:
        return detail_redirect(application, request)
    snapshot = applications.prefill_for(actor=request.user, application=application)
    entry = snapshot.fields.get(field) if snapshot is not None else None
    if entry is None or entry.get("status") != prefill.Status.FOUND:
        raise Http404
    spec = applications.application_form(application=application)
    schema = spec.fields.get(field, {})
    registry = pick(entry.get("registry_name"))
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            application_services.report_prefill_error(
                actor=request.user,
                application=application,
                field=field,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error("note", exc.message_dict.get("note", exc.messages))
        except (ApplicationError, IllegalTransition) as exc:
            messages.error(request, str(exc))
            return redirect("portal:apply_prefill", pk=application.pk)
        else:
            messages.success(
                request,
                _(
                    "Thank you. We have asked %(registry)s to check it. Please give the right "
                    "answer yourself in this application."
                )
                % {"registry": registry},
            )
            back = (
                "portal:apply_prefill" if snapshot.confirmed_at is None else "portal:apply_continue"
            )
            return redirect(back, pk=application.pk)
    context = {
        "application": application,
        "applying_as": applying_as(application),
        "form": form,
        "title": pick(schema.get("x-title")) or field,
        "value": display_answer(schema, entry.get("value")),
        "registry": registry,
        "back_url": reverse("portal:apply_prefill", args=[application.pk]),
    }
    return render(request, "portal/apply/prefill_report.html", context)
