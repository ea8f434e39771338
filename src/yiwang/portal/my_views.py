"""A person's own applications: the list, where each stands, corrections, withdrawal, their files,
and their inbox.

Every application, correction and file is fetched through the applications selectors with the
person as the actor; whatever they may not see is answered with 404, the same as what does not
exist.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from yiwang.applications import domain, prefill
from yiwang.applications import selectors as applications
from yiwang.applications import services as application_services
from yiwang.applications.constants import ApplicationStatus, CaseStatus, CorrectionStatus
from yiwang.applications.types import (
    ApplicationError,
    FormInvalid,
    IllegalTransition,
    UploadRefused,
)
from yiwang.core.errors import PermissionDenied
from yiwang.identity.access import citizen_required
from yiwang.notifications.views import inbox_page, message_page
from yiwang.portal import presenters
from yiwang.portal.apply_views import answer_sections, applying_as, get_application
from yiwang.portal.correction_text import fields_opened_by_rules, materials_opened_by_rules
from yiwang.portal.forms import (
    SchemaPageForm,
    display_answer,
    material_field,
    questions_for,
    value_at,
)
from yiwang.portal.text import pick, sentences

PER_PAGE = 20

WITHDRAWABLE = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.CORRECTION_REQUESTED,
)


@citizen_required
@require_safe
def my_applications(request: HttpRequest) -> HttpResponse:
    # A deleted draft stays on record as withdrawn, but it is no longer the person's business.
    listed = applications.applications_for(actor=request.user).exclude(
        status=ApplicationStatus.WITHDRAWN, receipt_number__isnull=True
    )
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"application": a, "applying_as": applying_as(a)} for a in page.object_list]
    return render(request, "portal/my/applications.html", {"page": page, "rows": rows})


def _may_withdraw(application: Any, timeline: Any | None) -> bool:
    if application.status not in WITHDRAWABLE:
        return False
    if timeline is None:
        return True
    return not any(case.status in (CaseStatus.APPROVED, CaseStatus.REJECTED)
                   for case in timeline.cases)  # fmt: skip


def _field_titles(spec: Any, names: list[str]) -> list[str]:
    fields = spec.fields
    return [pick(fields.get(n, {}).get("x-title")) or n for n in names]


def _material_names(spec: Any, codes: list[str]) -> list[str]:
    out = []
    for code in codes:
        material = spec.material(code)
        out.append(pick(material.name) if material else code)
    return out


def _outputs(request: HttpRequest, case: Any) -> list[tuple[str, str]]:
    """What an approved case gives the person, from the service version it was decided on."""
    if case.status != CaseStatus.APPROVED:
        return []
    try:
        stored = applications.case_for(actor=request.user, pk=case.pk)
    except PermissionDenied:
        return []
    definition = stored.service_version.definition
    return [
        (pick(o.get("name")), presenters.output_kind(str(o.get("kind"))))
        for o in definition.get("outputs", [])
    ]


@citizen_required
@require_safe
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the application stands: each department's steps, due dates, decisions, corrections."""
    application = get_application(request, pk)
    spec = applications.application_form(application=application)
    timeline = None
    cases: list[dict[str, Any]] = []
    if not application.is_draft:
        timeline = applications.case_timeline(actor=request.user, application=application)
        for case in timeline.cases:
            corrections = [
                {
                    "correction": c,
                    "fields": _field_titles(spec, c.fields),
                    "materials": _material_names(spec, c.materials),
                    "open": c.status == CorrectionStatus.OPEN,
                }
                for c in case.corrections
            ]
            cases.append(
                {"case": case, "corrections": corrections, "outputs": _outputs(request, case)}
            )
    uploads = applications.uploads_for(actor=request.user, application=application)
    materials = {m.code: pick(m.name) for m in spec.all_materials}
    context = {
        "application": application,
        "applying_as": applying_as(application),
        "cases": cases,
        "open_corrections": [c for entry in cases for c in entry["corrections"] if c["open"]],
        "sections": answer_sections(spec, application, change=False),
        "uploads": [(materials.get(u.material_code, u.material_code), u) for u in uploads],
        "may_withdraw": _may_withdraw(application, timeline),
    }
    return render(request, "portal/my/application.html", context)


