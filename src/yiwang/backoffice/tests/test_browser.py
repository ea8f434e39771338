"""The back office in headless Chromium: log in by the form, axe-core clean in both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yiwang.backoffice.tests.conftest import PASSWORD
from yiwang.core.testing.browser import assert_accessible, switch_language
from yiwang.notifications.constants import Event
from yiwang.notifications.models import InboxMessage

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
    expect(page.locator(".error-summary")).to_be_visible()
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


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_staff_messages_pass_axe_and_opening_one_marks_it_read(
    live_server, new_page, staff, javascript: bool
) -> None:
    for n, subject in enumerate(["Case due soon", "Correction received"]):
        InboxMessage.objects.create(
            idempotency_key=f"browser:{n}",
            recipient=staff,
            event=Event.DEADLINE_WARNING,
            subject=subject,
            body=f"{subject}.\nSecond line.",
        )
    page = new_page(javascript=javascript)
    log_in(page, live_server, staff.username)
    nav = page.locator("nav.primary-nav")
    nav.get_by_role("link", name="消息 2 条未读").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/backoffice/messages/"
    assert page.locator("main li.unread").count() == 2
    assert_accessible(page)
    switch_language(page, "en")
    assert page.locator("h1").inner_text() == "Messages"
    assert_accessible(page)
    page.get_by_role("link", name="Correction received").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Correction received"
    expect(nav.get_by_role("link", name="Messages 1 unread")).to_be_visible()
    assert_accessible(page)
    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert_accessible(page)
    page.get_by_role("link", name="全部消息").click()
    page.wait_for_load_state()
    assert page.locator("main li.unread").count() == 1
