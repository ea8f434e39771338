"""The correction page (补正) when a changed answer requires a field that had no answer: the field
appears once the changed answer is sent, with the reason and the usual "required" message, in
both languages; nothing else the clerk did not choose can be changed (card-posting.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications.constants import CorrectionStatus
from yiwang.applications.models import Application, CorrectionRequest
from yiwang.applications.tests.conftest import _media, citizen, clerk, world
from yiwang.applications.tests.test_correction_rules import ADDRESS, HOLDER, ask, submitted_card
from yiwang.portal.tests.service_world import client_for, html, summary_links

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen", "clerk", "world"]

TEXT = {
    "en": {
        "because": "Because you chose “By post” for “How to get the card”, please also answer "
        "“Postal address”.",
        "required": "Enter “Postal address”.",
    },
    "zh-hans": {
        "because": "由于您在“领取方式”中选择了“邮寄”，请您同时回答“邮寄地址”。",
        "required": "请填写“邮寄地址”。",
    },
}


def inputs(doc: Any) -> set[str]:
    form = doc.one("main").one("form", enctype="multipart/form-data")
    return {e.get("name") for e in form.iter() if e.tag in ("input", "textarea", "select")}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_choosing_post_asks_for_the_address_on_the_correction_page(
    world: Any, clerk: Any, citizen: Any, language: str
) -> None:
    text = TEXT[language]
    application = submitted_card(citizen, delivery="counter", counter="A3")
    correction = ask(clerk, application, ["delivery"])
    url = f"/my/applications/{application.pk}/corrections/{correction.pk}/"
    client = client_for(citizen, language)

    first = html(client.get(url))
    assert inputs(first) == {"csrfmiddlewaretoken", "delivery"}
    assert text["because"] not in first.text

    # The changed answer is sent: the address it requires is asked for, beside the reason.
    again = html(client.post(url, {"delivery": "post", "counter": "B7"}))
    assert inputs(again) == {"csrfmiddlewaretoken", "delivery", "postal_address"}
    assert summary_links(again) == ["#id_postal_address"]
    assert text["because"] in again.one("main").text
    assert text["required"] in again.one("main").text
    assert again.one("input", name="delivery", value="post").get("checked") is not None
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN

    # Answers to anything else the clerk did not choose are not taken.
    response = client.post(
        url, {"delivery": "post", "postal_address": ADDRESS, "counter": "B7", "holder_id": "x"}
    )
    assert response.status_code == 302, html(response).find(class_="error-summary")
    assert response["Location"] == f"/my/applications/{application.pk}/"
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.RESOLVED
    assert Application.objects.get(pk=application.pk).form_data == {
        "holder_id": HOLDER,
        "delivery": "post",
        "counter": "A3",
        "postal_address": ADDRESS,
    }


def test_going_back_to_the_counter_drops_the_address_again(
    world: Any, clerk: Any, citizen: Any
) -> None:
    application = submitted_card(citizen, delivery="counter", counter="A3")
    correction = ask(clerk, application, ["delivery"])
    url = f"/my/applications/{application.pk}/corrections/{correction.pk}/"
    client = client_for(citizen)

    html(client.post(url, {"delivery": "post"}))
    # The person changes their mind with the address box on the page: it is not needed, so it
    # is neither demanded nor kept.
    doc = client.post(url, {"delivery": "counter", "postal_address": ""})
    assert doc.status_code == 302
    stored = Application.objects.get(pk=application.pk).form_data
    assert stored["delivery"] == "counter" and "postal_address" not in stored


@pytest.mark.parametrize(
    ("language", "needed", "optional"),
    [
        ("en", "(needed for some answers)", "(optional)"),
        ("zh-hans", "（视您的回答可能需要填写）", "（选填）"),
    ],
)
def test_a_field_some_answers_require_is_not_called_optional(
    world: Any, citizen: Any, language: str, needed: str, optional: str
) -> None:
    from yiwang.applications import services

    application = services.start_application(actor=citizen, service_code="card-posting")
    client = client_for(citizen, language)
    card = html(client.get(f"/my/applications/{application.pk}/pages/card/"))
    labels = {e.get("for"): e.text for e in card.find_all("label")}
    # The counter is needed when the card is collected; the employer's code never is.
    assert needed in labels["id_counter"] and optional not in labels["id_counter"]
    assert optional in labels["id_employer_uscc"]
    post = html(client.get(f"/my/applications/{application.pk}/pages/post/"))
    labels = {e.get("for"): e.text for e in post.find_all("label")}
    assert needed in labels["id_postal_address"]