@citizen_required
@require_http_methods(["GET", "POST"])
def correction(request: HttpRequest, pk: int, correction_pk: int) -> HttpResponse:
    """Fix only what the department asked for (补正): those fields and those files, then resend."""
    application = get_application(request, pk)
    try:
        asked = applications.correction_for(actor=request.user, pk=correction_pk)
    except PermissionDenied as exc:
        raise Http404 from exc
    if asked.case.application_id != application.pk:
        raise Http404
    if asked.status != CorrectionStatus.OPEN:
        messages.info(request, domain.correction_closed_message(asked.status))
        if request.method == "POST":
            messages.error(request, _("What you sent on the correction page was not saved."))
        return redirect("portal:application_detail", pk=application.pk)
    spec = applications.application_form(application=application)
    data = application.form_data
    posted = request.method == "POST"
    # A changed answer can require a field that had no answer (a card now to be posted needs an
    # address), or a document nothing stands for yet (a larger shop needs a fire escape plan):
    # that is asked too. What was sent is read for every field; the correction's scope says which
    # of them open, so the field or the upload appears once the changed answer is sent.
    sent = (
        SchemaPageForm(questions_for(spec.fields, spec.fields, ()), data=request.POST).answers()
        if posted
        else {}
    )
    scope = applications.correction_scope(application=application, correction=asked, data=sent)
    required = [f for f in spec.required_fields(scope.answers) if f in scope.fields]
    questions = questions_for(scope.fields, spec.fields, required)
    # Asked-for answers confirmed from official records: the person may answer them anew here.
    sources = {name: entry
               for name, entry in applications.locked_answers(application=application).items()
               if name in asked.fields}  # fmt: skip
    # Files are kept as they come, each on its own: a refused one does not stop the others, and
    # one taken stays whatever else needs fixing (the page then says it was uploaded).
    refused: dict[str, str] = {}
    if posted:
        files = SchemaPageForm(
            [],
            data=request.POST,
            files=request.FILES,
            materials=applications.correction_materials(
                actor=request.user, application=application, scope=scope, correction_id=asked.pk
            ),
        ).uploaded()
        for code, uploaded in files.items():
            try:
                application_services.add_upload(
                    actor=request.user,
                    application=application,
                    material_code=code,
                    uploaded_file=uploaded,
                    correction=asked,
                    data=sent,
                )
            except UploadRefused as exc:
                refused[code] = str(exc)
    needed = applications.correction_materials(
        actor=request.user, application=application, scope=scope, correction_id=asked.pk
    )
    reasons = materials_opened_by_rules(spec, scope)

    def page_form(posted_data: Any, posted_files: Any = None) -> SchemaPageForm:
        form = SchemaPageForm(
            questions, data=posted_data, files=posted_files, answers=data, materials=needed
        )
        _registry_answers(request, form, application, sources)
        for code, reason in reasons.items():
            field = form.fields[material_field(code)]
            field.help_text = sentences(reason, str(field.help_text))
        for code, message in refused.items():
            form.add_material_error(code, message)
        return form

    form = page_form(request.POST if posted else None, request.FILES if posted else None)
    # "Add another" and "Remove" on a list show the list again; only "Send" sends.
    action = str(request.POST.get("action", ""))
    changed = form.change_items(action) if posted else None
    note_errors: dict[str, list[str]] = {}
    if posted:
        reports, note_errors = _reports(request, form)
        if changed is None and not note_errors and not refused:
            try:
                application_services.resubmit_correction(
                    actor=request.user, correction=asked, data=form.answers(), reports=reports
                )
            except FormInvalid as exc:
                form.set_errors(exc.errors)
                _missing_files(form, needed, exc)
            except IllegalTransition as exc:
                messages.error(request, str(exc))
                return redirect("portal:application_detail", pk=application.pk)
            except ApplicationError as exc:
                form.set_errors({"__all__": [str(exc)]})
            else:
                messages.success(
                    request,
                    _("Thank you. Your correction was sent, and the department carries on."),
                )
                for name in reports:
                    messages.success(
                        request,
                        _("We have asked %(registry)s to check their record.")
                        % {"registry": pick(sources[name].get("registry_name"))},
                    )
                return redirect("portal:application_detail", pk=application.pk)
    if changed is not None:
        form = page_form(changed)
    for key, texts in note_errors.items():
        for text in texts:
            form.add_error(key, text)
    shown = [
        {"title": pick(spec.fields[name].get("x-title")) or name,
         "answer": display_answer(spec.fields[name], value_at(data, (name,)))}
        for name in spec.fields
        if name not in scope.fields and value_at(data, (name,)) is not None
    ]  # fmt: skip
    files_rows = form.material_rows()
    context = {
        "application": application,
        "applying_as": applying_as(application),
        "correction": asked,
        "form": form,
        "rows": [
            {"row": row, "report": form[REPORT_PREFIX + row["question"].name]
             if REPORT_PREFIX + row["question"].name in form.fields else None}
            for row in form.rows()
        ],
        "read_only": shown,
        "because": fields_opened_by_rules(spec, scope),
        "asked_files": [r for r in files_rows if r["material"].code not in scope.materials],
        # Documents the clerk did not choose, needed because of a changed answer.
        "opened_files": [r for r in files_rows if r["material"].code in scope.materials],
    }  # fmt: skip
    return render(request, "portal/my/correction.html", context)


