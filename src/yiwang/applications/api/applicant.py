"""Citizens' operations (``/applications``): start, fill in, upload, submit, follow, withdraw."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Header, Query, Router, Status
from ninja import Path as PathParam
from ninja.files import UploadedFile

from yiwang.api.auth import citizen_auth, principal
from yiwang.api.errors import ApiError, error_responses
from yiwang.applications import selectors, services
from yiwang.applications.api.render import (
    application_out,
    draft_out,
    timeline_cases_out,
    upload_out,
)
from yiwang.applications.api.schemas import (
    ApplicationList,
    ApplicationOut,
    DraftIn,
    DraftOut,
    IdParam,
    StartIn,
    TimelineOut,
    UploadOut,
)
from yiwang.identity import selectors as identity

applicant_router = Router(tags=["applications"], auth=citizen_auth)


@applicant_router.post(
    "",
    response={201: ApplicationOut, **error_responses(400, 401, 403, 413, 422)},
    summary="Start a draft application for a service or a bundle",
)
def start_application(request: HttpRequest, payload: StartIn) -> Status[dict[str, Any]]:
    actor = principal(request)
    firm = None
    if payload.firm:
        firm = identity.firms_actor_may_act_for(actor).filter(uscc=payload.firm).first()
        if firm is None:
            message = _("You may not act for a firm with this code.")
            raise ApiError(422, "invalid", message, {"firm": [message]})
    app = services.start_application(
        actor=actor,
        service_code=payload.service or None,
        bundle_code=payload.bundle or None,
        firm=firm,
    )
    return Status(201, application_out(app))


@applicant_router.get(
    "",
    response={200: ApplicationList, **error_responses(401, 403, 422)},
    summary="My applications, and those of firms I may act for, newest first",
)
def list_applications(
    request: HttpRequest,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> dict[str, Any]:
    found = list(selectors.applications_for(actor=principal(request))[offset : offset + limit + 1])
    return {
        "items": [application_out(a) for a in found[:limit]],
        "next_offset": offset + limit if len(found) > limit else None,
    }


@applicant_router.get(
    "/{application_id}",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 422)},
    summary="One application: its status and receipt number",
)
def get_application(request: HttpRequest, application_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    return application_out(selectors.application_for(actor=actor, pk=application_id))


@applicant_router.get(
    "/{application_id}/draft",
    response={200: DraftOut, **error_responses(401, 403, 404, 422)},
    summary="A draft's form, its answers so far and the materials it needs",
)
def get_draft(request: HttpRequest, application_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    return draft_out(selectors.application_for(actor=actor, pk=application_id))


@applicant_router.patch(
    "/{application_id}/draft",
    response={200: DraftOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Save answers (of one page); wrong answers are saved too and listed in a 422",
)
def update_draft(
    request: HttpRequest, payload: DraftIn, application_id: int = IdParam
) -> dict[str, Any]:
    actor = principal(request)
    app = selectors.application_for(actor=actor, pk=application_id)
    saved = services.save_draft(actor=actor, application=app, data=payload.data, page=payload.page)
    if not saved.valid:
        raise ApiError(
            422,
            "invalid",
            _("The answers were saved, but some of them need to be corrected; see fields."),
            saved.errors,
        )
    return draft_out(saved.application)


@applicant_router.post(
    "/{application_id}/materials/{material_code}",
    response={201: UploadOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Upload the file for one material of a draft (multipart/form-data, field 'file')",
)
def upload_material(
    request: HttpRequest,
    material_code: str = PathParam(..., max_length=64),
    application_id: int = IdParam,
    file: UploadedFile = File(...),  # noqa: B008 (django-ninja's parameter declaration)
) -> Status[dict[str, Any]]:
    actor = principal(request)
    app = selectors.application_for(actor=actor, pk=application_id)
    upload = services.add_upload(
        actor=actor, application=app, material_code=material_code, uploaded_file=file
    )
    return Status(201, upload_out(upload))


@applicant_router.post(
    "/{application_id}/submit",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Submit a draft once; a retry with the same Idempotency-Key gets the same answer",
)
def submit_application(
    request: HttpRequest,
    application_id: int = IdParam,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=100),
) -> dict[str, Any]:
    # The service locks the draft and refuses (as "not found") anyone but its author, so
    # the id goes straight to it: no separate read of the application first.
    submitted = services.submit_application(
        actor=principal(request), application=application_id, idempotency_key=idempotency_key
    )
    return application_out(submitted)


@applicant_router.get(
    "/{application_id}/timeline",
    response={200: TimelineOut, **error_responses(401, 403, 404, 422)},
    summary="Where an application stands: every case, step, deadline, correction and decision",
)
def get_timeline(request: HttpRequest, application_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    app = selectors.application_for(actor=actor, pk=application_id)
    timeline = selectors.case_timeline(actor=actor, application=app)
    return {"application": application_out(app), "cases": timeline_cases_out(timeline)}


@applicant_router.post(
    "/{application_id}/withdraw",
    response={200: ApplicationOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Withdraw an application before any of its cases is decided",
)
def withdraw_application(request: HttpRequest, application_id: int = IdParam) -> dict[str, Any]:
    actor = principal(request)
    app = selectors.application_for(actor=actor, pk=application_id)
    return application_out(services.withdraw_application(actor=actor, application=app))
