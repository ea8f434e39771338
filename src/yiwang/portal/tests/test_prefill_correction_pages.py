"""A correction (补正) asking about an answer confirmed from an official record, on the page:
the person is told where it came from, may type another answer and report the record as wrong,
and keeps what they typed when something else needs fixing — in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications import prefill
from yiwang.applications.models import Application
from yiwang.applications.tests.test_prefill import pworld, registrar_officer_of
from yiwang.applications.tests.test_prefill_corrections import ask, submitted
from yiwang.exchange import selectors as exchange_selectors
from yiwang.portal.tests.service_world import _media, client_for, html, summary_links

pytestmark = pytest.mark.django_db
__all__ = ["_media", "pworld"]

TEXT = {
    "en": {
        "people": "People registry",
        "hint": "This answer came from People registry.",
        "report": "Tell People registry their record is wrong",
        "asked": "We have asked People registry to check their record.",
    },
    "zh-hans": {
        "people": "人口库",
        "hint": "此答案来自人口库。",
        "report": "告知人口库其记录有误",
        "asked": "我们已请人口库核查其记录。",
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_registry_answer_can_be_corrected_and_reported(pworld: Any, language: str) -> None:
    citizen = pworld["citizen"]
    text = TEXT[language]
    app = submitted(citizen)
    correction = ask(app, ["address", "reason"])
    url = f"/my/applications/{app.pk}/corrections/{correction.pk}/"
    client = client_for(citizen, language)

    page = html(client.get(url)).one("main")
    address = page.find("input", name="address")
    assert address is not None and address.get("value") == "示例路1号"
    assert text["hint"] in page.text
    assert page.find("textarea", name="report__address") is not None
    assert text["report"] in page.text
    # Only an answer from a record can be reported.
    assert page.find("textarea", name="report__reason") is None

    # Something else is wrong: the page comes back with what was typed, and nothing is sent.
    form = {"address": "新路2号", "report__address": "We moved in May.", "reason": ""}
    again = html(client.post(url, form))
    assert summary_links(again) == ["#id_reason"]
    assert again.one("input", name="address").get("value") == "新路2号"
    assert "We moved in May." in again.one("textarea", name="report__address").text
    assert exchange_selectors.registry_corrections_for(actor=registrar_officer_of()) == []
    assert Application.objects.get(pk=app.pk).form_data["address"] == "示例路1号"

    response = client.post(url, {**form, "reason": "twins"})
    assert response.status_code == 302
    detail = html(client.get(response["Location"])).text
    assert text["asked"] in detail
    stored = Application.objects.get(pk=app.pk)
    assert stored.form_data["address"] == "新路2号"
    assert stored.prefill.fields["address"]["status"] == prefill.Status.REPORTED
    (request,) = exchange_selectors.registry_corrections_for(actor=registrar_officer_of())
    assert request.field == "address" and request.note == "We moved in May."


def test_another_answer_without_a_report_replaces_the_registry_value(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    correction = ask(app, ["address"])
    url = f"/my/applications/{app.pk}/corrections/{correction.pk}/"
    client = client_for(citizen)

    response = client.post(url, {"address": "新路2号", "report__address": "  "})

    assert response.status_code == 302
    stored = Application.objects.get(pk=app.pk)
    assert stored.form_data["address"] == "新路2号"
    assert stored.prefill.fields["address"]["status"] == prefill.Status.REPLACED
    assert exchange_selectors.registry_corrections_for(actor=registrar_officer_of()) == []


def test_a_note_too_long_is_refused_beside_it_and_kept(pworld: Any) -> None:
    citizen = pworld["citizen"]
    app = submitted(citizen)
    correction = ask(app, ["address"])
    url = f"/my/applications/{app.pk}/corrections/{correction.pk}/"
    client = client_for(citizen)
    note = "x" * 2001

    page = html(client.post(url, {"address": "新路2号", "report__address": note}))

    assert summary_links(page) == ["#id_report__address"]
    assert page.one("textarea", name="report__address").text == note
    assert page.one("input", name="address").get("value") == "新路2号"
    stored = Application.objects.get(pk=app.pk)
    assert stored.form_data["address"] == "示例路1号"
    assert "address" in prefill.locked_fields(stored)
