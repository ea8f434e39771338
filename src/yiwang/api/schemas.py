"""Schemas every part of the API shares."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field


class LocalText(Schema):
    """A text in both of the platform's languages; show the one your reader uses."""

    zh: str = Field(description="Simplified Chinese")
    en: str = Field(description="English")


def local_text(value: Mapping[str, Any] | None) -> dict[str, str]:
    value = value or {}
    return {"zh": str(value.get("zh", "")), "en": str(value.get("en", ""))}


def _as_utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        # Validation runs inside the request, so the message is in the request's language.
        raise ValueError(
            _("This moment is too far in the past or future to be stored: check the year.")
        ) from exc


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)\s*")


def _text_only(message: Callable[[], str]) -> Any:
    """Refuse a number before pydantic reads a date or a moment: it would take ``0``, ``-1`` or
    ``0.5`` (sent as JSON or in a query string) as seconds since 1970, which is neither what the
    documentation says the API takes nor what a caller who sends one means."""

    def check(value: Any) -> Any:
        if isinstance(value, bool | int | float) or (
            isinstance(value, str) and _NUMBER.fullmatch(value)
        ):
            raise ValueError(message())
        return value

    return BeforeValidator(check)


#: A day written as ISO 8601 text (``2026-11-27``), never a number of seconds.
Day = Annotated[dt.date, _text_only(lambda: _("Enter a date as YYYY-MM-DD."))]

#: A moment given with its offset (ISO 8601), taken as the same moment in UTC: any offset the
#: standard allows is accepted, including ones the database could not store as written; a
#: number of seconds is not.
Moment = Annotated[
    AwareDatetime,
    _text_only(lambda: _("Enter a date and time as YYYY-MM-DDTHH:MM:SS with a time zone offset.")),
    AfterValidator(_as_utc),
]
