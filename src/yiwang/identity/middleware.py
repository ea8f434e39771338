"""Ends sessions that have lived too long or no longer match the account behind them."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from yiwang.core import clock
from yiwang.identity.access import LOGIN_AT_SESSION_KEY, REALM_SESSION_KEY
from yiwang.identity.backends import realm_of

LOGOUT_REASON_ATTR = "yiwang_logout_reason"


class SessionLimitsMiddleware:
    """Enforces the absolute session lifetime and the realm stamp set at login.

    The idle timeout is Django's own (``SESSION_COOKIE_AGE`` pushed forward on every request);
    this adds a hard limit counted from the login, so that a session kept busy (or a stolen
    cookie kept warm) still ends. Must run after ``AuthenticationMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = self.reason_to_end(request)
            if reason is not None:
                end_session(request, reason)
        return self.get_response(request)

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
