"""The correction page (补正) in headless Chromium with JavaScript off, when a changed answer makes
a document needed (address-change.yaml: children's birth certificates once children move too):
the upload appears after the changed answer is sent, and every state passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.portal.tests.service_world import (
    ABOUT_YOU,
    NEW_HOME,
    _media,
    citizen,
    client_for,
    pdf_bytes,
    save,
    start,
    submit,
    upload_all,
    world,
)
from yiwang.portal.tests.test_browser_apply import LANGUAGES, check_page, logged_in, path_of, press

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["_media", "citizen", "world"]

SEND = "main form[enctype] button.button"
UPLOAD = "#id_file-birth-certificate"


@pytest.mark.parametrize(("language", "lang"), LANGUAGES)
def test_children_moving_too_ask_for_their_birth_certificates(
    live_server: Any, new_page: Any, world: Any, citizen: Any, language: str, lang: str
) -> None:
    from yiwang.applications import services as application_services
    from yiwang.applications.constants import Decision
    from yiwang.applications.models import CorrectionRequest, Task

    client = client_for(citizen)
    pk = start(client, "service", "address-change")
    assert save(client, pk, "about-you", ABOUT_YOU).status_code == 302
    assert save(client, pk, "new-home", {**NEW_HOME, "has_children": "false"}).status_code == 302
    upload_all(client, pk, children=False)
    assert submit(client, pk).status_code == 302
    application_services.decide_task(
        actor=world["clerks"]["police.reviewer"],
        task=Task.objects.get(case__application_id=pk, step_code="check"),
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["has_children"],
        note="Are children moving with you?",
    )
    correction = CorrectionRequest.objects.get(case__application_id=pk)

    page = logged_in(new_page, live_server, citizen, language=language, javascript=False)
    page.goto(f"{live_server.url}/my/applications/{pk}/corrections/{correction.pk}/")
    check_page(page, lang)
    assert page.locator(UPLOAD).count() == 0

    page.check('input[name="has_children"][value="true"]')
    press(page, SEND)
    check_page(page, lang, errors=True)
    assert page.locator(UPLOAD).count() == 1
    assert page.locator('input[name="has_children"][value="true"]').is_checked()

    page.set_input_files(
        UPLOAD, files=[{"name": "births.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    press(page, SEND)
    assert path_of(page) == f"/my/applications/{pk}/"
    check_page(page, lang)
    correction.refresh_from_db()
    assert correction.status == "resolved"
