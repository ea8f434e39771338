"""A form refused before any view reads it keeps what was typed: after the login ended, and
when its CSRF token expired, the refusal page holds it, ready to be sent again."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from yiwang.applications import selectors
from yiwang.portal.tests.service_world import (
    ABOUT_YOU,
    BUNDLE_PAGES,
    _media,
    citizen,
    client_for,
    page_url,
    start,
    world,
)

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen", "world"]

LONG_ANSWER = "Li Hua\nwho wrote a long answer & more"


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))


def test_a_form_sent_after_the_login_ended_is_kept_to_send_again(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    client.logout()  # the session ended: idle, or logged out in another tab
    client.cookies["django_language"] = "en"

    sent = {**ABOUT_YOU, "full_name": LONG_ANSWER, "action": "continue", "password": "x"}
    response = client.post(page_url(pk, BUNDLE_PAGES[0]), sent)

    page = response.content.decode()
    assert response.status_code == 403
    assert "You were logged out before this was sent" in page
    kept = _hidden(page)
    assert kept["full_name"] == "Li Hua\nwho wrote a long answer &amp; more"
    assert kept["action"] == "continue" and "password" not in kept
    assert 'href="/login/" target="_blank"' in page
    # Logged in again, the kept form sends it: the answer is saved.
    client.force_login(citizen)
    again = {name: value.replace("&amp;", "&") for name, value in kept.items()}
    client.post(page_url(pk, BUNDLE_PAGES[0]), again)
    saved = selectors.application_for(actor=citizen, pk=pk).form_data
    assert saved["full_name"] == LONG_ANSWER


def test_a_page_opened_after_the_login_ended_still_goes_to_the_login(world: Any) -> None:
    response = Client().get("/my/applications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_form_with_an_expired_token_is_kept_with_a_fresh_one(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    strict = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    strict.cookies = client.cookies
    strict.cookies["csrftoken"] = "x" * 32  # as after a login in another tab

    response = strict.post(
        page_url(pk, BUNDLE_PAGES[0]),
        {**ABOUT_YOU, "csrfmiddlewaretoken": "y" * 32, "action": "continue"},
    )

    page = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired" in page
    kept = _hidden(page)
    assert kept["full_name"] == ABOUT_YOU["full_name"]
    assert kept["csrfmiddlewaretoken"] != "y" * 32  # a fresh token, not the refused one
    assert strict.post(page_url(pk, BUNDLE_PAGES[0]), kept).status_code == 302


def test_an_error_page_of_the_back_office_leads_home_to_the_back_office(db: Any) -> None:
    page = Client().get("/backoffice/no-such-page/").content.decode()
    assert '<a href="/backoffice/">' in page
    assert '<a href="/">' in Client().get("/no-such-page/").content.decode()
