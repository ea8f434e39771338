"""Schemas every part of the API shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, Field


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


#: A moment given with its offset (ISO 8601), taken as the same moment in UTC: any offset the
#: standard allows is accepted, including ones the database could not store as written.
Moment = Annotated[AwareDatetime, AfterValidator(_as_utc)]
