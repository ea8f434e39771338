"""Who may open which page: the citizen portal and the back office never share a session.

Every login stamps the session with the realm it was started in (portal or back office) and the
time it started. Pages declare their realm with :func:`citizen_required` or
:func:`staff_required` (or the mixins); a session from the other realm is refused even when the
account behind it is active, so a clerk can never browse the portal as someone else and a citizen
can never reach a back-office page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from yiwang.identity import selectors
from yiwang.identity.backends import realm_of
from yiwang.identity.constants import Realm

REALM_SESSION_KEY = "yiwang_realm"
LOGIN_AT_SESSION_KEY = "yiwang_login_at"
# When the session's idle expiry was last pushed forward (epoch seconds).
REFRESHED_AT_SESSION_KEY = "yiwang_refreshed_at"

BASE_TEMPLATES = {Realm.PORTAL: "portal/base.html", Realm.BACKOFFICE: "backoffice/base.html"}

View = Callable[..., HttpResponse]


def session_realm(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return session.get(REALM_SESSION_KEY) if session is not None else None


def in_realm(request: HttpRequest, realm: Realm) -> bool:
    """Whether the request carries a live login that belongs to ``realm``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return session_realm(request) == realm and realm_of(user) == realm


def wrong_realm_response(request: HttpRequest, page_realm: Realm) -> HttpResponse:
    """403 page telling someone logged in elsewhere to log out first; reveals nothing else."""
    context = {
        "base_template": BASE_TEMPLATES[page_realm],
        "page_realm": page_realm,
        "logout_url": reverse(f"{page_realm}:logout"),
    }
    return render(request, "identity/wrong_realm.html", context, status=403)


def session_ended_response(request: HttpRequest, realm: Realm) -> HttpResponse | None:
    """A form sent after its login ended (idle too long, or logged out in another tab): what
    it sent is kept on the page, to send again once logged in, instead of being dropped on the
    way to the login page. None when the request sent nothing."""
    from yiwang.core.kept_post import kept_post

    kept = kept_post(request)
    if kept is None:
        return None
    context = {
        "base_template": BASE_TEMPLATES[realm],
        "kept": kept,
        "login_url": reverse(f"{realm}:login"),
    }
    return render(request, "identity/session_ended.html", context, status=403)


def _check(request: HttpRequest, realm: Realm) -> HttpResponse | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        ended = session_ended_response(request, realm)
        if ended is not None:
            return ended
        return redirect_to_login(request.get_full_path(), reverse(f"{realm}:login"))
    if not in_realm(request, realm):
        return wrong_realm_response(request, realm)
    return None


def citizen_required(view: View) -> View:
    """Only a citizen session started at the portal login may open this view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _check(request, Realm.PORTAL)
        return refusal if refusal is not None else view(request, *args, **kwargs)

    return wrapper


def staff_required(view: View | None = None, *, roles: Iterable[str] | None = None) -> Any:
    """Only a staff session started at the back-office login may open this view.

    With ``roles``, the account must also hold at least one of them in some department; the
    view still has to scope its data to the departments in question through selectors.
    Usable bare (``@staff_required``) or with arguments (``@staff_required(roles=[...])``).
    """
    wanted = frozenset(roles or ())

    def decorate(func: View) -> View:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refusal = _check(request, Realm.BACKOFFICE)
            if refusal is not None:
                return refusal
            if wanted and not (selectors.staff_roles(request.user) & wanted):
                raise PermissionDenied
            return func(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


class CitizenRequiredMixin:
    """Class-based-view form of :func:`citizen_required`."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _check(request, Realm.PORTAL)
        if refusal is not None:
            return refusal
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class StaffRequiredMixin:
    """Class-based-view form of :func:`staff_required`; set ``required_roles`` to narrow."""

    required_roles: Iterable[str] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = _check(request, Realm.BACKOFFICE)
        if refusal is not None:
            return refusal
        wanted = frozenset(self.required_roles)
        if wanted and not (selectors.staff_roles(request.user) & wanted):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
