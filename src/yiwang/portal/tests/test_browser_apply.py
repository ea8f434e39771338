"""The catalogue and the whole apply journey in headless Chromium with JavaScript off: every page,
with and without errors, passes axe-core in Chinese and in English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from yiwang.core.testing.browser import assert_accessible, logged_in_page
from yiwang.portal.tests.service_world import (
    _media,
    citizen,
    firm,
    pdf_bytes,
    world,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["_media", "citizen", "firm", "world"]

LANGUAGES = [("zh-hans", "zh-Hans"), ("en", "en")]

CONTINUE = 'button[name="action"][value="continue"]'


def logged_in(new_page: Callable[..., Any], live_server: Any, account: Any, **options: Any) -> Any:
    """A browser page whose session is the account's, as after logging in at the portal."""
    return logged_in_page(new_page, live_server, account, **options)


def check_page(page: Any, lang: str, *, errors: bool = False) -> None:
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").count() == 1
    assert page.locator(".error-summary").count() == (1 if errors else 0), page.url
    assert_accessible(page)


def path_of(page: Any) -> str:
    """The page's path, without the #fragment an error-summary link leaves behind."""
    from urllib.parse import urlsplit

    return urlsplit(page.url).path


def press(page: Any, selector: str) -> None:
    page.locator(selector).click()
    page.wait_for_load_state()


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_catalogue_pages_pass_axe(live_server: Any, new_page: Any, world: Any, language: str,
                                  lang: str) -> None:  # fmt: skip
    page = new_page(language=language, javascript=False)
    for path in ("/catalogue/", "/catalogue/search/?q=school", "/services/address-change/",
                 "/services/waste-permit/", "/bundles/move-house/"):  # fmt: skip
        page.goto(live_server.url + path)
        check_page(page, lang)


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_whole_journey_works_without_javascript_and_passes_axe(
    live_server: Any, new_page: Any, world: Any, citizen: Any, language: str, lang: str
) -> None:
    page = logged_in(new_page, live_server, citizen, language=language, javascript=False)
    page.goto(live_server.url + "/bundles/move-house/")
    press(page, 'main form[action$="/start/"] button')
    assert "/pages/address-change.about-you/" in page.url
    check_page(page, lang)

    # Page 1, first wrong, then right.
    press(page, CONTINUE)
    check_page(page, lang, errors=True)
    expect(page.locator(".error-summary")).to_be_focused()  # autofocus, when next drawn
    page.locator(".error-summary a").first.click()
    expect(page.locator("#id_full_name")).to_be_focused()
    page.fill("#id_full_name", "李华" if language == "zh-hans" else "Li Hua")
    page.fill("#id_move_date", "2026-03-02")
    press(page, CONTINUE)

    # Page 2.
    assert "/pages/address-change.new-home/" in page.url
    check_page(page, lang)
    page.fill("#id_household_size", "three")
    press(page, CONTINUE)
    check_page(page, lang, errors=True)
    assert page.input_value("#id_household_size") == "three"
    page.fill("#id_new_address", "12 Plum Street, East District")
    page.fill("#id_household_size", "3")
    page.check("#id_reason_1")
    page.check("#id_has_children_0")
    press(page, CONTINUE)

    # Page 3 (the school transfer applies: children move too).
    assert "/pages/school-transfer.child/" in page.url
    check_page(page, lang)
    page.fill("#id_child_name", "Li Xiaoming")
    page.fill("#id_contact_email", "not an address")
    press(page, CONTINUE)
    check_page(page, lang, errors=True)
    page.fill("#id_contact_email", "lihua@example.org")
    press(page, CONTINUE)

    # Uploads.
    assert path_of(page).endswith("/materials/")
    check_page(page, lang)
    press(page, CONTINUE)
    check_page(page, lang, errors=True)
    pdf = {"mimeType": "application/pdf", "buffer": pdf_bytes()}
    page.set_input_files("#id_file-tenancy", files=[{"name": "tenancy.pdf", **pdf}])
    page.set_input_files("#id_file-birth-certificate", files=[{"name": "births.pdf", **pdf}])
    press(page, CONTINUE)

    # Check your answers, then submit.
    assert path_of(page).endswith("/check/")
    check_page(page, lang)
    assert "tenancy.pdf" in page.locator("main").inner_text()
    press(page, "main form:has(input[name=idempotency_key]) button")

    assert path_of(page).endswith("/receipt/")
    check_page(page, lang)
    receipt = page.locator(".receipt-number").inner_text()
    assert receipt.startswith("YW")

    # The application page, the list and the inbox.
    for path in (path_of(page).replace("/receipt/", "/"), "/my/applications/", "/my/inbox/"):
        page.goto(live_server.url + path)
        check_page(page, lang)


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_firm_choice_page_passes_axe(live_server: Any, new_page: Any, world: Any, citizen: Any,
                                     firm: Any, language: str, lang: str) -> None:  # fmt: skip
    page = logged_in(new_page, live_server, citizen, language=language, javascript=False)
    page.goto(live_server.url + "/services/waste-permit/")
    press(page, 'main form[action$="/start/"] button')
    check_page(page, lang)
    press(page, "main form button")  # nothing chosen
    check_page(page, lang, errors=True)
    page.check("#id_applicant_1")
    press(page, "main form button")
    assert "/pages/site/" in page.url
    check_page(page, lang)


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_correction_withdraw_and_message_pages_pass_axe(
    live_server: Any, new_page: Any, world: Any, citizen: Any, language: str, lang: str
) -> None:
    from yiwang.applications import services as application_services
    from yiwang.applications.constants import Decision
    from yiwang.applications.models import CorrectionRequest, Task
    from yiwang.portal.tests.service_world import client_for, submitted_bundle

    pk = submitted_bundle(client_for(citizen))
    application_services.decide_task(
        actor=world["clerks"]["police.reviewer"],
        task=Task.objects.get(case__application_id=pk, step_code="check"),
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["household_size"],
        correction_materials=["tenancy"],
        note="Please upload the signed agreement.",
    )
    correction = CorrectionRequest.objects.get(case__application_id=pk)
    page = logged_in(new_page, live_server, citizen, language=language, javascript=False)
    page.goto(f"{live_server.url}/my/applications/{pk}/")
    check_page(page, lang)
    page.goto(f"{live_server.url}/my/applications/{pk}/corrections/{correction.pk}/")
    check_page(page, lang)
    page.fill("#id_household_size", "")
    press(page, "main form[enctype] button")
    check_page(page, lang, errors=True)
    page.goto(f"{live_server.url}/my/applications/{pk}/withdraw/")
    check_page(page, lang)
    page.goto(f"{live_server.url}/my/inbox/")
    page.locator("main li a").first.click()
    page.wait_for_load_state()
    check_page(page, lang)


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_a_list_of_groups_works_without_javascript_and_passes_axe(
    live_server: Any, new_page: Any, world: Any, citizen: Any, language: str, lang: str
) -> None:
    from yiwang.audit.actors import system_actor
    from yiwang.catalogue import services as catalogue
    from yiwang.portal.tests.service_world import FIXTURES

    catalogue.load_definitions([FIXTURES / "lists"], actor=system_actor("test"), publish=True)
    page = logged_in(new_page, live_server, citizen, language=language, javascript=False)
    page.goto(live_server.url + "/services/staff-register/")
    press(page, 'main form[action$="/start/"] button')
    assert "/pages/business/" in page.url
    check_page(page, lang)
    page.fill("#id_business_name", "Plum Café")
    page.fill("#id_staff__0__name", "Li Hua")
    press(page, 'button[value="add:staff"]')
    check_page(page, lang)
    assert page.input_value("#id_staff__0__name") == "Li Hua"
    page.fill("#id_staff__1__name", "Wang Wu")
    page.fill("#id_staff__1__id_number", "12345")
    # Enter in a text box saves the page; it does not remove an item.
    page.locator("#id_staff__1__name").press("Enter")
    page.wait_for_load_state()
    check_page(page, lang, errors=True)
    assert page.locator('input[name="staff-items"]').input_value() == "2"
    page.locator('.error-summary a[href="#id_staff__1__id_number"]').click()
    expect(page.locator("#id_staff__1__id_number")).to_be_focused()
    assert page.input_value("#id_staff__1__id_number") == "12345"
    press(page, 'button[value="remove:staff:0"]')
    check_page(page, lang)
    assert page.input_value("#id_staff__0__name") == "Wang Wu"
    page.fill("#id_staff__0__id_number", "440524198001010013")
    press(page, f".button-group {CONTINUE}")
    assert path_of(page).endswith("/check/")
    check_page(page, lang)
    assert "Wang Wu" in page.locator(".answer-items").inner_text()
    assert_items_are_blocks(page)
    press(page, "main form:has(input[name=idempotency_key]) button")
    assert path_of(page).endswith("/receipt/")

    # The person's application page and the clerk's task page show the items the same way.
    mine = path_of(page).replace("/receipt/", "/")
    page.goto(live_server.url + mine)
    check_page(page, lang)
    assert_items_are_blocks(page)
    from yiwang.applications.models import Task

    task = Task.objects.get(case__application_id=int(mine.strip("/").split("/")[-1]))
    clerk = logged_in(new_page, live_server, world["clerks"]["city.reviewer"], language=language)
    clerk.goto(f"{live_server.url}/backoffice/tasks/{task.pk}/")
    check_page(clerk, lang)
    assert "Wang Wu" in clerk.locator(".answer-items").inner_text()
    assert_items_are_blocks(clerk)


def assert_items_are_blocks(page: Any) -> None:
    """Each item of a list answer stands apart as a panel, with room between its edge and text."""
    items = page.locator(".answer-items > li")
    assert items.count() >= 1
    style = items.first.evaluate(
        "li => { const s = getComputedStyle(li);"
        " return [s.display, s.backgroundColor, s.paddingTop, s.paddingInlineStart]; }"
    )
    display, background, top, start = style
    assert display == "list-item"
    assert background not in ("transparent", "rgba(0, 0, 0, 0)"), background
    assert top != "0px" and start != "0px", style
