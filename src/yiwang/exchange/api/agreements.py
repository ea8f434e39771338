"""Sharing agreements (共享协议) over HTTP, for the departments in them.

Staff see the agreements in which one of their departments is the consumer or the provider, and
no others: anything else answers 404. Who may do what follows the exchange's rules
(``docs/exchange.md``): the consumer's data officer requests; the provider's approves, rejects,
suspends and resumes; either side may revoke. Trying a step one may not take on an agreement
one sees answers 403 ``forbidden``; a step the agreement's state does not allow answers 409
``conflict``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from yiwang.api.errors import error_responses
from yiwang.api.schemas import Day
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import selectors, services
from yiwang.exchange.api._common import (
    CODE_PATTERN,
    DepartmentRef,
    LegalBasisOut,
    LocalName,
    actor_of,
    code_param,
    conflict,
    forbidden,
    invalid,
    invalid_as_422,
    messages_by_input,
    staff_auth,
)
from yiwang.exchange.constants import AgreementStatus, Masking, SharingClass
from yiwang.exchange.types import AgreementTerms, LegalBasis

router = Router(tags=["agreements"], auth=staff_auth)

Code = Field(min_length=1, max_length=64, pattern=CODE_PATTERN)
_INDEX = re.compile(r"\[(\d+)\]")


def agreement_param() -> Any:
    return code_param("Code of the sharing agreement")


# --- Schemas ------------------------------------------------------------------------------------


class LegalBasisIn(Schema):
    zh: str = Field(min_length=1, max_length=2000, description="The legal basis, in Chinese")
    en: str = Field(min_length=1, max_length=2000, description="The legal basis, in English")
    url: str | None = Field(default=None, max_length=500, description="An http(s) address")


class ConditionsIn(Schema):
    requires_consent: bool = Field(default=False, description="The person must consent")
    requires_open_case: bool = Field(
        default=False, description="Only for an open case of that person or firm"
    )
    roles: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Only officials in these roles (system: department systems) may read",
    )


class ConditionsOut(Schema):
    requires_consent: bool
    requires_open_case: bool
    roles: list[str]


class AgreementIn(Schema):
    """The terms, as in an agreements file (see docs/exchange.md)."""

    code: str = Code
    name: LocalName
    consumer: str = Field(
        min_length=1, max_length=32, description="Your department (you must be its data officer)"
    )
    registry: str = Code
    fields: list[str] = Field(min_length=1, max_length=200)
    purposes: list[str] = Field(min_length=1, max_length=50)
    legal_basis: LegalBasisIn
    sharing_class: SharingClass
    conditions: ConditionsIn = Field(default_factory=ConditionsIn)
    masking: dict[str, Masking] = Field(default_factory=dict, description="Field -> masking")
    official_identity_restricted: bool = Field(
        default=False, description="The person sees the official's role, not their name"
    )
    valid_from: Day
    valid_until: Day | None = None


class AgreementOut(Schema):
    code: str
    name: LocalName
    consumer: DepartmentRef = Field(description="The department that reads")
    provider: DepartmentRef = Field(description="The department that owns the registry")
    registry: str
    fields: list[str]
    purposes: list[str]
    legal_basis: LegalBasisOut
    sharing_class: SharingClass
    conditions: ConditionsOut
    masking: dict[str, Masking]
    official_identity_restricted: bool
    valid_from: dt.date
    valid_until: dt.date | None
    state: str = Field(description="requested, approved, rejected, suspended or revoked")
    status: AgreementStatus = Field(description="What the agreement means today")
    state_note: str = Field(description="Why it was last changed, as the officer wrote")
    state_changed_at: dt.datetime | None
    approved_at: dt.datetime | None


class AgreementList(Schema):
    items: list[AgreementOut]


class NoteIn(Schema):
    note: str = Field(default="", max_length=2000, description="Why (kept with the agreement)")


class ReasonedNoteIn(Schema):
    note: str = Field(min_length=1, max_length=2000, description="Why (required)")


# --- Rendering ----------------------------------------------------------------------------------


def _department(department: Any) -> dict[str, str]:
    return {"code": department.code, "name": department.name}


def _agreement(agreement: Any) -> dict[str, Any]:
    return {
        "code": agreement.code,
        "name": {"zh": agreement.name_zh, "en": agreement.name_en},
        "consumer": _department(agreement.consumer),
        "provider": _department(agreement.registry.department),
        "registry": agreement.registry.code,
        "fields": list(agreement.fields),
        "purposes": sorted(p.code for p in agreement.purposes.all()),
        "legal_basis": {
            "zh": agreement.legal_basis_zh,
            "en": agreement.legal_basis_en,
            "url": agreement.legal_basis_url or None,
        },
        "sharing_class": agreement.sharing_class,
        "conditions": {
            "requires_consent": agreement.requires_consent,
            "requires_open_case": agreement.requires_open_case,
            "roles": list(agreement.roles or ()),
        },
        "masking": dict(agreement.masking or {}),
        "official_identity_restricted": agreement.official_identity_restricted,
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
        "state": agreement.state,
        "status": selectors.agreement_status(agreement),
        "state_note": agreement.state_note,
        "state_changed_at": agreement.state_changed_at,
        "approved_at": agreement.approved_at,
    }


def _terms(payload: AgreementIn) -> AgreementTerms:
    return AgreementTerms(
        code=payload.code,
        name_zh=payload.name.zh,
        name_en=payload.name.en,
        consumer=payload.consumer,
        registry=payload.registry,
        fields=tuple(payload.fields),
        purposes=tuple(payload.purposes),
        legal_basis=LegalBasis(
            payload.legal_basis.zh, payload.legal_basis.en, payload.legal_basis.url or ""
        ),
        sharing_class=payload.sharing_class.value,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        requires_consent=payload.conditions.requires_consent,
        requires_open_case=payload.conditions.requires_open_case,
        roles=tuple(payload.conditions.roles),
        masking={name: str(m) for name, m in payload.masking.items()},
        official_identity_restricted=payload.official_identity_restricted,
    )


def _dotted(path: str) -> str:
    # The exchange names list items as in its files ("conditions.roles[0]"); the API names
    # every input with dots, as its other validation errors do ("conditions.roles.0").
    return _INDEX.sub(r".\1", path)


def _visible(actor: Any, code: str) -> Any:
    """The agreement, if one of the actor's departments is in it; otherwise 404."""
    found = selectors.agreements_for(actor=actor).filter(code=code).first()
    if found is None:
        raise Http404
    return found


