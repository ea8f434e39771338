"""Actors that are not accounts: the platform itself and people who are not logged in.

Accounts (``identity.Account``) are passed to :func:`yiwang.audit.services.record_event` as they
are; these value objects cover everything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yiwang.core.client_address import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest

_SYSTEM_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Actor:
    """Who did something, as the audit log records it."""

    type: str  # one of constants.ActorType
    id: str
    label: str
    department: str = ""
    role: str = ""

    def __str__(self) -> str:
        return f"{self.type}:{self.id}" if self.id else self.type


SYSTEM = Actor(type="system", id="platform", label="yiwang platform")


def system_actor(name: str) -> Actor:
    """A named part of the platform acting on its own, e.g. ``system_actor("scheduler")``."""
    if not _SYSTEM_NAME.match(name):
        raise ValueError(
            f"system actor name {name!r} must be lower case letters, digits, '_', '.' or '-'"
        )
    return Actor(type="system", id=name, label=f"yiwang {name}")


def anonymous(request: HttpRequest | None = None) -> Actor:
    """Someone not logged in. The network address is kept: it is what an investigation needs."""
    address = ""
    if request is not None:
        address = (client_ip(request) or "")[:64]
    return Actor(type="anonymous", id=address, label="anonymous")
