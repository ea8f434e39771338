"""The portal shell in headless Chromium: axe-core clean in both languages, with and without JS."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yiwang.core.testing.browser import (
    AccessibilityViolations,
    assert_accessible,
    switch_language,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-hans", "zh-Hans"), ("en", "en")]


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
@pytest.mark.parametrize("path", ["/", "/about/", "/login/", "/no-such-page/"])
def test_portal_page_passes_axe(
    live_server, new_page, path: str, language: str, lang: str, javascript: bool
) -> None:
    page = new_page(language=language, javascript=javascript)
    page.goto(live_server.url + path)
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_language_switch_button_changes_the_language(
    live_server, new_page, javascript: bool
) -> None:
    page = new_page(javascript=javascript)  # a browser asking for Chinese, no choice made yet
    page.goto(live_server.url + "/about/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    switch_language(page, "en")
    assert page.url == live_server.url + "/about/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "About this site"
    assert_accessible(page)
    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "关于本站"


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_skip_link_is_the_first_tab_stop_and_moves_to_main(
    live_server, new_page, javascript: bool
) -> None:
    page = new_page(language="en", javascript=javascript)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.className, document.activeElement.textContent]"
    )
    assert focused == ["skip-link", "Skip to main content"]
    # Visible while focused, so sighted keyboard users see where they are.
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main-content"
    assert page.evaluate("() => document.activeElement.id") == "main-content"


def test_page_fits_a_320px_screen_without_sideways_scrolling(live_server, new_page) -> None:
    for language in ("zh-hans", "en"):
        page = new_page(language=language, viewport={"width": 320, "height": 640})
        for path in ("/", "/about/"):
            page.goto(live_server.url + path)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} in {language} is {overflow}px too wide at 320px"


@pytest.mark.urls("yiwang.portal.tests.urls")
@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_form_with_errors_passes_axe_and_summary_links_reach_fields(
    live_server, new_page, language: str, lang: str
) -> None:
    page = new_page(language=language, javascript=False)
    page.goto(live_server.url + "/shell-test/form/")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    # Focused on arrival (autofocus, no script needed), so screen readers read it first.
    expect(summary).to_be_focused()
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_full_name")).to_be_focused()


@pytest.mark.axe
@pytest.mark.urls("yiwang.portal.tests.urls")
def test_accessibility_check_fails_on_a_violation_and_sees_what_people_without_js_see(
    live_server, new_page
) -> None:
    url = live_server.url + "/shell-test/inaccessible/"
    # With JavaScript the page's script gives the image its text alternative ...
    page = new_page(javascript=True)
    page.goto(url)
    assert_accessible(page)
    # ... without it the image has none, and the check must say which rule and which element.
    page = new_page(javascript=False)
    page.goto(url)
    with pytest.raises(AccessibilityViolations) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "image-alt (critical)" in message
    assert "at #chart" in message


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_logged_in_citizen_home_passes_axe(live_server, new_page, language: str, lang: str) -> None:
    from yiwang.identity.tests.factories import CitizenFactory

    CitizenFactory(username="citizen.wu", display_name="Wu Fang", password="peach-harbour-93-x")
    page = new_page(language=language, javascript=False)
    page.goto(live_server.url + "/login/")
    page.locator("#id_username").fill("citizen.wu")
    page.locator("#id_password").fill("peach-harbour-93-x")
    page.locator("main button[type=submit]").click()
    page.goto(live_server.url + "/")
    assert page.locator(".site-header__user").inner_text().endswith("Wu Fang")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