@contextmanager
def _step_errors() -> Iterator[None]:
    """A step of the other side is 403; a step the state does not allow is 409."""
    try:
        yield
    except PermissionDenied:
        raise forbidden(_("Your department's side of this agreement may not do this.")) from None
    except DjangoValidationError as exc:
        found = messages_by_input(exc)
        if "agreement" in found:
            raise conflict(" ".join(found["agreement"])) from None
        raise invalid({_dotted(k): v for k, v in found.items()}) from None


def _step(
    request: HttpRequest, code: str, note: str, service: Callable[..., Any]
) -> dict[str, Any]:
    actor = actor_of(request)
    agreement = _visible(actor, code)
    with _step_errors():
        changed = service(actor=actor, agreement=agreement, note=note)
    return _agreement(_visible(actor, changed.code))


# --- Operations ---------------------------------------------------------------------------------


@router.get(
    "",
    response={200: AgreementList, **error_responses(401, 403)},
    summary="Agreements in which your departments read or provide data",
)
def list_agreements(request: HttpRequest) -> dict[str, Any]:
    return {"items": [_agreement(a) for a in selectors.agreements_for(actor=actor_of(request))]}


@router.get(
    "/{code}",
    response={200: AgreementOut, **error_responses(401, 403, 404, 422)},
    summary="One agreement: its terms, state and status today",
)
def get_agreement(request: HttpRequest, code: str = agreement_param()) -> dict[str, Any]:
    return _agreement(_visible(actor_of(request), code))


@router.post(
    "",
    response={201: AgreementOut, **error_responses(400, 401, 403, 413, 422)},
    summary="Ask a provider for data (the consumer department's data officer)",
)
def request_sharing_agreement(request: HttpRequest, payload: AgreementIn) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    try:
        with invalid_as_422(_dotted):
            asked = services.request_agreement(actor=actor, terms=_terms(payload))
    except PermissionDenied:
        raise forbidden(
            _("Only a data officer of the consumer department may ask for an agreement.")
        ) from None
    return Status(201, _agreement(_visible(actor, asked.code)))


@router.post(
    "/{code}/approve",
    response={200: AgreementOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Approve a requested agreement (the provider's data officer)",
)
def approve_sharing_agreement(
    request: HttpRequest, payload: NoteIn, code: str = agreement_param()
) -> dict[str, Any]:
    return _step(request, code, payload.note, services.approve_agreement)


@router.post(
    "/{code}/reject",
    response={200: AgreementOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Reject a requested agreement, saying why (the provider's data officer)",
)
def reject_sharing_agreement(
    request: HttpRequest, payload: ReasonedNoteIn, code: str = agreement_param()
) -> dict[str, Any]:
    return _step(request, code, payload.note, services.reject_agreement)


@router.post(
    "/{code}/suspend",
    response={200: AgreementOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Stop sharing for now, saying why (the provider's data officer)",
)
def suspend_sharing_agreement(
    request: HttpRequest, payload: ReasonedNoteIn, code: str = agreement_param()
) -> dict[str, Any]:
    return _step(request, code, payload.note, services.suspend_agreement)


@router.post(
    "/{code}/resume",
    response={200: AgreementOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Share again after a suspension (the provider's data officer)",
)
def resume_sharing_agreement(
    request: HttpRequest, payload: NoteIn, code: str = agreement_param()
) -> dict[str, Any]:
    return _step(request, code, payload.note, services.resume_agreement)


@router.post(
    "/{code}/revoke",
    response={200: AgreementOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="End an agreement for good, saying why (provider or consumer data officer)",
)
def revoke_sharing_agreement(
    request: HttpRequest, payload: ReasonedNoteIn, code: str = agreement_param()
) -> dict[str, Any]:
    return _step(request, code, payload.note, services.revoke_agreement)