# The note telling a registry its value is wrong, beside the answer it came from.
REPORT_PREFIX = "report__"


def _registry_answers(
    request: HttpRequest, form: SchemaPageForm, application: Any, sources: dict[str, Any]
) -> None:
    """Say beside each asked-for answer from an official record where it came from, that a
    different answer replaces it, and (when the record is the person's own) offer to tell the
    registry it is wrong, as "This is wrong" does on a draft."""
    for name, entry in sources.items():
        if name not in form.fields:
            continue
        registry = pick(entry.get("registry_name"))
        field = form.fields[name]
        said = _(
            "This answer came from %(registry)s. If it is wrong, type the right answer: yours "
            "will be used in this application instead."
        ) % {"registry": registry}
        field.help_text = f"{field.help_text} {said}".strip()
        if not prefill.may_report(actor=request.user, application=application, entry=entry):
            continue
        form.fields[REPORT_PREFIX + name] = forms.CharField(
            label=_("Tell %(registry)s their record is wrong") % {"registry": registry},
            help_text=_(
                "Say what is wrong, for example “We moved in May.” The department that keeps "
                "%(registry)s will check its record; this does not change your answer above."
            )
            % {"registry": registry},
            required=False,
            max_length=2000,  # as on the draft's "This is wrong" page
            widget=forms.Textarea(attrs={"rows": 3}),
        )


def _reports(
    request: HttpRequest, form: SchemaPageForm
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The registry values the person says are wrong, with what they said (a blank note: not
    reported), and any note that cannot be sent, by its input's name."""
    found: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, field in form.fields.items():
        if not key.startswith(REPORT_PREFIX):
            continue
        try:
            note = str(field.clean(request.POST.get(key, ""))).strip()
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        if note:
            found[key[len(REPORT_PREFIX) :]] = note
    return found, errors


def _missing_files(form: SchemaPageForm, needed: list[Any], error: FormInvalid) -> None:
    """Attach "choose a file" to each document of the correction that still has no new file.

    The service stops at the first kind of problem (answers before files); the person should
    hear about every problem at once, so the files given since the correction opened count.
    """
    missing = set(getattr(error, "missing_materials", []) or [])
    missing |= {material.code for material in needed if material.upload is None}
    for material in needed:
        if material.code in missing and not form.has_error(material_field(material.code)):
            form.add_material_error(
                material.code,
                _("Choose a file for “%(material)s”.") % {"material": pick(material.name)},
            )


@citizen_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, then withdraw (a submitted application) or delete (a draft)."""
    application = get_application(request, pk)
    timeline = None
    if not application.is_draft:
        timeline = applications.case_timeline(actor=request.user, application=application)
    if not _may_withdraw(application, timeline):
        messages.error(request, _("This application can no longer be withdrawn."))
        return redirect("portal:application_detail", pk=application.pk)
    if request.method == "POST":
        was_draft = application.is_draft
        try:
            application_services.withdraw_application(actor=request.user, application=application)
        except ApplicationError as exc:
            messages.error(request, str(exc))
            return redirect("portal:application_detail", pk=application.pk)
        if was_draft:
            messages.success(request, _("Your draft was deleted."))
        else:
            messages.success(request, _("Your application was withdrawn."))
        return redirect("portal:my_applications")
    return render(
        request,
        "portal/my/withdraw.html",
        {"application": application, "applying_as": applying_as(application)},
    )


@citizen_required  # type: ignore[arg-type]  # typed for HttpResponse; a file response is one too
@require_safe
def download(request: HttpRequest, pk: int, upload_pk: int) -> FileResponse:
    """One of the person's files, always as a download: never shown inline, never sniffed."""
    application = get_application(request, pk)
    try:
        upload = applications.materials_for(actor=request.user, upload=upload_pk)
    except PermissionDenied as exc:
        raise Http404 from exc
    if upload.application_id != application.pk:
        raise Http404
    try:
        handle = upload.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=upload.original_name,
        content_type=upload.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Personal documents: no shared cache keeps them, and they run nothing if opened in place.
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Inbox ------------------------------------------------------------------------------------


@citizen_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    return inbox_page(request, "portal/my/inbox.html")


@citizen_required
@require_safe
def inbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    return message_page(request, pk, "portal/my/message.html")
