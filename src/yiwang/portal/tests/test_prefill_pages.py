"""'What we already know': preview, confirm, fixed answers, fewer documents, reporting a wrong
value — through the test client, without JavaScript, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.applications.models import Application
from yiwang.applications.tests.test_prefill import pworld, registrar_officer_of
from yiwang.exchange import selectors as exchange_selectors
from yiwang.portal.tests.service_world import _media, client_for, html, pdf_bytes

pytestmark = pytest.mark.django_db
__all__ = ["_media", "pworld"]

NAMES = {
    "en": {"people": "People registry", "certificates": "Certificates registry"},
    "zh-hans": {"people": "人口库", "certificates": "证书库"},
}


def _start(client: Any) -> int:
    response = client.post("/services/family-registration/start/")
    assert response.status_code == 302
    location = response["Location"]
    assert location.endswith("/prefill/"), location
    return int(location.split("/")[3])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_preview_confirm_then_fixed_answers_and_fewer_documents(pworld: Any, language: str) -> None:
    citizen = pworld["citizen"]
    client = client_for(citizen, language)
    names = NAMES[language]
    # The service page says how much official records can answer before anyone starts.
    service = html(client.get("/services/family-registration/")).text
    assert "5" in service

    pk = _start(client)
    doc = html(client.get(f"/my/applications/{pk}/prefill/"))
    text = doc.one("main").text
    assert "李华" in text and "示例路1号" in text and "B1234567" in text
    assert names["people"] in text and names["certificates"] in text
    # One "This is wrong" link per value, each to its own small form.
    links = [a.get("href") for a in doc.find_all("a") if "/wrong/" in (a.get("href") or "")]
    assert sorted(links) == sorted(
        f"/my/applications/{pk}/prefill/{name}/wrong/"
        for name in ("full_name", "address", "certificate_number")
    )
    # The residence registry cannot be reached: the page says the person answers it.
    assert "Residence registry" in text or "居住登记库" in text

    response = client.post(f"/my/applications/{pk}/prefill/", {"action": "confirm"})
    assert response.status_code == 302
    app = Application.objects.get(pk=pk)
    assert app.fields_prefilled == 3 and app.materials_prefilled == 1
    # The preview is done; going back to it continues the application.
    assert client.get(f"/my/applications/{pk}/prefill/").status_code == 302

    page = html(client.get(f"/my/applications/{pk}/pages/who/"))
    assert page.find(name="full_name") is None
    assert page.find(name="address") is None
    assert page.find(name="home_address") is not None
    assert "李华" in page.one("main").text and names["people"] in page.one("main").text
    # Posting a different value for a fixed answer changes nothing.
    client.post(
        f"/my/applications/{pk}/pages/who/",
        {"full_name": "Someone else", "home_address": "Flat 2", "action": "continue"},
    )
    assert Application.objects.get(pk=pk).form_data["full_name"] == "李华"

    client.post(
        f"/my/applications/{pk}/pages/what/", {"reason": "A new baby", "action": "continue"}
    )
    materials = html(client.get(f"/my/applications/{pk}/materials/"))
    assert materials.find(name="file-certificate-copy") is None
    assert materials.find(name="file-photo") is not None
    assert names["certificates"] in materials.one("main").text
    photo = SimpleUploadedFile("photo.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(
        f"/my/applications/{pk}/materials/", {"file-photo": photo, "action": "continue"}
    )
    assert response.status_code == 302

    check = html(client.get(f"/my/applications/{pk}/check/"))
    assert names["people"] in check.one("main").text
    response = client.post(f"/my/applications/{pk}/check/", {"idempotency_key": "k1"})
    assert response.status_code == 302, html(response).one("main").text
    receipt = html(client.get(f"/my/applications/{pk}/receipt/")).one("main").text
    assert "3" in receipt and "1" in receipt
    if language == "en":
        assert "You did not have to give 3 answers" in receipt
        assert "You did not have to upload 1 document" in receipt


def test_reporting_a_wrong_value(pworld: Any) -> None:
    citizen = pworld["citizen"]
    client = client_for(citizen)
    pk = _start(client)
    url = f"/my/applications/{pk}/prefill/address/wrong/"
    form = html(client.get(url))
    assert form.find(name="note") is not None

    empty = html(client.post(url, {"note": ""}))
    assert [a.get("href") for a in empty.one(class_="error-summary").find_all("a")] == ["#id_note"]
    officer = registrar_officer_of()
    assert exchange_selectors.registry_corrections_for(actor=officer) == []

    response = client.post(url, {"note": "We moved in May."})
    assert response["Location"] == f"/my/applications/{pk}/prefill/"
    (request,) = exchange_selectors.registry_corrections_for(actor=officer)
    assert request.registry_code == "people" and request.field == "address"
    preview = html(client.get(f"/my/applications/{pk}/prefill/")).one("main").text
    assert "asked them to check it" in preview

    client.post(f"/my/applications/{pk}/prefill/", {"action": "confirm"})
    page = html(client.get(f"/my/applications/{pk}/pages/who/"))
    assert page.find(name="address") is not None  # the person answers it now
    assert page.find(name="full_name") is None


def test_someone_elses_preview_is_not_found(pworld: Any) -> None:
    from yiwang.identity.tests.factories import CitizenFactory

    pk = _start(client_for(pworld["citizen"]))
    stranger = client_for(CitizenFactory(username="nosy"))
    assert stranger.get(f"/my/applications/{pk}/prefill/").status_code == 404
    assert stranger.get(f"/my/applications/{pk}/prefill/address/wrong/").status_code == 404
