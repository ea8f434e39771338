"""Credentials, CSRF, "who am I", and the one error format every failure uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def _csrf_token(client: Client) -> str:
    # Any page with a form sets the cookie; the portal's home page has the language switch.
    client.get("/")
    return client.cookies["csrftoken"].value


def test_a_citizen_session_must_send_the_csrf_token_to_change_anything(
    world: w.World, logged_in: Login
) -> None:
    client = logged_in(w.citizen(), enforce_csrf_checks=True)

    refused = client.post(
        "/api/v1/applications", {"service": "shop-permit"}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    read = client.get("/api/v1/applications")
    accepted = client.post(
        "/api/v1/applications", {"service": "shop-permit"}, content_type="application/json",
        HTTP_X_CSRFTOKEN=_csrf_token(client),
    )  # fmt: skip

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert read.status_code == 200
    assert accepted.status_code == 201


def test_a_bearer_token_needs_no_csrf_token(world: w.World) -> None:
    _system, token = w.department_system(world.licensing)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.post("/api/v1/tasks/1/claim")

    # Not refused for CSRF; the task simply is not there.
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/tasks"])
def test_a_wrong_token_is_refused_even_beside_a_valid_session(
    world: w.World, logged_in: Login, path: str
) -> None:
    clerk = logged_in(
        w.clerk(world.licensing, Role.REVIEWER), HTTP_AUTHORIZATION="Bearer ywds_revoked_secret"
    )

    assert clerk.get(path).status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/applications", "/api/v1/tasks", "/api/v1/tasks/1"]
)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer ywds_nothing_here", "Bearer nonsense", "Basic dXNlcjpwdw=="]
)
def test_without_a_valid_credential_the_answer_is_401(
    world: w.World, path: str, authorization: str | None
) -> None:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = Client().get(path, HTTP_ACCEPT_LANGUAGE="en", **headers)

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "Log in, or send a valid credential for this part of the API.",
        }
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="yiwang"'


def test_me_describes_a_citizen_with_their_firms(world: w.World, logged_in: Login) -> None:
    rep = w.representative()
    firm = rep.person.firms.get()

    body = logged_in(rep).get("/api/v1/me").json()

    assert body["kind"] == "citizen" and body["username"] == rep.username
    assert body["firms"] == [{"uscc": firm.uscc, "name": firm.name}]
    assert body["memberships"] == []


def test_me_describes_a_clerk_with_their_roles(world: w.World, logged_in: Login) -> None:
    clerk = w.clerk(world.licensing, Role.REVIEWER, Role.TEAM_LEAD)

    body = logged_in(clerk).get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["kind"] == "staff"
    assert sorted((m["department"], m["role"]) for m in body["memberships"]) == [
        ("bo-licensing", "reviewer"),
        ("bo-licensing", "team_lead"),
    ]
    assert body["memberships"][0]["department_name"] == "Demo City Licensing Office"


def test_me_describes_a_department_system(world: w.World, bearer: Any) -> None:
    _system, token = w.department_system(world.streets, name="streets-case-system")

    body = bearer(token).get("/api/v1/me").json()

    assert body["kind"] == "system" and body["name"] == "streets-case-system"
    assert body["username"] is None
    assert [m["department"] for m in body["memberships"]] == ["bo-streets"]


def test_a_session_from_the_portal_is_not_a_clerk_credential_and_vice_versa(
    world: w.World, logged_in: Login
) -> None:
    citizen = logged_in(w.citizen())
    clerk = logged_in(w.clerk(world.licensing))

    assert citizen.get("/api/v1/tasks").status_code == 401
    assert clerk.get("/api/v1/applications").status_code == 401
    assert (
        clerk.post(
            "/api/v1/applications", {"service": "shop-permit"}, content_type="application/json"
        ).status_code
        == 401
    )


def test_messages_follow_the_requests_language(world: w.World) -> None:
    chinese = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    english = Client().get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en").json()

    assert chinese["error"]["code"] == english["error"]["code"] == "unauthenticated"
    assert chinese["error"]["message"] != english["error"]["message"]


def test_malformed_json_is_a_validation_error(world: w.World, logged_in: Login) -> None:
    response = logged_in(w.citizen()).post(
        "/api/v1/applications", "{not json", content_type="application/json"
    )

    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] in ("bad_request", "invalid")


def test_unknown_addresses_and_methods_answer_in_the_error_format(world: w.World) -> None:
    nowhere = Client().get("/api/v1/no-such-endpoint")
    old_version = Client().get("/api/v0/me")
    wrong_method = Client().delete("/api/v1/catalogue/services")

    assert nowhere.status_code == old_version.status_code == 404
    assert nowhere.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert wrong_method["Allow"] == "GET"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_to_an_unknown_address_is_a_404_in_the_error_format(
    world: w.World, method: str
) -> None:
    # Not the site's "this form has expired" page: there is no form, and nothing here.
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)("/api/v1/tasks/1/claim/", "{}", "application/json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unexpected_failure_is_a_500_in_the_error_format_and_is_logged(
    world: w.World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from yiwang.catalogue import selectors

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(selectors, "published_services", broken)

    response = Client().get("/api/v1/catalogue/services", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "database" not in response.json()["error"]["message"]
    assert any("GET /api/v1/catalogue/services" in r.getMessage() for r in caplog.records)


def test_the_docs_page_and_document_are_served_without_any_other_site(db: Any) -> None:
    docs = Client().get("/api/v1/docs")
    document = Client().get("/api/v1/openapi.json")

    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html.split("<body")[0]
    assert document.status_code == 200
    assert document.json()["info"]["title"] == "yiwang"
