"""The audit log pages in headless Chromium: axe-core clean in both languages, with and
without JavaScript, including a search with mistakes and a verification that found one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from yiwang.audit.actors import SYSTEM
from yiwang.audit.models import VerificationRun
from yiwang.audit.services import record_event, seal
from yiwang.backoffice.tests.test_browser import log_in
from yiwang.core import clock
from yiwang.core.testing.browser import assert_accessible, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False], ids=["js-on", "js-off"])
def test_audit_pages_pass_axe_in_both_languages(
    live_server, new_page, staff, javascript: bool
) -> None:
    for i in range(3):
        record_event(
            actor=SYSTEM,
            action="exchange.record_read",
            object_type="exchange.registry",
            object_id="household",
            subjects=["person:11010519491231002X"],
            data={"n": i},
        )
    seal()
    now = clock.now()
    VerificationRun.objects.create(
        requested_at=now,
        requester_label="Zhou Min",
        started_at=now,
        finished_at=now,
        ok=False,
        events=3,
        problems=2,
        problem={
            "kind": "changed",
            "subject": "event",
            "ref": "2",
            "reason": "content_changed",
            "params": {"position": "1"},
            "action": "exchange.record_read",
            "timestamp": "2026-11-28T06:00:00.000000+00:00",
            "message": "event 2 changed",
        },
    )
    page = new_page(javascript=javascript)
    log_in(page, live_server, staff.username)
    page.locator("nav.primary-nav").get_by_role("link", name="审计日志").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "审计日志"
    assert page.locator("table.audit-table tbody tr").count() >= 3
    assert "其内容与第 1 位封存的内容不再一致" in page.locator("#verification").inner_text()
    assert_accessible(page)

    page.locator("#id_subject").fill("110105194912310021")
    page.locator("#id_since").fill("2026-03-31")
    page.locator("#id_until").fill("2026-03-01")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)

    switch_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(live_server.url + "/backoffice/audit/?subject=11010519491231002X")
    assert page.locator("h1").inner_text() == "Audit log"
    assert "Event 2: changed" in page.locator("#verification").inner_text()
    assert "what was sealed at position 1" in page.locator("#verification").inner_text()
    assert_accessible(page)

    page.locator("table.audit-table tbody tr a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Event ")
    assert_accessible(page)
    switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert_accessible(page)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_audit_tables_stay_readable_on_a_small_phone(
    live_server, new_page, staff, language: str
) -> None:
    for i in range(3):
        record_event(
            actor=staff,
            action="exchange.read",
            object_type="exchange.registry",
            object_id="household",
            subjects=["person:11010519491231002X"],
            data={"n": i},
            department="market",
            role="reviewer",
        )
    seal()
    now = clock.now()
    VerificationRun.objects.create(
        requested_at=now,
        requester_label="Zhou Min",
        started_at=now,
        finished_at=now,
        ok=True,
        events=3,
        sealed=3,
        awaiting=0,
        checkpoints=1,
        problems=0,
    )
    page = new_page(language=language, viewport={"width": 375, "height": 800})
    log_in(page, live_server, staff.username)
    page.goto(live_server.url + "/backoffice/audit/")
    assert page.locator("table.audit-table tbody tr").count() >= 3

    for table in ("#verification table", "table.audit-table"):
        wrapper = page.locator(table).locator("xpath=..")
        # Nothing is cut off: the table fits the screen, no sideways scrolling.
        fits = wrapper.evaluate("w => w.scrollWidth <= w.clientWidth + 1")
        assert fits, f"{table} is wider than the screen"
        # And no cell is squeezed to a sliver: each is at least five characters wide.
        narrowest = page.locator(table).evaluate(
            """t => Math.min(...[...t.querySelectorAll('tbody td')].map(td => {
                   const em = parseFloat(getComputedStyle(td).fontSize);
                   return td.getBoundingClientRect().width / em;
               }))"""
        )
        assert narrowest >= 5, f"a cell of {table} is {narrowest:.1f} characters wide"
        caption = page.locator(table).locator("caption").bounding_box()
        assert caption is not None and caption["width"] >= 375 / 2
    # The outcome of the verification is there to read in full.
    outcome = page.locator("#verification tbody td").nth(2)
    box = outcome.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert_accessible(page)
