"""The back office in headless Chromium: log in by the form, axe-core clean in both languages."""

from __future__ import annotations

import pytest

from yiwang.backoffice.tests.conftest import PASSWORD
from yiwang.core.testing.browser import assert_accessible, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/backoffice/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
def test_back_office_login_page_passes_axe(
    live_server, new_page, language: str, lang: str, javascript: bool
) -> None:
    page = new_page(language=language, javascript=javascript)
    page.goto(live_server.url + "/backoffice/login/")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
    # A failed attempt brings the error summary; the page must stay accessible.
    page.locator("main button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_staff_home_passes_axe_in_both_languages(
    live_server, new_page, staff, javascript: bool
) -> None:
    page = new_page(javascript=javascript)
    log_in(page, live_server, staff.username)
    assert page.url == live_server.url + "/backoffice/"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("tbody tr").count() == 2
    assert_accessible(page)
    switch_language(page, "en")
    assert page.url == live_server.url + "/backoffice/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Welcome, Zhou Min"
    assert_accessible(page)


def test_staff_logs_out_with_the_header_button(live_server, new_page, staff) -> None:
    page = new_page(language="en", javascript=False)
    log_in(page, live_server, staff.username)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/backoffice/")
    assert page.url.startswith(live_server.url + "/backoffice/login/")
