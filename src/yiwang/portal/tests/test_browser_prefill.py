"""Prefill in headless Chromium with JavaScript off: preview → confirm → fixed answers → fewer
documents → a wrong value reported, every page passing axe-core, in Chinese and in English."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications.tests.test_prefill import pworld, registrar_officer_of
from yiwang.exchange import selectors as exchange_selectors
from yiwang.portal.tests.service_world import _media, pdf_bytes
from yiwang.portal.tests.test_browser_apply import CONTINUE, check_page, logged_in, path_of, press

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["_media", "pworld"]


@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
def test_preview_confirm_locked_fields_and_fewer_documents_pass_axe(
    live_server: Any, new_page: Any, pworld: Any, language: str, lang: str
) -> None:
    page = logged_in(new_page, live_server, pworld["citizen"], language=language, javascript=False)
    page.goto(live_server.url + "/services/family-registration/")
    check_page(page, lang)
    press(page, 'main form[action$="/start/"] button')

    # What we already know.
    assert path_of(page).endswith("/prefill/")
    check_page(page, lang)
    assert "李华" in page.locator("main").inner_text()

    # Report one value as wrong: first without a note, then with one.
    page.locator('main a[href$="/prefill/address/wrong/"]').click()
    page.wait_for_load_state()
    check_page(page, lang)
    press(page, 'main form button[type="submit"]')
    check_page(page, lang, errors=True)
    page.fill("#id_note", "We moved in May.")
    press(page, 'main form button[type="submit"]')
    assert path_of(page).endswith("/prefill/")
    check_page(page, lang)
    reported = exchange_selectors.registry_corrections_for(actor=registrar_officer_of())
    assert [row.field for row in reported] == ["address"]

    press(page, 'main form button[value="confirm"]')

    # About you: the name is shown, not asked; the address is asked again.
    assert "/pages/who/" in page.url
    check_page(page, lang)
    assert page.locator("#id_full_name").count() == 0
    page.fill("#id_address", "新路2号")
    page.fill("#id_home_address", "新路2号")
    press(page, CONTINUE)

    assert "/pages/what/" in page.url
    check_page(page, lang)
    assert page.locator("#id_certificate_number").count() == 0
    page.fill("#id_reason", "A new baby")
    press(page, CONTINUE)

    # Only the photo is asked for; the certificate comes from the registry.
    assert path_of(page).endswith("/materials/")
    check_page(page, lang)
    assert page.locator("#id_file-certificate-copy").count() == 0
    pdf = {"mimeType": "application/pdf", "buffer": pdf_bytes()}
    page.set_input_files("#id_file-photo", files=[{"name": "photo.pdf", **pdf}])
    press(page, CONTINUE)

    assert path_of(page).endswith("/check/")
    check_page(page, lang)
    press(page, "main form:has(input[name=idempotency_key]) button")
    assert path_of(page).endswith("/receipt/")
    check_page(page, lang)
