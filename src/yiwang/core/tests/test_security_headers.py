"""Every page says what it may load; cookies end with the browser and are never read by scripts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client


def test_every_page_carries_the_content_security_policy(client: Client, db: Any) -> None:
    for path in ("/", "/login/", "/backoffice/login/", "/services/"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert policy == settings.YIWANG_CONTENT_SECURITY_POLICY, path
        assert "script-src" not in policy and "'unsafe-inline'" not in policy
        assert "frame-ancestors 'none'" in policy


def test_a_view_with_a_stricter_policy_keeps_it(rf: Any) -> None:
    from django.http import HttpResponse

    from yiwang.core.middleware import ContentSecurityPolicyMiddleware

    def view(request: Any) -> HttpResponse:
        response = HttpResponse(b"file")
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/file"))
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_session_and_language_cookies(client: Client, db: Any) -> None:
    from yiwang.identity.tests.factories import CitizenFactory

    citizen = CitizenFactory(password="a long enough password 2026")
    response = client.post(
        "/login/", {"username": citizen.username, "password": "a long enough password 2026"}
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    # No expiry: the session cookie goes when the browser closes (the server's limits still hold).
    assert not session["expires"] and not session["max-age"]
    assert session["httponly"]
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    language = switched.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert language["httponly"] and language["samesite"] == "Lax"
