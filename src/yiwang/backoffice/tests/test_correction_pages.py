"""Wrong registry values people reported, in the back office: the owning department's data
officers list them (open first, subjects masked), open one and decide it; nobody else reaches
them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from playwright.sync_api import expect

from yiwang.core.testing.browser import logged_in_page
from yiwang.core.testing.html import parse
from yiwang.exchange import selectors as exchange
from yiwang.exchange import services
from yiwang.exchange.constants import CorrectionStatus
from yiwang.exchange.tests.conftest import (  # the exchange's own small world
    World,
    clean_hooks,
    loaded,
    populated,
    signing_key,
    world,
)

pytestmark = pytest.mark.django_db
__all__ = ["clean_hooks", "loaded", "populated", "signing_key", "world"]

LANGUAGES = ["zh-hans", "en"]
LIST = "/backoffice/exchange/corrections/"


def client_for(account: Any, language: str = "en") -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = language
    client.force_login(account)
    return client


def report(w: World, note: str = "We moved in May.") -> Any:
    with translation.override("en"):
        return services.request_registry_correction(
            actor=w.citizen,
            registry="people",
            subject=w.national_id,
            field="address",
            note=note,
            record_key=w.national_id,
            record_version=1,
        )


def status_of(w: World, pk: int) -> str:
    found = exchange.registry_correction_for(actor=w.registrar_officer, correction_id=pk)
    assert found is not None
    return found.status


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_owning_officer_lists_reports_open_first_with_the_person_masked(
    populated: World, language: str
) -> None:
    w = populated
    done = report(w, note="Wrong street")
    services.mark_registry_corrected(actor=w.registrar_officer, correction_id=done.pk)
    waiting = report(w, note="Wrong house number")
    client = client_for(w.registrar_officer, language)
    page = client.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("Wrong house number") < text.index("Wrong street")
    assert ("Address" if language == "en" else "住址") in text
    assert ("People registry" if language == "en" else "人口库") in text
    assert w.national_id[-4:] in text and w.national_id not in text
    assert "李*" in text and "李华" not in text
    assert f"/backoffice/exchange/corrections/{waiting.pk}/" in text
    only_open = client.get(LIST, {"status": "open"}).content.decode()
    assert "Wrong house number" in only_open and "Wrong street" not in only_open
    detail = client.get(f"/backoffice/exchange/corrections/{waiting.pk}/")
    assert detail.status_code == 200
    html = parse(detail.content.decode())
    assert html.find("textarea", name="rejected-reason") is not None
    assert html.find("textarea", name="corrected-note") is not None


def test_other_departments_and_other_roles_do_not_reach_reports(populated: World) -> None:
    w = populated
    asked = report(w)
    detail = f"/backoffice/exchange/corrections/{asked.pk}/"
    for outsider in (w.commerce_officer, w.welfare_officer, w.tax_officer):
        client = client_for(outsider)
        assert "We moved in May." not in client.get(LIST).content.decode()
        assert client.get(detail).status_code == 404
        posted = client.post(detail + "rejected/", {"rejected-reason": "Not ours"})
        assert posted.status_code == 404
    for other_role in (w.welfare_reviewer, w.welfare_approver, w.welfare_auditor):
        client = client_for(other_role)
        assert client.get(LIST).status_code == 403
        assert client.get(detail).status_code == 403
        assert client.post(detail + "corrected/", {}).status_code == 403
    assert client_for(w.citizen).get(LIST).status_code != 200
    assert status_of(w, asked.pk) == CorrectionStatus.OPEN


def test_reject_needs_a_reason_then_the_decision_is_final(populated: World) -> None:
    w = populated
    asked = report(w)
    client = client_for(w.registrar_officer)
    detail = f"/backoffice/exchange/corrections/{asked.pk}/"
    empty = client.post(detail + "rejected/", {"rejected-reason": " "})
    assert empty.status_code == 400
    html = parse(empty.content.decode())
    summary = html.one(class_="error-summary")
    assert [a.get("href") for a in summary.find_all("a")] == ["#id_rejected-reason"]
    assert status_of(w, asked.pk) == CorrectionStatus.OPEN
    assert client.post(detail + "withdrawn/", {}).status_code == 404
    done = client.post(detail + "rejected/", {"rejected-reason": "It matches the register."})
    assert done.status_code == 302 and done["Location"] == detail
    assert status_of(w, asked.pk) == CorrectionStatus.REJECTED
    page = client.get(detail).content.decode()
    assert "It matches the register." in page
    assert 'name="corrected-note"' not in page
    again = client.post(detail + "corrected/", {"corrected-note": "Fixed after all"}, follow=True)
    assert "already decided" in again.content.decode()
    assert status_of(w, asked.pk) == CorrectionStatus.REJECTED


def test_corrected_with_a_note_is_shown_with_who_decided(populated: World) -> None:
    w = populated
    asked = report(w)
    client = client_for(w.registrar_officer)
    detail = f"/backoffice/exchange/corrections/{asked.pk}/"
    done = client.post(detail + "corrected/", {"corrected-note": "Address updated."})
    assert done.status_code == 302
    assert status_of(w, asked.pk) == CorrectionStatus.CORRECTED
    page = client.get(detail).content.decode()
    assert "Address updated." in page and str(w.registrar_officer) in page
    assert "Address updated." not in client.get(LIST, {"status": "open"}).content.decode()


# --- In the browser: axe-core on both pages, in both languages --------------------------------


def logged_in(new_page: Any, live_server: Any, account: Any, language: str) -> Any:
    return logged_in_page(new_page, live_server, account, language=language, javascript=False)


def record_now(client: Client, pk: int) -> str:
    html = parse(client.get(f"{LIST}{pk}/").content.decode())
    for row in html.find_all("div"):
        term, value = row.find("dt"), row.find("dd")
        if term is not None and value is not None and term.text in ("The record now", "记录现状"):
            return value.text
    return ""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_officer_sees_whether_the_record_changed_since_it_was_read(
    populated: World, language: str
) -> None:
    w = populated
    asked = report(w)  # read at version 1
    client = client_for(w.registrar_officer, language)
    assert record_now(client, asked.pk) == (
        "Version 1, unchanged since it was read"
        if language == "en"
        else "第 1 版，读取之后没有改动"
    )

    services.update_record(
        actor=w.registrar_officer,
        registry="people",
        record_key=w.national_id,
        changes={"address": "示例路2号"},
        reason="moved",
    )

    now = record_now(client, asked.pk)
    assert now.startswith(
        "Version 2: changed since it was read" if language == "en" else "第 2 版："
    )
    found = exchange.registry_correction_for(actor=w.registrar_officer, correction_id=asked.pk)
    assert found is not None and found.record_changed_since_read
    # A report naming no record has nothing to compare: the row is left out.
    with translation.override("en"):
        unnamed = services.request_registry_correction(
            actor=w.citizen, registry="people", subject=w.national_id, field="address", note="x"
        )
    assert record_now(client, unnamed.pk) == ""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "lang"), [("zh-hans", "zh-Hans"), ("en", "en")])
def test_correction_pages_pass_axe(
    live_server: Any, new_page: Any, populated: World, language: str, lang: str
) -> None:
    from yiwang.core.testing.browser import assert_accessible

    w = populated
    asked = report(w)
    decided = report(w, note="Wrong street")
    services.mark_registry_corrected(
        actor=w.registrar_officer, correction_id=decided.pk, note="Street fixed."
    )
    page = logged_in(new_page, live_server, w.registrar_officer, language)
    page.goto(live_server.url + LIST)
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("tbody tr").count() == 2
    assert_accessible(page)
    page.goto(live_server.url + f"{LIST}{asked.pk}/")
    assert page.locator("main form").count() == 2
    assert_accessible(page)
    # Not corrected, without a reason: the error summary and the message beside the field.
    page.locator('form[action$="/rejected/"] button[type=submit]').click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_rejected-reason").fill("It matches the register.")
    page.locator('form[action$="/rejected/"] button[type=submit]').click()
    page.wait_for_load_state()
    assert page.locator("main form").count() == 0
    assert_accessible(page)
    page.goto(live_server.url + f"{LIST}{decided.pk}/")
    assert_accessible(page)
