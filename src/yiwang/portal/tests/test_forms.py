"""``includes/error_summary.html`` and ``includes/field.html``: the GOV.UK error pattern."""

from __future__ import annotations

import pytest
from django.test import Client

from yiwang.core.testing.html import Element, parse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("yiwang.portal.tests.urls")]

URL = "/shell-test/form/"
VALID = {
    "full_name": "Li Hua",
    "email": "",
    "district": "east",
    "reason": "Moving house",
    "contact": "phone",
    "agree": "on",
}


@pytest.fixture
def client() -> Client:
    client = Client(HTTP_HOST="localhost")
    client.cookies["django_language"] = "en"
    return client


def post(client: Client, **changes: str) -> Element:
    data = {**VALID, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post(URL, data)
    assert response.status_code == 200
    return parse(response.content)


def test_form_without_errors_has_no_summary_and_no_invalid_marks(client: Client) -> None:
    doc = parse(client.get(URL).content)
    assert doc.find(class_="error-summary") is None
    assert doc.find(aria_invalid=True) is None
    assert not doc.one("title").text.startswith("Error:")


def test_summary_comes_first_and_links_to_every_wrong_field(client: Client) -> None:
    doc = post(client, full_name="", district="", reason="", contact="", agree="")
    main = doc.one("main")
    summary = main.one("div", class_="error-summary")
    first_in_main = next(e for e in main.iter() if e.tag not in {"div", "ul", "li"})
    assert first_in_main.tag == "h2" and "error-summary" in first_in_main.parent.classes
    assert summary.get("role") == "alert"
    assert summary.get("tabindex") == "-1"
    assert summary.one("h2").text == "There is a problem"
    assert summary.get("aria-labelledby") == summary.one("h2").get("id")
    targets = [a.get("href") for a in summary.find_all("a")]
    assert targets == ["#id_full_name", "#id_district", "#id_reason", "#id_contact_0", "#id_agree"]
    for target in targets:
        assert doc.by_id(target[1:]) is not None, f"{target} points at nothing"
    assert doc.one("title").text.startswith("Error: Sample form")


def test_non_field_error_is_in_the_summary(client: Client) -> None:
    doc = post(client, full_name="Nobody")
    summary = doc.one(class_="error-summary")
    assert [a.text for a in summary.find_all("a")] == ["We could not find that person."]


def test_text_input_is_labelled_hinted_and_described_by_its_error(client: Client) -> None:
    doc = post(client, full_name="")
    field = doc.one("input", id="id_full_name")
    assert doc.one("label", for_="id_full_name").text == "Full name"
    assert field.get("aria-invalid") == "true"
    assert field.get("aria-describedby") == "id_full_name-hint id_full_name-error"
    assert doc.by_id("id_full_name-hint").text == "As on your identity card"
    error = doc.by_id("id_full_name-error")
    assert error.text == "Error: This field is required."
    assert error.one("span", class_="visually-hidden").text == "Error:"
    # The error sits with its field, inside the wrapper that marks the whole field as wrong.
    wrapper = next(a for a in field.ancestors() if "field" in a.classes)
    assert "field--error" in wrapper.classes
    assert error in list(wrapper.iter())


def test_valid_field_is_described_by_its_hint_only(client: Client) -> None:
    doc = post(client, reason="")
    field = doc.one("input", id="id_full_name")
    assert field.get("aria-describedby") == "id_full_name-hint"
    assert field.get("aria-invalid") is None


def test_optional_field_says_so_in_its_label(client: Client) -> None:
    doc = parse(client.get(URL).content)
    assert doc.one("label", for_="id_email").text == "E-mail address (optional)"
    assert doc.one("input", id="id_email").get("aria-describedby") is None


def test_select_and_textarea_carry_their_errors(client: Client) -> None:
    doc = post(client, district="", reason="")
    for control, element_id in (("select", "id_district"), ("textarea", "id_reason")):
        element = doc.one(control, id=element_id)
        assert element.get("aria-invalid") == "true"
        assert element.get("aria-describedby") == f"{element_id}-error"
        assert doc.one("label", for_=element_id)


def test_radio_group_is_a_fieldset_whose_legend_is_the_question(client: Client) -> None:
    doc = post(client, contact="")
    radio = doc.one("input", id="id_contact_0")
    fieldset = next(a for a in radio.ancestors() if a.tag == "fieldset")
    assert fieldset.one("legend").text == "How should we contact you?"
    assert fieldset.get("aria-describedby") == "id_contact-hint id_contact-error"
    assert fieldset.find(id="id_contact-error").text == "Error: This field is required."
    radios = fieldset.find_all("input", type="radio")
    assert [r.get("value") for r in radios] == ["phone", "post"]
    for r in radios:
        assert doc.one("label", for_=r.get("id"))


def test_checkbox_group_is_a_fieldset_too(client: Client) -> None:
    doc = parse(client.get(URL).content)
    box = doc.one("input", id="id_topics_0")
    fieldset = next(a for a in box.ancestors() if a.tag == "fieldset")
    assert fieldset.one("legend").text == "Topics (optional)"
    assert doc.one("label", for_="id_topics_0").text == "Tax"


def test_single_checkbox_has_its_label_after_it_and_its_error_above(client: Client) -> None:
    doc = post(client, agree="")
    box = doc.one("input", id="id_agree")
    assert box.get("type") == "checkbox"
    assert box.get("aria-describedby") == "id_agree-error"
    assert box.get("aria-invalid") == "true"
    label = doc.one("label", for_="id_agree")
    assert label.text == "I confirm the information is true"
    wrapper = next(a for a in box.ancestors() if "field" in a.classes)
    order = [e for e in wrapper.iter() if e.get("id") in {"id_agree-error", "id_agree"}]
    assert [e.get("id") for e in order] == ["id_agree-error", "id_agree"]


def test_hidden_field_is_rendered_bare(client: Client) -> None:
    doc = parse(client.get(URL).content)
    hidden = doc.one("input", name="token")
    assert hidden.get("type") == "hidden"
    assert all("field" not in a.classes for a in hidden.ancestors())


def test_valid_form_is_accepted(client: Client) -> None:
    response = client.post(URL, VALID, follow=True)
    doc = parse(response.content)
    assert doc.find(class_="error-summary") is None
    assert doc.one(role="status").text == "Saved."
