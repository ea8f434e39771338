"""Filling in an application: its pages, the uploads, checking the answers, submitting, receipt.

Every page works without JavaScript. "Save and continue" checks the page's answers on the server
(``save_draft``) and shows any problem beside its field and in a summary at the top, with what
the person typed still in the fields. "Save and come back later" keeps everything on the server.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from yiwang.applications import selectors as applications
from yiwang.applications import services as application_services
from yiwang.applications.constants import ApplicationKind, ApplicationStatus
from yiwang.applications.types import (
    AlreadySubmitted,
    ApplicationError,
    FormInvalid,
    IllegalTransition,
    SubmissionIncomplete,
    UploadRefused,
)
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import pick_marked
from yiwang.identity.access import citizen_required
from yiwang.portal import journey
from yiwang.portal.forms import (
    SchemaPageForm,
    display_answer,
    html_name,
    item_blocks,
    item_message,
    material_field,
    questions_for,
    specific_message,
    value_at,
)
from yiwang.portal.text import pick

RETURN_TO_CHECK = "check"


def get_application(request: HttpRequest, pk: int) -> Any:
    """The application if the person may see it; 404 otherwise, so existence does not leak."""
    try:
        return applications.application_for(actor=request.user, pk=pk)
    except PermissionDenied as exc:
        raise Http404 from exc


def detail_redirect(application: Any, request: HttpRequest | None = None) -> HttpResponseRedirect:
    """To the application's page. A form sent to a draft that is one no longer (submitted or
    withdrawn in another tab, or reached with the back button) is said not to be saved."""
    if request is not None and request.method == "POST":
        application.refresh_from_db(fields=["status"])
        if application.status == ApplicationStatus.WITHDRAWN:
            messages.error(request, _("This draft was withdrawn, so what you sent was not saved."))
        elif application.status != ApplicationStatus.DRAFT:
            messages.error(
                request, _("This application has been submitted, so what you sent was not saved.")
            )
    return redirect("portal:application_detail", pk=application.pk)


def start_url(application: Any) -> str:
    """The catalogue page the application was started from."""
    if application.kind == ApplicationKind.BUNDLE:
        return reverse("portal:bundle_detail", args=[application.bundle_version.code])
    return reverse("portal:service_detail", args=[application.service_version.code])


def applying_as(application: Any) -> str:
    """The firm the application is for, in the reader's language (HTML: a Chinese name on an
    English page is marked as Chinese); empty for a person's own application."""
    firm = application.firm
    if firm is None:
        return ""
    return pick_marked(firm.name, firm.name_en)


def _later(request: HttpRequest) -> HttpResponseRedirect:
    messages.success(
        request,
        _(
            "Your answers are saved. You can come back to this application at any time from "
            "“My applications”."
        ),
    )
    return redirect("portal:my_applications")


def _returning(request: HttpRequest) -> bool:
    return RETURN_TO_CHECK in (request.GET.get("return"), request.POST.get("return"))


def _open_questions(spec: Any, page: Any, application: Any, locked: Any) -> list[Any]:
    """The page's questions the person answers: not those fixed from official records."""
    return [q for q in journey.page_questions(spec, page, application.form_data)
            if q.top not in locked]  # fmt: skip


def _locked_rows(spec: Any, names: Any, locked: Any) -> list[dict[str, str]]:
    fields = spec.fields
    return [
        {
            "title": pick(fields.get(name, {}).get("x-title")) or name,
            "value": display_answer(fields.get(name, {}), locked[name].get("value")),
            "registry": pick(locked[name].get("registry_name")),
        }
        for name in names
        if name in locked
    ]


