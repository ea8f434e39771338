"""Who is calling the API.

Three kinds of caller, each with its own credential:

* a **citizen** (or a firm's representative) in a browser: the portal's session cookie, with
  Django's CSRF token on every request that changes something (``X-CSRFToken`` header);
* a **clerk** in a browser: the back office's session cookie, CSRF likewise;
* a **department system**: ``Authorization: Bearer ywds_...``, a token its department's admin
  issued (:func:`yiwang.exchange.services.authenticate_system`).

A request that sends ``Authorization`` is judged by that credential alone: a wrong or revoked
token is 401 even from a browser that also holds a session, so a client that means to call as
a system never acts, unnoticed, as whoever is logged in.

A session only counts in the realm it was started in (see :mod:`yiwang.identity.access`): a
clerk's session never opens a citizen endpoint and a citizen's never opens a clerk endpoint. The
answer is 401 in both cases, as for nobody at all.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from yiwang.exchange.services import authenticate_system
from yiwang.identity.access import in_realm
from yiwang.identity.constants import Realm


class _RealmSession(APIKeyCookie):
    """The session cookie of one realm, with the CSRF check for cookie-authenticated calls."""

    param_name: str = settings.SESSION_COOKIE_NAME
    realm: Realm

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        # A session of another realm (or none) cannot authenticate here, and a bearer token may
        # still do so: the CSRF check guards this realm's cookie only, so it runs only with one.
        if not key or "authorization" in request.headers or not in_realm(request, self.realm):
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF check Failed")
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if key else None


class CitizenSession(_RealmSession):
    """A session started at the portal's log-in (the ``sessionid`` cookie)."""

    realm = Realm.PORTAL
    openapi_description = (
        "The session cookie of a citizen's portal log-in. Requests that change something also "
        "send the csrftoken cookie's value in the X-CSRFToken header."
    )


class StaffSession(_RealmSession):
    """A session started at the back office's log-in (the ``sessionid`` cookie)."""

    realm = Realm.BACKOFFICE
    openapi_description = (
        "The session cookie of a clerk's back-office log-in. Requests that change something also "
        "send the csrftoken cookie's value in the X-CSRFToken header."
    )


class SystemToken(HttpBearer):
    """A department system's API token."""

    openapi_bearerFormat = "ywds_<prefix>_<secret>"
    openapi_description = (
        "A department system's API token, issued by its department's admin: "
        "Authorization: Bearer ywds_<prefix>_<secret>."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return authenticate_system(token)


citizen_auth = [CitizenSession()]
clerk_auth = [StaffSession(), SystemToken()]
anyone_auth = [CitizenSession(), StaffSession(), SystemToken()]


def principal(request: HttpRequest) -> Any:
    """Who the call is authenticated as: an account, or a department system.

    django-ninja sets ``request.auth`` to what the credential's ``authenticate`` returned.
    """
    return getattr(request, "auth", None)
