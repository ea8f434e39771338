"""The work queue and the task page in headless Chromium: axe-core clean in both languages,
with and without JavaScript, including the page a wrong decision sends back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from yiwang.api.tests import world as w
from yiwang.applications.models import Task
from yiwang.core.testing.browser import assert_accessible, switch_language
from yiwang.identity.constants import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-hans", "zh-Hans"), ("en", "en")]


@pytest.fixture
def busy_department(live_server: Any) -> dict[str, Any]:
    """A licensing office with an overdue, a due-soon, an on-time and a claimed task."""
    world = w.make_world()
    lead = w.clerk(world.licensing, Role.TEAM_LEAD, display_name="Lead Lin")
    w.clerk(world.licensing, Role.REVIEWER, display_name="Reviewer Rao")
    today = timezone.localdate()
    tasks = []
    for days in (-2, 1, 8, 12):
        task = w.open_task(w.submitted(w.citizen()))
        Task.objects.filter(pk=task.pk).update(due_date=today + dt.timedelta(days=days))
        tasks.append(task)
    from yiwang.applications import services

    services.claim_task(actor=lead, task=tasks[3])
    return {"lead": lead, "tasks": tasks}


def open_as(new_page: Any, live_server: Any, account: Any, **options: Any) -> Any:
    """A browser page already logged in as ``account`` (the session made by the test client)."""
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


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_the_queue_passes_axe(
    live_server: Any, new_page: Any, busy_department: dict[str, Any], language: str, lang: str,
    javascript: bool,
) -> None:  # fmt: skip
    page = open_as(
        new_page, live_server, busy_department["lead"], language=language, javascript=javascript
    )
    page.goto(live_server.url + "/backoffice/queue/")

    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("table.queue-table tbody tr").count() == 4
    assert page.locator(".deadline--overdue").count() == 1
    assert_accessible(page)


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_the_task_page_and_its_errors_pass_axe(
    live_server: Any, new_page: Any, busy_department: dict[str, Any], language: str, lang: str
) -> None:
    task = busy_department["tasks"][0]
    page = open_as(new_page, live_server, busy_department["lead"], language=language)
    page.goto(f"{live_server.url}/backoffice/tasks/{task.pk}/")

    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)

    page.locator("#id_decision_1").check()  # refuse, without a reason
    page.locator("#decision-heading ~ form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary a[href='#id_reason']")).to_be_visible()
    assert_accessible(page)


def test_a_clerk_claims_from_the_queue_and_decides_without_javascript(
    live_server: Any, new_page: Any, busy_department: dict[str, Any]
) -> None:
    task = busy_department["tasks"][1]
    page = open_as(new_page, live_server, busy_department["lead"], language="en", javascript=False)
    page.goto(live_server.url + "/backoffice/queue/")
    receipt = task.case.application.receipt_number

    page.get_by_role("button", name=f"Claim {receipt}").click()
    page.wait_for_load_state()
    assert page.url.endswith("/backoffice/queue/")
    page.get_by_role("link", name=receipt).click()
    page.wait_for_load_state()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    page.wait_for_load_state()

    expect(page.locator(".message--success")).to_be_visible()
    task.refresh_from_db()
    assert task.status == "done"
    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_a_bundle_cases_task_page_passes_axe(
    live_server: Any, new_page: Any, language: str, lang: str
) -> None:
    world = w.make_world()
    w.load_cafe()
    task = w.open_task_of(w.submitted_cafe(w.citizen()), "cafe-licence")
    clerk = w.clerk(world.licensing, Role.REVIEWER)
    page = open_as(new_page, live_server, clerk, language=language)
    page.goto(f"{live_server.url}/backoffice/tasks/{task.pk}/")

    assert page.locator("html").get_attribute("lang") == lang
    # The page says it holds one service's part of the bundle, and it holds only that.
    expect(page.locator("#answers-heading ~ p.hint")).to_be_visible()
    assert page.get_by_text(w.CAFE_ANSWERS["bank_account"]).count() == 0
    assert_accessible(page)
