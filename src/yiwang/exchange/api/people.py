"""A person's side of the exchange, in their portal session: consent and "who used my data".

* **Consent** (授权同意): the consents the person has given, giving a new one (to one
  department, for one registry, one purpose and the fields they choose, until a date they
  choose) and withdrawing one. The next read that needed a withdrawn consent is refused.
* **Access log** (数据使用记录): every read of the person's data — served and refused — newest
  first, and flagging a read that looks wrong, which the owning department's data officers see;
  the person's flags, each with what that department found once it closed it.

Everything here is the caller's own: another person's consent or access-log entry is 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiwang.api.errors import error_responses
from yiwang.api.schemas import Day, Moment
from yiwang.core import clock
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import selectors, services
from yiwang.exchange.api._common import (
    DepartmentRef,
    LegalBasisOut,
    actor_of,
    citizen_auth,
    forbidden,
    id_param,
    invalid_as_422,
)
from yiwang.exchange.constants import FlagStatus, Outcome, Reason
from yiwang.exchange.selectors import FlagOutcome, OwnFlagView
from yiwang.exchange.types import AccessLogView, ConsentView
from yiwang.identity import selectors as identity

consent_router = Router(tags=["consent"], auth=citizen_auth)
access_log_router = Router(tags=["access log"], auth=citizen_auth)


# --- Schemas ------------------------------------------------------------------------------------


class ConsentIn(Schema):
    consumer: str = Field(
        min_length=1, max_length=32, description="Code of the department that may read"
    )
    registry: str = Field(min_length=1, max_length=64, description="Code of the registry")
    purpose: str = Field(min_length=1, max_length=64, description="Code of the purpose")
    fields: list[str] = Field(
        min_length=1, max_length=200, description="The fields the department may read"
    )
    expires_at: Moment = Field(
        description="Until when (ISO 8601 with an offset); must be in the future"
    )


class ConsentOut(Schema):
    id: int
    consumer: DepartmentRef
    registry: str
    purpose: str
    fields: list[str]
    granted_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    active: bool = Field(description="Neither revoked nor expired")


class ConsentList(Schema):
    items: list[ConsentOut] = Field(description="Newest first")


class NamedCode(Schema):
    code: str
    name: str = Field(description="In the request's language")


class AccessLogEntryOut(Schema):
    id: int
    at: dt.datetime
    outcome: Outcome = Field(description="served: data was given; denied: the read was refused")
    reason: Reason = Field(description="Why it was served or refused")
    reason_label: str = Field(description="The reason in words, in the request's language")
    department: DepartmentRef = Field(description="The department that read")
    official: str = Field(
        description="Who read: the official's name, their role when the agreement restricts "
        "the official's identity, or the department system's name"
    )
    identity_restricted: bool
    registry: NamedCode
    fields: list[NamedCode] = Field(description="The data that was asked for")
    purpose: NamedCode
    legal_basis: LegalBasisOut | None
    case_ref: str | None = Field(description="The case the read was for, if any")
    flagged: bool = Field(description="Whether you have flagged this read")


class AccessLogPage(Schema):
    items: list[AccessLogEntryOut] = Field(description="Newest first")
    next_offset: int | None = Field(description="The offset of the next page, or null")


class AccessLogQuery(Schema):
    firm: str | None = Field(
        default=None,
        min_length=18,
        max_length=18,
        description="The log of this firm (its USCC), which you may act for; default: yours",
    )
    department: str | None = Field(
        default=None, max_length=32, description="Only reads by this department (its code)"
    )
    since: Day | None = Field(default=None, description="Only reads on or after this day")
    until: Day | None = Field(default=None, description="Only reads on or before this day")
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class FlagIn(Schema):
    reason: str = Field(
        min_length=1, max_length=2000, description="What looks wrong about this use of your data"
    )


class FlagOut(Schema):
    id: int
    access_log_id: int
    status: FlagStatus
    reason: str
    registry: str
    consumer: str = Field(description="Code of the department whose read is flagged")
    created_at: dt.datetime
    provider: DepartmentRef = Field(
        description="The department that keeps the registry: it looks into the flag and answers"
    )
    outcome: FlagOutcome | None = Field(
        description="Once the flag is closed, what the department found: explained (the read "
        "had a reason) or acted_on (misuse found and acted on); null while it is open"
    )
    outcome_label: str | None = Field(
        description="The outcome in words, in the request's language; null while it is open"
    )
    note: str | None = Field(
        description="What the department found or did, in its words; null while it is open"
    )
    closed_at: dt.datetime | None = Field(description="When the flag was closed, or null")


class FlagQuery(Schema):
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=100_000)


class FlagPage(Schema):
    items: list[FlagOut] = Field(description="Newest first")
    next_offset: int | None = Field(description="The offset of the next page, or null")


# --- Rendering ----------------------------------------------------------------------------------


def _consent(view: ConsentView) -> dict[str, Any]:
    return {
        "id": view.id,
        "consumer": {"code": view.consumer_code, "name": view.consumer_name},
        "registry": view.registry_code,
        "purpose": view.purpose_code,
        "fields": list(view.fields),
        "granted_at": view.granted_at,
        "expires_at": view.expires_at,
        "revoked_at": view.revoked_at,
        "active": view.is_active(clock.now()),
    }


def _entry(view: AccessLogView) -> dict[str, Any]:
    basis = view.legal_basis
    return {
        "id": view.id,
        "at": view.at,
        "outcome": view.outcome,
        "reason": view.reason,
        "reason_label": str(Reason(view.reason).label)
        if view.reason in Reason.values
        else view.reason,
        "department": {"code": view.department_code, "name": view.department_name},
        "official": view.official,
        "identity_restricted": view.identity_restricted,
        "registry": {"code": view.registry_code, "name": view.registry_name},
        "fields": [
            {"code": code, "name": name}
            for code, name in zip(view.fields, view.field_names, strict=False)
        ],
        "purpose": {"code": view.purpose_code, "name": view.purpose_name},
        "legal_basis": {
            "zh": basis.citation_zh,
            "en": basis.citation_en,
            "url": basis.url or None,
        }
        if basis
        else None,
        "case_ref": view.case_ref or None,
        "flagged": view.flagged,
    }


def _flag(view: OwnFlagView) -> dict[str, Any]:
    return {
        "id": view.id,
        "access_log_id": view.access_log_id,
        "status": view.status,
        "reason": view.reason,
        "registry": view.registry_code,
        "consumer": view.consumer_code,
        "created_at": view.created_at,
        "provider": {"code": view.provider_code, "name": view.provider_name},
        "outcome": (view.outcome or None) if view.is_closed else None,
        "outcome_label": (view.outcome_label or None) if view.is_closed else None,
        "note": (view.closing_note or None) if view.is_closed else None,
        "closed_at": view.closed_at if view.is_closed else None,
    }


# --- Operations: consent ------------------------------------------------------------------------


@consent_router.get(
    "",
    response={200: ConsentList, **error_responses(401, 403)},
    summary="The consents I have given, newest first",
)
def list_my_consents(request: HttpRequest) -> dict[str, Any]:
    return {"items": [_consent(c) for c in selectors.consents_for(actor=actor_of(request))]}


@consent_router.post(
    "",
    response={201: ConsentOut, **error_responses(400, 401, 403, 413, 422)},
    summary="Let a department read chosen data about me, for one purpose, until a date",
)
def grant_my_consent(request: HttpRequest, payload: ConsentIn) -> Status[dict[str, Any]]:
    try:
        with invalid_as_422():
            given = services.grant_consent(
                actor=actor_of(request),
                consumer=payload.consumer,
                registry=payload.registry,
                purpose=payload.purpose,
                fields=payload.fields,
                expires_at=payload.expires_at,
            )
    except PermissionDenied:
        raise forbidden(_("Only a person with a citizen ID number can give consent.")) from None
    return Status(201, _consent(given))


@consent_router.post(
    "/{consent_id}/revoke",
    response={200: ConsentOut, **error_responses(401, 403, 404, 422)},
    summary="Withdraw a consent; the next read that needed it is refused",
)
def revoke_my_consent(request: HttpRequest, consent_id: int = id_param()) -> dict[str, Any]:
    return _consent(services.revoke_consent(actor=actor_of(request), consent_id=consent_id))


# --- Operations: access log ---------------------------------------------------------------------


@access_log_router.get(
    "",
    response={200: AccessLogPage, **error_responses(401, 403, 404, 422)},
    summary="Who used my data (or my firm's): every read, served or refused, newest first",
)
def list_my_access_log(request: HttpRequest, params: Query[AccessLogQuery]) -> dict[str, Any]:
    actor = actor_of(request)
    limit, offset = params.limit + 1, params.offset
    where = selectors.AccessLogFilter(
        department=params.department or "", since=params.since, until=params.until
    )
    found: list[AccessLogView]
    if params.firm:
        firm = identity.firms_actor_may_act_for(actor).filter(uscc=params.firm).first()
        if firm is None:
            raise Http404
        found = selectors.access_log_for_firm(
            actor=actor, firm=firm, limit=limit, offset=offset, where=where
        )
    else:
        person = identity.person_for(actor)
        if person is None or not person.national_id:
            found = []  # data is read by citizen ID number: without one, nobody read any
        else:
            found = selectors.access_log_for(
                actor=actor, person=person, limit=limit, offset=offset, where=where
            )
    return {
        "items": [_entry(e) for e in found[: params.limit]],
        "next_offset": params.offset + params.limit if len(found) > params.limit else None,
    }


@access_log_router.post(
    "/{entry_id}/flag",
    response={201: FlagOut, **error_responses(400, 401, 403, 404, 413, 422)},
    summary="Flag a read of my data that looks wrong, saying why",
)
def flag_my_access_log_entry(
    request: HttpRequest, payload: FlagIn, entry_id: int = id_param()
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    with invalid_as_422():
        flag = services.flag_access(actor=actor, entry=entry_id, reason=payload.reason)
    raised = selectors.flag_raised_by(actor=actor, flag_id=flag.id)
    assert raised is not None  # the actor has just raised it
    return Status(201, _flag(raised))


@access_log_router.get(
    "/flags",
    response={200: FlagPage, **error_responses(401, 403, 422)},
    summary="The flags I raised, newest first, each with what the department found once closed",
)
def list_my_flags(request: HttpRequest, params: Query[FlagQuery]) -> dict[str, Any]:
    found = selectors.flags_raised_by(
        actor=actor_of(request), limit=params.limit + 1, offset=params.offset
    )
    return {
        "items": [_flag(f) for f in found[: params.limit]],
        "next_offset": params.offset + params.limit if len(found) > params.limit else None,
    }


@access_log_router.get(
    "/flags/{flag_id}",
    response={200: FlagOut, **error_responses(401, 403, 404, 422)},
    summary="One flag I raised, with what the department found once it is closed",
)
def get_my_flag(request: HttpRequest, flag_id: int = id_param()) -> dict[str, Any]:
    found = selectors.flag_raised_by(actor=actor_of(request), flag_id=flag_id)
    if found is None:
        raise Http404
    return _flag(found)
