"""Ends sessions that have lived too long or no longer match the account behind them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.identity.access import (
    LOGIN_AT_SESSION_KEY,
    REALM_SESSION_KEY,
    REFRESHED_AT_SESSION_KEY,
)
from yiwang.identity.backends import realm_of

LOGOUT_REASON_ATTR = "yiwang_logout_reason"


class SessionLimitsMiddleware:
    """Enforces the absolute session lifetime and the realm stamp set at login.

    The idle timeout is Django's own ``SESSION_COOKIE_AGE``, pushed forward here when a request
    comes and the last push is more than ``YIWANG_SESSION_REFRESH_SECONDS`` old: saving the
    session on every request would add a database write (and a commit) to every read. This also
    adds a hard limit counted from the login, so that a session kept busy (or a stolen cookie
    kept warm) still ends. Must run after ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = self.reason_to_end(request)
            if reason is not None:
                end_session(request, reason)
            else:
                self.keep_alive(request)
        return self.get_response(request)

    @staticmethod
    def keep_alive(request: HttpRequest) -> None:
        session = request.session
        now = clock.now().timestamp()
        refreshed = session.get(REFRESHED_AT_SESSION_KEY)
        interval = settings.YIWANG_SESSION_REFRESH_SECONDS
        if not isinstance(refreshed, int | float) or not 0 <= now - refreshed < interval:
            # Changing the session marks it modified: it is saved with a new expiry date.
            session[REFRESHED_AT_SESSION_KEY] = int(now)

    @staticmethod
    def reason_to_end(request: HttpRequest) -> str | None:
        session = request.session
        if session.get(REALM_SESSION_KEY) != realm_of(request.user):
            return "realm"
        login_at = session.get(LOGIN_AT_SESSION_KEY)
        if not isinstance(login_at, int | float):
            return "expired"  # sessions without a start time cannot prove their age
        if clock.now().timestamp() - login_at > settings.YIWANG_SESSION_MAX_AGE_SECONDS:
            return "expired"
        return None


def end_session(request: HttpRequest, reason: str) -> None:
    """Log the request out, recording why, and tell the person what happened."""
    setattr(request, LOGOUT_REASON_ATTR, reason)
    logout(request)
    if reason == "expired":
        messages.info(
            request,
            _("Your session has ended because it reached its maximum length. Please log in again."),
        )
