"""What the exchange pages share: picking the reader's language, the officer's departments."""

from __future__ import annotations

from typing import Any

from yiwang.core.language import is_english
from yiwang.identity import selectors as identity
from yiwang.identity.constants import Role


def pick(zh: str, en: str) -> str:
    return en if is_english() and en else zh


def officer_departments(actor: Any) -> list[Any]:
    return [m.department for m in identity.memberships_of(actor).filter(role=Role.DATA_OFFICER)]
