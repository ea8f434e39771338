"""Starting a draft and saving its answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.applications import domain, prefill, workflow
from yiwang.applications.constants import (
    ApplicationKind,
    ApplicationStatus,
)
from yiwang.applications.models import (
    Application,
)
from yiwang.applications.services._common import current_language, record, subjects_of
from yiwang.applications.types import (
    ApplicationError,
    DraftSaved,
)
from yiwang.catalogue.constants import Audience
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors as identity


def start_application(
    *,
    actor: Any,
    service_code: str | None = None,
    bundle_code: str | None = None,
    firm: Any = None,
) -> Application:
    """Start a draft for the published version of a service or a bundle (exactly one of them).

    The draft pins the versions it starts with. With ``firm`` the person applies on the firm's
    behalf and must be able to act for it (checked again at submission). Raises
    :class:`~yiwang.applications.types.ApplicationError` when the code is not published or the
    service's audience (individuals, businesses) does not fit ``firm``; ``PermissionDenied`` when
    the actor is not a citizen with a person record or may not act for the firm.
    """
    from yiwang.catalogue import selectors as catalogue

    if (service_code is None) == (bundle_code is None):
        raise ValueError("pass exactly one of service_code and bundle_code")
    person = workflow.person_of(actor)
    if firm is not None and not identity.can_act_for_firm(actor, firm):
        raise PermissionDenied("the actor may not act for this firm")
    with transaction.atomic():
        if service_code is not None:
            version = catalogue.published_service(service_code)
            if version is None:
                raise ApplicationError(
                    _("The service %(code)s cannot be applied for now.") % {"code": service_code}
                )
            application = Application(
                kind=ApplicationKind.SERVICE,
                service_version=version,
                service_versions={version.code: version.pk},
            )
        else:
            assert bundle_code is not None
            try:
                bundle, services, _form = catalogue.published_bundle_form(bundle_code)
            except catalogue.NotInCatalogue as exc:
                raise ApplicationError(
                    _("The bundle %(code)s cannot be applied for now.") % {"code": bundle_code}
                ) from exc
            application = Application(
                kind=ApplicationKind.BUNDLE,
                bundle_version=bundle,
                service_versions={code: v.pk for code, v in services.items()},
            )
        audience = application.definition_version.audience
        if audience == Audience.FIRM and firm is None:
            raise ApplicationError(
                _("This service is for businesses: choose the business you are applying for.")
            )
        if audience == Audience.PERSON and firm is not None:
            raise ApplicationError(
                _("This service is for individuals: apply for yourself, not for a business.")
            )
        application.applicant = person
        application.firm = firm
        application.created_by = actor
        application.language = current_language()
        spec, _pinned = workflow.form_of(application)
        application.current_page = spec.pages[0].id if spec.pages else ""
        application.save()
        record(
            actor=actor,
            action="applications.draft_started",
            obj=application,
            subjects=subjects_of(application),
            data={
                "kind": application.kind,
                "code": service_code or bundle_code,
                "service_versions": application.service_versions,
            },
        )
    return application


def save_draft(
    *, actor: Any, application: Application, data: Mapping[str, Any], page: str | None = None
) -> DraftSaved:
    """Save answers of one page of a draft and check them against the form's JSON Schema.

    ``data`` maps field names to JSON values (numbers as numbers, booleans as booleans — see
    :func:`yiwang.applications.domain.coerce_answer` for text posted by an HTML form); ``None`` or
    ``""`` clears a field. With ``page`` only that page's fields may be given and are checked
    (``required`` only for fields on that page); without it any field of the form may be. Only
    the fields given change. The answers are saved even when they are wrong, so nothing the person
    typed is lost; the result's ``errors`` maps each wrong field to messages in the active
    language. ``current_page`` becomes ``page``.
    """
    with transaction.atomic():
        app = workflow.lock_application(application.pk)
        workflow.require_applicant(actor, app, own_only=True)
        if app.status != ApplicationStatus.DRAFT:
            raise workflow.not_a_draft(app)
        # Answers confirmed from a registry are the registry's: a change goes through a report
        # of the wrong value (prefill.report_prefill_error), not through the form.
        prefill.refuse_locked_changes(app, data)
        spec, _pinned = workflow.form_of(app)
        if page is not None:
            page_spec = spec.page(page)
            if page_spec is None:
                raise ApplicationError(_("This form has no page %(page)s.") % {"page": page})
            allowed = list(page_spec.fields)
        else:
            allowed = list(spec.fields)
        errors: dict[str, list[str]] = {}
        for name in data:
            if name not in allowed:
                errors.setdefault(name, []).append(_("This question is not on this page."))
        answers = dict(app.form_data)
        given = [name for name in data if name in allowed]
        refused: dict[str, list[str]] = {}
        for name in given:
            value = data[name]
            if value is None or (isinstance(value, str) and not value.strip()):
                answers.pop(name, None)
            elif not domain.storable(value):
                # Kept out of the draft (the database cannot hold it); the form shows it back
                # with the reason, and the answer saved before stays.
                refused[name] = [domain.answer_problem(value) or ""]
            else:
                answers[name] = spec.normalise(name, value)
        checked = allowed if page is not None else given
        required = [f for f in spec.required_fields(answers) if f in checked]
        errors.update(
            domain.validate_answers(
                spec,
                {k: v for k, v in answers.items() if k in checked},
                fields=checked,
                required=required,
            )
        )
        errors.update(refused)
        app.form_data = answers
        if page is not None:
            app.current_page = page
        app.updated_at = clock.now()
        app.save(update_fields=["form_data", "current_page", "updated_at"])
        # Field names only: the answers are personal data and stay in the application.
        record(
            actor=actor,
            action="applications.draft_saved",
            obj=app,
            subjects=subjects_of(app),
            data={"page": page or "", "fields": sorted(given), "errors": sorted(errors)},
        )
    return DraftSaved(app, errors)
