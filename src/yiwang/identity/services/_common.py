"""Helpers shared by the identity writes: the audit event, the platform check, passwords."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password

from yiwang.core.errors import PermissionDenied
from yiwang.identity import selectors
from yiwang.identity.models import Account


def record(**kwargs: Any) -> Any:
    """Write an audit event (inside the caller's transaction) and return it."""
    from yiwang.audit.services import record_event

    return record_event(**kwargs)


def require_platform(actor: Any) -> None:
    if not (selectors.is_platform_admin(actor) or selectors.is_system_actor(actor)):
        raise PermissionDenied("only a platform admin may do this")


def check_new_password(password: str | None, account: Account) -> None:
    if password is not None:
        validate_password(password, user=account)


def store_password(account: Account, password: str | None) -> None:
    """Set the account's password (the caller saves it), or make it unusable with ``None``."""
    if password is None:
        account.set_unusable_password()
    else:
        account.set_password(password)
