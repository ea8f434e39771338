"""The registry API: a department's own systems keep its hosted registry (基础库) up to date.

Shaped after the GovStack Digital Registries building block — one API per registry and version,
``/registries/{registry}/v1/records`` — for the department that owns the registry: its systems
(bearer token) and its data officers (back-office session). Every write is checked against the
registry's data elements, needs a reason and makes a new version; nothing is ever deleted.

Anybody else — another department's system or officer — gets 404 for the registry and for every
record in it, exactly as if neither existed. Other departments read registry data only through
the governed read (``POST /exchange/read``).

Every read here is a read of personal data: the services audit it and put it in the access log
of each person or firm returned (see :mod:`yiwang.exchange.services.own_records`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest
from ninja import Path as PathParam
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiwang.api.errors import error_responses
from yiwang.api.schemas import Moment
from yiwang.exchange import selectors, services
from yiwang.exchange.api._common import (
    actor_of,
    code_param,
    conflict,
    invalid,
    messages_by_input,
    owner_auth,
)
from yiwang.exchange.constants import RecordStatus
from yiwang.exchange.types import RecordVersionView, RecordView

router = Router(tags=["registry records"], auth=owner_auth)

REGISTRY = "Code of the registry (one of your department's)"


def registry_param() -> Any:
    return code_param(REGISTRY)


def key_param() -> Any:
    return PathParam(
        ...,
        min_length=1,
        max_length=128,
        description="The record's key: the subject's id for one-record-per-subject registries",
    )


# --- Schemas ------------------------------------------------------------------------------------


class RecordOut(Schema):
    registry: str
    record_key: str
    subject_key: str = Field(description="The person's national id or the firm's USCC")
    version: int = Field(description="1 when created; one more at every change")
    status: RecordStatus
    values: dict[str, Any] = Field(description="Field name -> value, as the elements define")
    updated_at: dt.datetime


class RecordCreateIn(Schema):
    values: dict[str, Any] = Field(
        description="Field name -> value. Dates as YYYY-MM-DD, decimals as strings, date-times "
        "in ISO 8601 with an offset. The subject and key fields are required."
    )
    reason: str = Field(
        min_length=1, max_length=2000, description="Why the record is created (kept in history)"
    )


class RecordUpdateIn(Schema):
    values: dict[str, Any] = Field(
        description='The fields to change; fields not sent keep their values, null or "" '
        "clears one. The key and the subject cannot change."
    )
    reason: str = Field(
        min_length=1, max_length=2000, description="Why the record is changed (kept in history)"
    )


class RecordExistsOut(Schema):
    exists: bool = Field(description="Whether the registry holds a record with this key")
    status: RecordStatus | None = Field(description="active or retired; null when none")


class RecordPage(Schema):
    items: list[RecordOut]
    next_after: str | None = Field(
        description="Pass as after for the next page; null on the last page"
    )


class RecordQuery(Schema):
    after: str = Field(
        default="", max_length=128, description="Only records whose key sorts after this one"
    )
    limit: int = Field(default=100, ge=1, le=500)
    updated_since: Moment | None = Field(
        default=None,
        description="Only records changed at or after this moment (ISO 8601 with an offset)",
    )
    include_retired: bool = Field(default=False, description="Also list retired records")


class VersionOut(Schema):
    version: int
    values: dict[str, Any]
    status: RecordStatus
    changed_by: str = Field(description="The officer or system that made this version")
    reason: str
    created_at: dt.datetime


class HistoryOut(Schema):
    registry: str
    record_key: str
    versions: list[VersionOut] = Field(description="Oldest first")


# --- Rendering and errors -----------------------------------------------------------------------


def _record(view: RecordView) -> dict[str, Any]:
    return {
        "registry": view.registry,
        "record_key": view.record_key,
        "subject_key": view.subject_key,
        "version": view.version,
        "status": view.status,
        "values": dict(view.values),
        "updated_at": view.updated_at,
    }


def _version(view: RecordVersionView) -> dict[str, Any]:
    return {
        "version": view.version,
        "values": dict(view.values),
        "status": view.status,
        "changed_by": view.changed_by,
        "reason": view.reason,
        "created_at": view.created_at,
    }


@contextmanager
def _write_errors(
    actor: Any, registry: str, record_key: str | None = None, sent: Iterable[str] = ()
) -> Iterator[None]:
    """The record services' refusals, as the API answers them.

    No such registry (or one kept outside yiwang) and no such record are 404; a retired record
    cannot change (409); wrong values are 422, each named ``values.<field>`` as sent — the
    registry's fields and, for a field it does not have, the name that was ``sent``.
    """
    sent = set(sent)
    try:
        yield
    except DjangoValidationError as exc:
        found = messages_by_input(exc)
        if "registry" in found:
            raise Http404 from None
        if record_key is not None and "record_key" in found:
            held = selectors.read_record(actor=actor, registry=registry, record_key=record_key)
            if held is None:
                raise Http404 from None
            raise conflict(" ".join(found["record_key"])) from None
        info = selectors.registry_info(registry)
        names = info.fields if info is not None else {}
        raise invalid(
            {
                (f"values.{name}" if name in names or name in sent else name): msgs
                for name, msgs in found.items()
            }
        ) from None


# --- Operations ---------------------------------------------------------------------------------


@router.post(
    "/{registry}/v1/records",
    response={201: RecordOut, **error_responses(400, 401, 403, 404, 413, 422)},
    summary="Create a record in your department's registry",
)
def create_registry_record(
    request: HttpRequest, payload: RecordCreateIn, registry: str = registry_param()
) -> Status[dict[str, Any]]:
    actor = actor_of(request)
    with _write_errors(actor, registry, sent=payload.values):
        created = services.create_record(
            actor=actor, registry=registry, values=payload.values, reason=payload.reason
        )
    return Status(201, _record(created))


@router.get(
    "/{registry}/v1/records",
    response={200: RecordPage, **error_responses(401, 403, 404, 422)},
    summary="List the registry's records in key order, a page at a time",
)
def list_registry_records(
    request: HttpRequest, params: Query[RecordQuery], registry: str = registry_param()
) -> dict[str, Any]:
    page = services.list_own_records(
        actor=actor_of(request),
        registry=registry,
        after=params.after,
        limit=params.limit,
        include_retired=params.include_retired,
        updated_since=params.updated_since,
    )
    return {"items": [_record(r) for r in page.items], "next_after": page.next_after}


@router.get(
    "/{registry}/v1/records/{key}",
    response={200: RecordOut, **error_responses(401, 403, 404, 422)},
    summary="Read one record of your department's registry",
)
def read_registry_record(
    request: HttpRequest, registry: str = registry_param(), key: str = key_param()
) -> dict[str, Any]:
    found = services.read_own_record(actor=actor_of(request), registry=registry, record_key=key)
    if found is None:
        raise Http404
    return _record(found)


@router.put(
    "/{registry}/v1/records/{key}",
    response={200: RecordOut, **error_responses(400, 401, 403, 404, 409, 413, 422)},
    summary="Change fields of a record, saying why; the result is a new version",
)
def update_registry_record(
    request: HttpRequest,
    payload: RecordUpdateIn,
    registry: str = registry_param(),
    key: str = key_param(),
) -> dict[str, Any]:
    actor = actor_of(request)
    with _write_errors(actor, registry, key, sent=payload.values):
        updated = services.update_record(
            actor=actor,
            registry=registry,
            record_key=key,
            changes=payload.values,
            reason=payload.reason,
        )
    return _record(updated)


@router.get(
    "/{registry}/v1/records/{key}/exists",
    response={200: RecordExistsOut, **error_responses(401, 403, 404, 422)},
    summary="Whether the registry holds a record with this key",
)
def registry_record_exists(
    request: HttpRequest, registry: str = registry_param(), key: str = key_param()
) -> dict[str, Any]:
    found = services.check_own_record(actor=actor_of(request), registry=registry, record_key=key)
    return {"exists": found is not None, "status": found.status if found else None}


@router.get(
    "/{registry}/v1/records/{key}/history",
    response={200: HistoryOut, **error_responses(401, 403, 404, 422)},
    summary="Every version of a record, with who changed it and why",
)
def registry_record_history(
    request: HttpRequest, registry: str = registry_param(), key: str = key_param()
) -> dict[str, Any]:
    versions = services.read_own_record_history(
        actor=actor_of(request), registry=registry, record_key=key
    )
    if not versions:
        raise Http404
    return {"registry": registry, "record_key": key, "versions": [_version(v) for v in versions]}
