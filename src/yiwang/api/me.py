"""``GET /api/v1/me``: who the API thinks the caller is.

The smallest authenticated call there is, which is why it doubles as the baseline when the cost
of other calls is measured: authentication and the error format, nothing else.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from yiwang.api.auth import anyone_auth, principal
from yiwang.api.errors import error_responses
from yiwang.exchange import selectors as exchange
from yiwang.identity import selectors as identity

router = Router(tags=["me"])


class FirmRef(Schema):
    uscc: str = Field(description="统一社会信用代码")
    name: str


class Membership(Schema):
    department: str = Field(description="Department code")
    department_name: str
    role: str


class Me(Schema):
    kind: Literal["citizen", "staff", "system"]
    name: str = Field(description="Display name of the account, or the system's name")
    username: str | None = Field(description="Log-in name; null for a department system")
    firms: list[FirmRef] = Field(description="Firms a citizen may act for today")
    memberships: list[Membership] = Field(
        description="A clerk's roles by department; for a system, its department"
    )


def _describe(principal: Any) -> dict[str, Any]:
    if exchange.is_department_system(principal):
        return {
            "kind": "system",
            "name": principal.name,
            "username": None,
            "firms": [],
            "memberships": [
                {
                    "department": principal.department.code,
                    "department_name": principal.department.name,
                    "role": "system",
                }
            ],
        }
    if principal.is_staff_member:
        return {
            "kind": "staff",
            "name": str(principal),
            "username": principal.username,
            "firms": [],
            "memberships": [
                {
                    "department": m.department.code,
                    "department_name": m.department.name,
                    "role": m.role,
                }
                for m in identity.memberships_of(principal)
            ],
        }
    return {
        "kind": "citizen",
        "name": str(principal),
        "username": principal.username,
        "firms": [
            {"uscc": f.uscc, "name": f.name} for f in identity.firms_actor_may_act_for(principal)
        ],
        "memberships": [],
    }


@router.get(
    "/me",
    response={200: Me, **error_responses(401, 403)},
    auth=anyone_auth,
    summary="Who am I: the account or department system behind the credential",
)
def me(request: HttpRequest) -> dict[str, Any]:
    return _describe(principal(request))
