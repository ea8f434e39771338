"""Department systems and their API tokens, for the department admins (and data officers) who
look after them, in their back-office session.

A token (``ywds_<prefix>_<secret>``) is in the answer that issues it and nowhere else: yiwang
keeps only its SHA-256, so a lost token is replaced (rotate), never shown again. Answers that
carry a token say ``Cache-Control: no-store``. Systems of other departments answer 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from yiwang.api.errors import error_responses
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import selectors, services
from yiwang.exchange.api._common import (
    DepartmentRef,
    actor_of,
    conflict,
    forbidden,
    id_param,
    invalid_as_422,
    staff_auth,
)
from yiwang.exchange.types import IssuedCredential

router = Router(tags=["department systems"], auth=staff_auth)


# --- Schemas ------------------------------------------------------------------------------------


class CredentialOut(Schema):
    prefix: str = Field(description="The token's public part: ywds_<prefix>_...")
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    live: bool


class SystemOut(Schema):
    id: int
    name: str
    department: DepartmentRef
    is_active: bool
    credentials: list[CredentialOut] = Field(description="Oldest first; never the tokens")


class SystemList(Schema):
    items: list[SystemOut]


class SystemIn(Schema):
    department: str = Field(min_length=1, max_length=32, description="Your department's code")
    name: str = Field(min_length=1, max_length=100, description="Unique in the department")


class IssuedOut(Schema):
    system_id: int
    prefix: str
    token: str = Field(
        description="The token, shown this once: send it as Authorization: Bearer <token>"
    )
    created_at: dt.datetime


class RevokeIn(Schema):
    prefix: str | None = Field(
        default=None, max_length=32, description="The token to revoke; leave out to revoke all"
    )


class RevokedOut(Schema):
    revoked: list[str] = Field(description="Prefixes of the tokens revoked")


# --- Rendering ----------------------------------------------------------------------------------


def _system(system: Any) -> dict[str, Any]:
    credentials = sorted(system.credentials.all(), key=lambda c: (c.created_at, c.pk))
    return {
        "id": system.pk,
        "name": system.name,
        "department": {"code": system.department.code, "name": system.department.name},
        "is_active": system.is_active,
        "credentials": [
            {
                "prefix": c.prefix,
                "created_at": c.created_at,
                "revoked_at": c.revoked_at,
                "live": c.revoked_at is None,
            }
            for c in credentials
        ],
    }


def _issued(issued: IssuedCredential, response: HttpResponse) -> Status[dict[str, Any]]:
    response["Cache-Control"] = "no-store"
    return Status(
        201,
        {
            "system_id": issued.system_id,
            "prefix": issued.prefix,
            "token": issued.token,
            "created_at": issued.created_at,
        },
    )


@contextmanager
def _deactivated_is_conflict() -> Iterator[None]:
    try:
        yield
    except DjangoValidationError as exc:
        raise conflict(" ".join(exc.messages)) from None


def _managed(request: HttpRequest, system_id: int) -> Any:
    found = selectors.systems_for(actor=actor_of(request)).filter(pk=system_id).first()
    if found is None:
        raise Http404
    return found


# --- Operations ---------------------------------------------------------------------------------


@router.get(
    "",
    response={200: SystemList, **error_responses(401, 403)},
    summary="Your departments' systems and their tokens (prefixes only)",
)
def list_department_systems(request: HttpRequest) -> dict[str, Any]:
    return {"items": [_system(s) for s in selectors.systems_for(actor=actor_of(request))]}


@router.post(
    "",
    response={201: SystemOut, **error_responses(400, 401, 403, 413, 422)},
    summary="Register a system of your department (then issue it a token)",
)
def register_department_system(request: HttpRequest, payload: SystemIn) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    try:
        with invalid_as_422():
            system = services.register_system(
                actor=actor, department=payload.department, name=payload.name
            )
    except PermissionDenied:
        raise forbidden(
            _("Only the department's admin or data officer may register its systems.")
        ) from None
    return Status(201, _system(_managed(request, system.pk)))


@router.post(
    "/{system_id}/credentials",
    response={201: IssuedOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Issue a new token next to the live ones (for a second instance of the system)",
)
def issue_system_token(
    request: HttpRequest, response: HttpResponse, system_id: int = id_param()
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    system = _managed(request, system_id)
    with _deactivated_is_conflict():
        issued = services.issue_credential(actor=actor, system=system)
    return _issued(issued, response)


@router.post(
    "/{system_id}/credentials/rotate",
    response={201: IssuedOut, **error_responses(401, 403, 404, 409, 422)},
    summary="Replace every live token of the system by one new token; the old ones stop now",
)
def rotate_system_token(
    request: HttpRequest, response: HttpResponse, system_id: int = id_param()
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    system = _managed(request, system_id)
    with _deactivated_is_conflict():
        issued = services.rotate_credential(actor=actor, system=system)
    return _issued(issued, response)


@router.post(
    "/{system_id}/credentials/revoke",
    response={200: RevokedOut, **error_responses(400, 401, 403, 404, 413, 422)},
    summary="Revoke one token (by prefix) or all of them; they stop working at once",
)
def revoke_system_token(
    request: HttpRequest, payload: RevokeIn, system_id: int = id_param()
) -> dict[str, Any]:
    actor = actor_of(request)
    system = _managed(request, system_id)
    with invalid_as_422():
        revoked = services.revoke_credential(actor=actor, system=system, prefix=payload.prefix)
    return {"revoked": revoked}
