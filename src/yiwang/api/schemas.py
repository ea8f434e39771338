"""Schemas every part of the API shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ninja import Schema
from pydantic import Field


class LocalText(Schema):
    """A text in both of the platform's languages; show the one your reader uses."""

    zh: str = Field(description="Simplified Chinese")
    en: str = Field(description="English")


def local_text(value: Mapping[str, Any] | None) -> dict[str, str]:
    value = value or {}
    return {"zh": str(value.get("zh", "")), "en": str(value.get("en", ""))}
