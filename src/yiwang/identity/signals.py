"""Audit every login, failed login, lockout and logout, and stamp new sessions with their realm."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from yiwang.core import clock
from yiwang.identity.access import (
    LOGIN_AT_SESSION_KEY,
    REALM_SESSION_KEY,
    REFRESHED_AT_SESSION_KEY,
)
from yiwang.identity.backends import realm_of
from yiwang.identity.constants import PASSWORD_CHANGE_CHECK
from yiwang.identity.middleware import LOGOUT_REASON_ATTR


def _record(**kwargs: Any) -> None:
    from yiwang.audit.services import record_event

    with transaction.atomic():
        record_event(**kwargs)


def _anonymous(request: HttpRequest | None) -> Any:
    from yiwang.audit import actors

    return actors.anonymous(request)


@receiver(user_logged_in, dispatch_uid="yiwang.identity.logged_in")
def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    realm = realm_of(user)
    if request is not None and hasattr(request, "session"):
        # Django has already given the session a new key; these stamps ride along with it.
        request.session[REALM_SESSION_KEY] = str(realm) if realm else None
        now = int(clock.now().timestamp())
        request.session[LOGIN_AT_SESSION_KEY] = now
        request.session[REFRESHED_AT_SESSION_KEY] = now
    _record(
        actor=user, action="identity.login", obj=user, data={"realm": str(realm) if realm else None}
    )


@receiver(user_login_failed, dispatch_uid="yiwang.identity.login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if credentials.get("purpose") == PASSWORD_CHANGE_CHECK:
        return  # a wrong current password: audited by services.change_password, not as a log-in
    # Only the user name and the realm: the password (already masked by Django) is never kept.
    realm = credentials.get("realm")
    _record(
        actor=_anonymous(request),
        action="identity.login_failed",
        data={
            "username": str(credentials.get("username") or "")[:150],
            "realm": str(realm) if realm else None,
        },
    )


@receiver(user_locked_out, dispatch_uid="yiwang.identity.locked_out")
def on_locked_out(
    sender: Any,
    request: HttpRequest | None,
    username: str | None,
    ip_address: str | None,
    **kwargs: Any,
) -> None:
    from yiwang.identity.lockout import ADDRESS_LOCK_ATTR

    by_address = request is not None and getattr(request, ADDRESS_LOCK_ATTR, False)
    _record(
        actor=_anonymous(request),
        action="identity.lockout",
        data={
            "username": str(username or "")[:150],
            "ip_address": ip_address,
            "lock": "address" if by_address else "username",
        },
    )


@receiver(user_logged_out, dispatch_uid="yiwang.identity.logged_out")
def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:
        return  # an anonymous visitor pressed "log out": nothing happened
    reason = getattr(request, LOGOUT_REASON_ATTR, "user") if request is not None else "user"
    action = "identity.logout" if reason == "user" else "identity.session_ended"
    _record(actor=user, action=action, obj=user, data={"reason": reason})