@citizen_required
@require_safe
def apply_continue(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a draft was left: its current page, or the first page that applies."""
    application = get_application(request, pk)
    if not application.is_draft:
        return detail_redirect(application, request)
    spec = applications.application_form(application=application)
    pages = journey.pages_applying(spec, application.form_data)
    current = next((p for p in pages if p.id == application.current_page), None)
    target = current or (pages[0] if pages else None)
    if target is None:
        return redirect(journey.after_pages_url(spec, application.pk))
    return redirect(journey.page_url(application.pk, target.id))


@citizen_required
@require_http_methods(["GET", "POST"])
def apply_page(request: HttpRequest, pk: int, page_id: str) -> HttpResponse:
    application = get_application(request, pk)
    if not application.is_draft:
        return detail_redirect(application, request)
    spec = applications.application_form(application=application)
    page = spec.page(page_id)
    if page is None:
        raise Http404
    returning = _returning(request)
    locked = applications.locked_answers(application=application)
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        posted = SchemaPageForm(_open_questions(spec, page, application, locked),
                                data=request.POST)  # fmt: skip
        # "Add another" and "Remove" save what was typed and show the list again, one item
        # more or fewer, without messages: the person has not finished the page yet.
        changed = posted.change_items(action)
        if changed is not None:
            posted = SchemaPageForm(posted.questions, data=changed)
        try:
            result = application_services.save_draft(
                actor=request.user, application=application, data=posted.answers(), page=page.id
            )
        except IllegalTransition:
            return detail_redirect(application, request)
        application = result.application
        if action == "later":
            return _later(request)
        if changed is not None:
            form = SchemaPageForm(_open_questions(spec, page, application, locked),
                                  data=changed)  # fmt: skip
        elif result.valid:
            if returning:
                return redirect(journey.check_url(application.pk))
            where = journey.position(spec, application.pk, page.id, application.form_data,
                                     start_url(application))  # fmt: skip
            return redirect(where.next_url)
        else:
            # Required marks follow the new answers (a yes may make another question required).
            form = SchemaPageForm(_open_questions(spec, page, application, locked),
                                  data=request.POST)  # fmt: skip
            form.set_errors(result.errors)
    else:
        form = SchemaPageForm(_open_questions(spec, page, application, locked),
                              answers=application.form_data)  # fmt: skip
    where = journey.position(spec, application.pk, page.id, application.form_data,
                             start_url(application))  # fmt: skip
    context = {
        "application": application,
        "applying_as": applying_as(application),
        "form": form,
        "locked_rows": _locked_rows(spec, page.fields, locked),
        "page_title": pick(page.title),
        "position": where,
        "back_url": journey.check_url(application.pk) if returning else where.previous_url,
        "returning": returning,
    }
    return render(request, "portal/apply/page.html", context)


@citizen_required
@require_http_methods(["GET", "POST"])
def apply_materials(request: HttpRequest, pk: int) -> HttpResponse:
    """One file input per material the answers call for; a new file replaces the old one."""
    application = get_application(request, pk)
    if not application.is_draft:
        return detail_redirect(application, request)
    spec = applications.application_form(application=application)
    required = applications.materials_required(application=application)
    if request.method == "POST":
        remove = request.POST.get("remove", "")
        if remove:
            current = applications.uploads_for(actor=request.user, application=application)
            found = current.filter(pk=int(remove) if remove.isdigit() else 0).first()
            if found is None:  # removed already (another tab, the back button), or never here
                messages.info(request, _("That file is no longer part of this application."))
            else:
                application_services.remove_upload(actor=request.user, upload=found)
                messages.success(request, _("The file %(name)s was removed.") % {
                    "name": found.original_name})  # fmt: skip
            return redirect(journey.materials_url(application.pk))
        posted = SchemaPageForm([], data=request.POST, files=request.FILES,
                                materials=_to_upload(required))  # fmt: skip
        errors: dict[str, str] = {}
        for code, uploaded in posted.uploaded().items():
            try:
                application_services.add_upload(
                    actor=request.user,
                    application=application,
                    material_code=code,
                    uploaded_file=uploaded,
                )
            except UploadRefused as exc:
                errors[code] = str(exc)
            except IllegalTransition:
                return detail_redirect(application, request)
        required = applications.materials_required(application=application)
        action = request.POST.get("action")
        if action == "continue":
            for item in _to_upload(required):
                if not item.optional and item.upload is None and item.code not in errors:
                    errors[item.code] = _("Choose a file for “%(material)s”.") % {
                        "material": pick(item.name)
                    }
        if not errors:
            if action == "later":
                return _later(request)
            return redirect(journey.check_url(application.pk))
        form = SchemaPageForm([], data=request.POST, files=request.FILES,
                              materials=_to_upload(required))  # fmt: skip
        for item in required:
            if item.code in errors:
                form.add_material_error(item.code, errors[item.code])
        for code, message in errors.items():
            if code not in {item.code for item in required}:
                form.add_material_error(code, message)
    else:
        form = SchemaPageForm([], materials=_to_upload(required))
    pages = journey.pages_applying(spec, application.form_data)
    context = {
        "application": application,
        "applying_as": applying_as(application),
        "form": form,
        "requirements": required,
        "provided": [item for item in required if item.provided_by],
        "back_url": journey.check_url(application.pk)
        if _returning(request)
        else journey.page_url(application.pk, pages[-1].id)
        if pages
        else start_url(application),
    }
    return render(request, "portal/apply/materials.html", context)


def _to_upload(required: Any) -> list[Any]:
    """Materials the person uploads: not those official records stand in for."""
    return [item for item in required if not item.provided_by]


def answer_sections(spec: Any, application: Any, *, change: bool = True) -> list[dict[str, Any]]:
    """Every page that applies with each question, its answer, and where to change it (answers
    fixed from official records say where they came from instead)."""
    data = application.form_data
    locked = applications.locked_answers(application=application)
    required = set(spec.required_fields(data))
    sections = []
    for page in journey.pages_applying(spec, data):
        url = journey.page_url(application.pk, page.id) + f"?return={RETURN_TO_CHECK}"
        rows = []
        for question in journey.page_questions(spec, page, data):
            value = value_at(data, question.path)
            shown = display_answer(question.schema, value)
            source = locked.get(question.top)
            rows.append(
                {
                    "question": question,
                    "answer": shown,
                    "items": item_blocks(question, value),
                    "missing": not shown and question.top in required,
                    "change_url": f"{url}#{question.anchor}" if change and not source else "",
                    "source": pick(source.get("registry_name")) if source else "",
                }
            )
        sections.append({"title": pick(page.title), "change_url": url, "rows": rows})
    return sections


def _problems(spec: Any, application: Any, error: FormInvalid) -> list[dict[str, str]]:
    """Each reason a submission was refused, linking to the field or material to fix."""
    problems = []
    fields = spec.fields
    for key, texts in error.errors.items():
        name = key.split(".")[0]
        page = next((p for p in spec.pages if name in p.fields), None)
        title = pick(fields.get(name, {}).get("x-title")) or name
        found = questions_for([name], fields, [])
        anchor = found[0].anchor if found else f"id_{name}"
        part = _list_part(found[0], key) if found else None
        if part is not None:
            anchor = part.anchor
        href = (
            journey.page_url(application.pk, page.id) + f"?return={RETURN_TO_CHECK}#{anchor}"
            if page
            else ""
        )
        for text in texts:
            said = specific_message(found[0], text) if found and key == name else text
            if part is not None:
                said = item_message(part, key, text)
            elif said == text:
                said = _("%(question)s: %(problem)s") % {"question": title, "problem": text}
            problems.append({"text": said, "href": href})
    for code in getattr(error, "missing_materials", []):
        material = spec.material(code)
        name = pick(material.name) if material else code
        problems.append(
            {
                "text": _("Choose a file for “%(material)s”.") % {"material": name},
                "href": journey.materials_url(application.pk)
                + f"?return={RETURN_TO_CHECK}#id_{material_field(code)}",
            }
        )
    if not problems:
        problems.append({"text": str(error), "href": ""})
    return problems


def _list_part(question: Any, key: str) -> Any:
    """The part of a list's item a message is about (``staff.1.name``), shown with enough
    items to hold it; ``None`` when the message is about something else."""
    parts = key.split(".")
    if question.kind != "list" or len(parts) < 3 or not parts[1].isdigit():
        return None
    return question.with_items(int(parts[1]) + 1).find(html_name(parts))


@citizen_required
@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Check your answers, then submit once.

    The form carries a random key made when the page was shown. A double click or a resend posts
    the same key, and the submission service answers it with the application it already
    submitted: one application, one receipt number.
    """
    application = get_application(request, pk)
    problems: list[dict[str, str]] = []
    if request.method == "POST":
        key = str(request.POST.get("idempotency_key", ""))[:100] or None
        try:
            submitted = application_services.submit_application(
                actor=request.user, application=application, idempotency_key=key
            )
        except AlreadySubmitted:
            return redirect("portal:apply_receipt", pk=application.pk)
        except SubmissionIncomplete as exc:
            problems = _problems(applications.application_form(application=application),
                                 application, exc)  # fmt: skip
        except FormInvalid as exc:
            problems = _problems(applications.application_form(application=application),
                                 application, exc)  # fmt: skip
        except IllegalTransition:
            return detail_redirect(application, request)
        except ApplicationError as exc:
            problems = [{"text": str(exc), "href": ""}]
        else:
            return redirect("portal:apply_receipt", pk=submitted.pk)
        application = get_application(request, pk)
    if not application.is_draft:
        return detail_redirect(application, request)
    spec = applications.application_form(application=application)
    materials = applications.materials_required(application=application)
    context = {
        "application": application,
        "applying_as": applying_as(application),
        "sections": answer_sections(spec, application),
        "materials": materials,
        "materials_url": journey.materials_url(application.pk) + f"?return={RETURN_TO_CHECK}",
        "idempotency_key": secrets.token_urlsafe(24),
        "problems": problems,
        "back_url": journey.materials_url(application.pk)
        if spec.all_materials
        else journey.page_url(application.pk, spec.pages[-1].id),
    }
    return render(request, "portal/apply/check.html", context)


@citizen_required
@require_safe
def apply_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_application(request, pk)
    if application.is_draft or not application.receipt_number:
        return redirect("portal:apply_continue", pk=application.pk)
    timeline = applications.case_timeline(actor=request.user, application=application)
    context = {
        "application": application,
        "applying_as": applying_as(application),
        "timeline": timeline,
        "email": getattr(request.user, "email", ""),
    }
    return render(request, "portal/apply/receipt.html", context)
