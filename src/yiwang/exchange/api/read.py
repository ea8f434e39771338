"""The governed read: another department's registry data, under a sharing agreement.

``POST /exchange/read`` is the HTTP face of :func:`yiwang.exchange.services.read`, the one way
any department reads registry data it does not own. The exchange decides (deny by default),
masks, records one audit event and one access-log row for the person or firm, and this handler
only translates: served data with its provenance, or a 403 ``denied`` naming the rule that
refused it (``reason``). A refusal is the exchange's answer, not an error of the request, so it
is audited and shown to the person like any served read.

Department systems call it with their bearer token; officials with their back-office session,
naming the department and role they act in (checked against their memberships by the exchange).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from yiwang.api.errors import error_body, error_responses
from yiwang.exchange import selectors, services
from yiwang.exchange.api._common import LegalBasisOut, actor_of, invalid, owner_auth
from yiwang.exchange.constants import SYSTEM_ROLE, Masking, Reason
from yiwang.exchange.types import ExchangeResult, Requester

router = Router(tags=["governed read"], auth=owner_auth)


class ReadIn(Schema):
    registry: str = Field(max_length=64, description="Code of the registry to read from")
    subject: str = Field(
        max_length=64, description="The person's national id (18 characters) or the firm's USCC"
    )
    fields: list[str] = Field(
        max_length=200, description="The registry fields wanted; all must be in one agreement"
    )
    purpose: str = Field(max_length=64, description="Code of the purpose the data is read for")
    case_ref: str | None = Field(
        default=None,
        max_length=64,
        description="The case this read is for (its receipt number); required by agreements "
        "that allow reads only for an open case",
    )
    department: str | None = Field(
        default=None,
        max_length=32,
        description="Officials: the department you act for (required). Systems: leave out.",
    )
    role: str | None = Field(
        default=None,
        max_length=32,
        description="Officials: the role you act in there, e.g. reviewer (required). "
        "Systems: leave out (they act as system).",
    )


class ProvenanceOut(Schema):
    registry: str
    department: str = Field(description="Code of the department that owns the registry")
    record_key: str
    version: int = Field(description="The version of the record that was read")
    updated_at: dt.datetime = Field(description="When that version was made")


class SharedRecordOut(Schema):
    values: dict[str, Any] = Field(description="The fields asked for, masked as agreed")
    masking: dict[str, Masking] = Field(description="How each field was masked")
    provenance: ProvenanceOut


class ReadOut(Schema):
    registry: str
    subject: str = Field(description="The subject's id, normalised")
    purpose: str
    fields: list[str]
    agreement: str = Field(description="Code of the sharing agreement that allowed the read")
    legal_basis: LegalBasisOut
    records: list[SharedRecordOut] = Field(
        description="The subject's records (one for registries with one record per subject)"
    )
    audit_event_id: int | None = Field(description="The audit event that records this read")
    access_log_id: int | None = Field(
        description="The entry the person (or the firm's representatives) sees for this read"
    )


# Reasons a governed read is never refused with: it was allowed, or it was not a governed read
# at all (the registry's own department reading it through the registry API).
NOT_REFUSALS = (Reason.ALLOWED, Reason.REGISTRY_OWNER)


def _requester(actor: Any, payload: ReadIn) -> Requester:
    if selectors.is_department_system(actor):
        # A system may name its department and role, but only its own pass the exchange's check.
        return Requester(
            department=payload.department or actor.department.code,
            role=payload.role or SYSTEM_ROLE,
            system=actor,
        )
    missing = {
        name: [_("Name the department and the role you act in.")]
        for name in ("department", "role")
        if not getattr(payload, name)
    }
    if missing:
        raise invalid(missing)
    return Requester.official(actor, department=str(payload.department), role=str(payload.role))


def _denied(result: ExchangeResult) -> JsonResponse:
    reason = result.reason
    label = str(Reason(reason).label) if reason in Reason.values else reason
    message = label
    if result.agreement:
        message = _("%(reason)s (sharing agreement %(agreement)s).") % {
            "reason": label,
            "agreement": result.agreement,
        }
    body = error_body("denied", message)
    body["error"]["reason"] = reason
    return JsonResponse(body, status=403)


def _served(result: ExchangeResult) -> dict[str, Any]:
    basis = result.legal_basis
    return {
        "registry": result.registry,
        "subject": result.subject,
        "purpose": result.purpose,
        "fields": list(result.fields),
        "agreement": result.agreement,
        "legal_basis": {
            "zh": basis.citation_zh if basis else "",
            "en": basis.citation_en if basis else "",
            "url": (basis.url or None) if basis else None,
        },
        "records": [
            {
                "values": dict(r.values),
                "masking": dict(r.masking),
                "provenance": {
                    "registry": r.provenance.registry,
                    "department": r.provenance.department,
                    "record_key": r.provenance.record_key,
                    "version": r.provenance.version,
                    "updated_at": r.provenance.updated_at,
                },
            }
            for r in result.records
        ],
        "audit_event_id": result.audit_event_id,
        "access_log_id": result.access_log_id,
    }


@router.post(
    "/read",
    response={200: ReadOut, **error_responses(400, 401, 403, 413, 422)},
    summary="Read another department's registry data under a sharing agreement (audited)",
    description=(
        "Allowed: the fields asked for, masked as the agreement says, with their provenance. "
        'Refused: 403 with `{"error": {"code": "denied", "reason": "<reason>", "message"}}`, '
        "`reason` being one of: "
        + ", ".join(f"`{r}`" for r in Reason.values if r not in NOT_REFUSALS)
        + ". Every call, served or refused, is audited and shown to the person."
    ),
)
def governed_read(request: HttpRequest, payload: ReadIn) -> Any:
    result = services.read(
        requester=_requester(actor_of(request), payload),
        registry=payload.registry,
        subject=payload.subject,
        fields=payload.fields,
        purpose=payload.purpose,
        case_ref=payload.case_ref,
    )
    if not result.allowed:
        return _denied(result)
    return _served(result)
