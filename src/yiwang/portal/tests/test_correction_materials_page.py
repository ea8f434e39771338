"""The correction page (补正) when a changed answer makes a document needed that nothing stands for
yet (shop-licence.yaml: a fire escape plan for more than 300 m²): its upload appears once the
changed answer is sent, saying why, in both languages; the correction cannot be sent without it,
and nothing typed or uploaded is lost on the way."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications import services
from yiwang.applications.constants import CorrectionStatus, Decision
from yiwang.applications.models import Application, CorrectionRequest, MaterialUpload
from yiwang.applications.tests.conftest import _media, citizen, clerk, pdf_bytes, tasks_of, world
from yiwang.applications.tests.test_correction_materials import submitted_small_shop
from yiwang.portal.tests.service_world import client_for, html, summary_links
from yiwang.portal.tests.test_correction_rules_page import inputs

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen", "clerk", "world"]

FILE = "file-fire-plan"
TEXT = {
    "en": {
        "heading": "Documents your new answers need",
        "because": "Because you changed your answer to “Floor area (m²)”, please also upload "
        "this document.",
        "missing": "Choose a file for “Fire escape plan”.",
        "kept": "You have uploaded plan.pdf.",
    },
    "zh-hans": {
        "heading": "因您修改的回答而需要的材料",
        "because": "由于您修改了“营业面积（平方米）”的回答，请您同时上传此材料。",
        "missing": "请为“消防平面图”选择文件。",
        "kept": "您已上传 plan.pdf。",
    },
}


def ask(clerk: Any, application: Application, fields: list[str]) -> CorrectionRequest:
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=fields,
        note="Please check the floor area.",
    )
    return CorrectionRequest.objects.get(case__application=application)


def plan() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf")


def hint_of(doc: Any, name: str) -> str:
    """The hint the file input is described by."""
    control = doc.one("input", name=name)
    ids = (control.get("aria-describedby") or "").split()
    return " ".join(doc.one(id=i).text for i in ids if doc.find(id=i) is not None)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_larger_shop_is_asked_for_its_fire_escape_plan(
    world: Any, clerk: Any, citizen: Any, language: str
) -> None:
    text = TEXT[language]
    application = submitted_small_shop(citizen, "service")
    correction = ask(clerk, application, ["floor_area"])
    url = f"/my/applications/{application.pk}/corrections/{correction.pk}/"
    client = client_for(citizen, language)

    first = html(client.get(url))
    assert inputs(first) == {"csrfmiddlewaretoken", "floor_area"}
    assert text["heading"] not in first.text

    # The larger area is sent without the plan: its upload appears, saying why, with the error
    # beside it and in the summary; the answer typed stays in its box.
    again = html(client.post(url, {"floor_area": "420"}))
    assert inputs(again) == {"csrfmiddlewaretoken", "floor_area", FILE}
    assert summary_links(again) == [f"#id_{FILE}"]
    main = again.one("main").text
    assert text["heading"] in main and text["missing"] in main
    assert text["because"] in hint_of(again, FILE)
    assert again.one("input", name="floor_area").get("value") == "420"
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN
    assert Application.objects.get(pk=application.pk).form_data["floor_area"] == 200

    response = client.post(url, {"floor_area": "420", FILE: plan()})
    assert response.status_code == 302, html(response).find(class_="error-summary")
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.RESOLVED
    assert Application.objects.get(pk=application.pk).form_data["floor_area"] == 420
    assert (
        MaterialUpload.objects.get(
            application=application, material_code="fire-plan", superseded=False
        ).correction_id
        == correction.pk
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_plan_sent_with_a_wrong_answer_is_kept(
    world: Any, clerk: Any, citizen: Any, language: str
) -> None:
    text = TEXT[language]
    application = submitted_small_shop(citizen, "service")
    correction = ask(clerk, application, ["floor_area", "postcode"])
    url = f"/my/applications/{application.pk}/corrections/{correction.pk}/"
    client = client_for(citizen, language)

    # The postcode is wrong; the plan is taken and the page says so, so it need not be sent again.
    doc = html(client.post(url, {"floor_area": "420", "postcode": "12", FILE: plan()}))
    assert summary_links(doc) == ["#id_postcode"]
    assert text["kept"] in hint_of(doc, FILE) and text["missing"] not in doc.text
    assert doc.one("input", name="floor_area").get("value") == "420"

    response = client.post(url, {"floor_area": "420", "postcode": "200020"})
    assert response.status_code == 302, html(response).find(class_="error-summary")
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.RESOLVED


def test_going_back_to_a_small_shop_needs_no_plan(world: Any, clerk: Any, citizen: Any) -> None:
    application = submitted_small_shop(citizen, "service")
    correction = ask(clerk, application, ["floor_area"])
    url = f"/my/applications/{application.pk}/corrections/{correction.pk}/"
    client = client_for(citizen)

    html(client.post(url, {"floor_area": "420"}))
    response = client.post(url, {"floor_area": "250"})

    assert response.status_code == 302
    assert not MaterialUpload.objects.filter(material_code="fire-plan").exists()


def test_a_correction_sent_after_the_application_was_withdrawn_says_it_was_cancelled(
    world: Any, citizen: Any, clerk: Any
) -> None:
    application = submitted_small_shop(citizen, "service")
    asked = ask(clerk, application, ["floor_area"])
    client = client_for(citizen, "en")
    url = f"/my/applications/{application.pk}/corrections/{asked.pk}/"
    services.withdraw_application(actor=citizen, application=application)  # in another tab

    sent = client.post(url, {"floor_area": "120"}, follow=True)

    page = sent.content.decode()
    assert "This correction was cancelled (the application was withdrawn" in page
    assert "What you sent on the correction page was not saved." in page
    assert CorrectionRequest.objects.get(pk=asked.pk).status == CorrectionStatus.CANCELLED
