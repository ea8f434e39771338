"""The NUL character (U+0000) is refused in addresses, query strings and JSON bodies, with a
400 that says why, before anything reaches the database (PostgreSQL cannot store it)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.applications.models import Application

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]

WHY_EN = "The request contains the NUL character (U+0000), which text may not hold."


def test_a_json_body_with_nul_is_refused_in_the_api_format_and_nothing_is_stored(
    world: w.World, logged_in: Login
) -> None:
    client = logged_in(w.citizen())
    before = Application.objects.count()

    response = client.post(
        "/api/v1/applications",
        '{"service": "shop\\u0000permit"}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "bad_request", "message": WHY_EN}}
    assert Application.objects.count() == before


def test_nul_in_a_key_nested_deep_in_the_body_is_found_too(
    world: w.World, logged_in: Login
) -> None:
    client = logged_in(w.citizen())
    body = '{"service": "shop-permit", "answers": {"a": [{"b\\u0000": 1}]}}'

    response = client.post("/api/v1/applications", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_an_escaped_backslash_before_u0000_is_ordinary_text(
    world: w.World, logged_in: Login
) -> None:
    client = logged_in(w.citizen())

    # The JSON text \\u0000 is a backslash followed by "u0000": no NUL in it, so the request
    # gets as far as the catalogue, which has no such service.
    response = client.post(
        "/api/v1/applications", '{"service": "\\\\u0000"}', content_type="application/json"
    )

    assert response.status_code != 400
    assert response.json()["error"]["code"] != "bad_request"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/catalogue/services?q=%00",
        "/api/v1/catalogue/services?%00=1",
        "/api/v1/catalogue/services/shop%00permit",
    ],
)
def test_nul_in_an_api_address_or_query_is_refused_in_chinese_by_default(
    world: w.World, path: str
) -> None:
    response = Client().get(path)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert (
        response.json()["error"]["message"] == "请求中含有空字符（U+0000），文本中不能包含该字符。"
    )


def test_nul_in_a_page_address_gets_the_bad_request_page(world: w.World) -> None:
    response = Client().get("/services/?q=%00", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]


WHY_SURROGATE_EN = (
    "The request contains half of a UTF-16 surrogate pair (such as \\udc00) that is not a "
    "character: send the text whole, in UTF-8."
)


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
def test_a_lone_surrogate_is_refused_whatever_the_content_type_says(
    world: w.World, logged_in: Login, content_type: str
) -> None:
    client = logged_in(w.citizen())
    before = Application.objects.count()

    response = client.post(
        "/api/v1/applications",
        '{"service": "shop-permit", "x": "ab\\udc00"}',
        content_type=content_type,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == {"error": {"code": "bad_request", "message": WHY_SURROGATE_EN}}
    assert Application.objects.count() == before


def test_nul_is_refused_in_a_body_sent_as_plain_text(world: w.World, logged_in: Login) -> None:
    client = logged_in(w.citizen())

    response = client.post(
        "/api/v1/applications", '{"service": "shop\\u0000permit"}', content_type="text/plain"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_an_emoji_written_as_a_surrogate_pair_is_ordinary_text(
    world: w.World, logged_in: Login
) -> None:
    client = logged_in(w.citizen())

    # \ud83d\ude00 is one character (😀): the request reaches the catalogue, which has no such
    # service.
    response = client.post(
        "/api/v1/applications",
        '{"service": "\\ud83d\\ude00"}',
        content_type="application/json",
    )

    assert response.json()["error"]["code"] != "bad_request"
