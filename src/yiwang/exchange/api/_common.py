"""What the exchange's routers share: who may call, path parameters, and turning the
exchange's refusals into the API's one error format.

The exchange's services say "no" in two ways. :class:`~yiwang.core.errors.PermissionDenied`
means "not yours" and the API answers 404, exactly as for something that does not exist.
Django's ``ValidationError`` carries messages per input; :func:`invalid_as_422` turns it into a
422 ``invalid`` whose ``fields`` name the inputs as the caller sent them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path as PathParam
from ninja import Schema
from pydantic import Field

from yiwang.api.auth import CitizenSession, StaffSession, SystemToken
from yiwang.api.errors import ApiError

# The bearer token first: department systems are the busiest callers and their requests carry
# no cookie, so they are authenticated without the session being looked at (or created).
owner_auth = [SystemToken(), StaffSession()]
staff_auth = [StaffSession()]
citizen_auth = [CitizenSession()]

# Database keys are 64-bit; a bigger number in a path is simply not found, never an overflow.
MAX_ID = 2**63 - 1
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"


def id_param() -> Any:
    return PathParam(..., ge=1, le=MAX_ID)


def code_param(description: str) -> Any:
    return PathParam(
        ..., min_length=1, max_length=64, pattern=CODE_PATTERN, description=description
    )


def actor_of(request: HttpRequest) -> Any:
    """The account or department system the credential belongs to."""
    return request.auth  # type: ignore[attr-defined]


class LocalName(Schema):
    zh: str = Field(description="Simplified Chinese")
    en: str = Field(description="English")


class DepartmentRef(Schema):
    code: str
    name: str = Field(description="In the request's language")


class LegalBasisOut(Schema):
    zh: str = Field(description="The legal basis, cited in Chinese")
    en: str = Field(description="The legal basis, cited in English")
    url: str | None = Field(description="Where the text can be read, if known")


def legal_basis(zh: str, en: str, url: str) -> dict[str, Any]:
    return {"zh": zh, "en": en, "url": url or None}


def messages_by_input(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def invalid(fields: Mapping[str, list[str]]) -> ApiError:
    return ApiError(422, "invalid", _("Some of the values sent are not valid; see fields."), fields)


@contextmanager
def invalid_as_422(rename: Callable[[str], str] = str) -> Iterator[None]:
    """Answer a ``ValidationError`` raised inside with 422, each input named by ``rename``."""
    try:
        yield
    except DjangoValidationError as exc:
        fields: dict[str, list[str]] = {}
        for key, messages in messages_by_input(exc).items():
            fields.setdefault(rename(key), []).extend(messages)
        raise invalid(fields) from None


def forbidden(message: str) -> ApiError:
    """Something the caller may see but not do (never for what they may not see: that is 404)."""
    return ApiError(403, "forbidden", message)


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)
