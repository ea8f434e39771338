"""What the exchange pages share: the officer's departments."""

from __future__ import annotations

from typing import Any

from yiwang.identity import selectors as identity
from yiwang.identity.constants import Role


def officer_departments(actor: Any) -> list[Any]:
    return [m.department for m in identity.memberships_of(actor).filter(role=Role.DATA_OFFICER)]
