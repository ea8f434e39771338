"""Browser-test fixtures: Debian's Chromium driven by Playwright, checked with axe-core.

Registered for the whole suite from the root ``conftest.py``. Use them with pytest-django's
``live_server``::

    @pytest.mark.browser
    def test_home_is_accessible(live_server, new_page):
        page = new_page(language="en")
        page.goto(live_server.url + "/")
        assert_accessible(page)

Nothing is downloaded: the browser is ``/usr/bin/chromium`` (or ``$YIWANG_CHROMIUM``), and axe-core
is the copy bundled in the ``axe-playwright-python`` wheel (see docs/adr).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("YIWANG_CHROMIUM", "/usr/bin/chromium")

# Headless and quiet: no GPU, no sandbox (containers have no user namespaces), and nothing that
# phones home, so a test run makes no connection beyond 127.0.0.1.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)

# The rules of WCAG 2.0 and 2.1, levels A and AA: the level the platform commits to.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

LANGUAGE_COOKIE = "django_language"

# axe-core judges the HTML and CSS a page is served with, which do not depend on the database.
# `make test` runs it in the SQLite pass and sets YIWANG_TEST_AXE=off for the PostgreSQL pass,
# which still opens every page and makes every other assertion on it (see ADR 18).
AXE_ENABLED = os.environ.get("YIWANG_TEST_AXE", "on") != "off"

# Contexts opened with JavaScript off (see run_axe for why axe needs to know).
_SCRIPTLESS_CONTEXTS: weakref.WeakSet[Any] = weakref.WeakSet()


class AccessibilityViolations(AssertionError):
    """axe-core found WCAG 2.1 AA problems; the message lists each rule and element."""


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'unknown impact'}): "
            f"{violation.get('help', '')} [{violation.get('helpUrl', '')}]"
        )
        for node in violation.get("nodes", []):
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


def run_axe(page: Any, *, tags: tuple[str, ...] = WCAG_TAGS) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now and return its violations.

    axe-core needs timers, and a page with JavaScript disabled has none, so such a page is checked
    through a twin: its DOM as served, loaded at the same address in a scripted context whose
    Content-Security-Policy forbids every page script. axe then sees what a person without
    JavaScript sees, styled by the same stylesheets.
    """
    if page.context in _SCRIPTLESS_CONTEXTS:
        return _run_axe_on_twin(page, tags=tags)
    return _axe_violations(page, tags)


def _axe_violations(page: Any, tags: tuple[str, ...]) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return list(results.response["violations"])


def _run_axe_on_twin(page: Any, *, tags: tuple[str, ...]) -> list[dict[str, Any]]:
    html = page.content()
    url = page.url
    twin_context = page.context.browser.new_context(
        java_script_enabled=True, viewport=page.viewport_size
    )
    try:
        twin_context.route(
            url,
            lambda route: route.fulfill(
                status=200,
                content_type="text/html; charset=utf-8",
                headers={"Content-Security-Policy": "script-src 'none'"},
                body=html,
            ),
        )
        twin = twin_context.new_page()
        twin.goto(url)
        return _axe_violations(twin, tags)
    finally:
        twin_context.close()


def assert_accessible(page: Any, *, tags: tuple[str, ...] = WCAG_TAGS) -> None:
    """Fail, naming every violation's rule, impact and elements, unless axe-core finds none
    (nothing to do where axe-core is switched off, see :data:`AXE_ENABLED`)."""
    if not AXE_ENABLED:
        return
    violations = run_axe(page, tags=tags)
    if violations:
        raise AccessibilityViolations(format_violations(page.url, violations))


def logged_in_page(
    new_page: Callable[..., Any], live_server: Any, account: Any, **options: Any
) -> Any:
    """A browser page whose session is the account's, as after logging in (``options`` go to
    ``new_page``: ``language``, ``javascript``)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(account)
    page = new_page(**options)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def switch_language(page: Any, language_code: str) -> None:
    """Change language the way a person does: press the header's language button."""
    page.locator(f'form.language-switch button[name="language"][value="{language_code}"]').click()
    page.wait_for_load_state()


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Any]:
    # The sync API runs an event loop in this thread while it is started; Django refuses ORM calls
    # from a thread with a running loop unless told that the code is synchronous, which it is.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright: Any) -> Iterator[Any]:
    """One headless Chromium for the whole run; each test gets fresh contexts from it."""
    chromium = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS)
    )
    yield chromium
    chromium.close()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Factory for pages in fresh browser contexts (own cookies, own JavaScript setting).

    ``new_page(javascript=False, language="en")`` opens a context with JavaScript off and the
    language cookie set for the live server, as if the person had chosen English before. Without
    ``language`` the browser asks for ``locale`` (Chinese unless told otherwise).
    """
    contexts: list[Any] = []

    def make(
        *,
        javascript: bool = True,
        language: str | None = None,
        locale: str = "zh-CN",
        viewport: dict[str, int] | None = None,
    ) -> Any:
        context = browser.new_context(
            java_script_enabled=javascript,
            locale=locale,  # the browser's Accept-Language, used until a language is chosen
            viewport=viewport or {"width": 1280, "height": 900},
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        if language:
            context.add_cookies(
                [{"name": LANGUAGE_COOKIE, "value": language, "url": live_server.url}]
            )
        if not javascript:
            _SCRIPTLESS_CONTEXTS.add(context)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A page with JavaScript on and the site's default language."""
    return new_page()
