"""The change-password pages in headless Chromium: axe-core clean in both languages and realms."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yiwang.core.testing.browser import assert_accessible
from yiwang.identity.tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "willow-lantern-ferry-58"

# realm, the account fixture's name, where its pages live
REALMS = [("portal", "citizen", ""), ("backoffice", "clerk", "/backoffice")]
TITLES = {"en": "Change your password", "zh-hans": "修改密码"}


def log_in(page, live_server, prefix: str, username: str) -> None:
    page.goto(f"{live_server.url}{prefix}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
@pytest.mark.parametrize(("realm", "who", "prefix"), REALMS)
def test_change_password_page_and_its_errors_pass_axe(
    request, live_server, new_page, realm: str, who: str, prefix: str, language: str, lang: str
) -> None:
    account = request.getfixturevalue(who)
    page = new_page(language=language, javascript=False)
    log_in(page, live_server, prefix, account.username)
    # Reached from the header, as a person would.
    page.locator(".site-header__account a").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}{prefix}/{'my/' if realm == 'portal' else ''}password/"
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == TITLES[language]
    assert_accessible(page)

    # A wrong current password and a repeat that does not match: both in the summary, each
    # beside its field, and the summary's links lead to the fields.
    page.locator("#id_current_password").fill("not-my-password-9")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD + "x")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # autofocus: applied when the page is next drawn
    expect(page.locator("#id_new_password2-error")).to_be_visible()
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_new_password2")).to_be_focused()

    # The form was sent back, not the change made: the current password still counts.
    page.locator("#id_current_password").fill("not-my-password-9")
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#id_current_password-error")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize(("realm", "who", "prefix"), REALMS)
def test_password_is_changed_in_the_browser(
    request, live_server, new_page, realm: str, who: str, prefix: str
) -> None:
    account = request.getfixturevalue(who)
    page = new_page(language="en")
    log_in(page, live_server, prefix, account.username)
    page.get_by_role("link", name="Change password").click()
    page.locator("#id_current_password").fill(PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}{prefix}/"
    assert "Your password has been changed." in page.locator(".messages").inner_text()
    assert_accessible(page)
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
