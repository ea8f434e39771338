"""Applying for the "move house" bundle page by page, the way a browser without JavaScript does."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications import selectors
from yiwang.applications.constants import ApplicationStatus
from yiwang.core.testing.html import parse
from yiwang.portal.tests.service_world import (
    ABOUT_YOU,
    BUNDLE_PAGES,
    CHILD,
    NEW_HOME,
    _media,
    citizen,
    client_for,
    fill_bundle,
    firm,
    html,
    page_url,
    pdf_upload,
    save,
    start,
    submit,
    summary_links,
    upload_all,
    world,
)

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen", "firm", "world"]


def test_start_needs_a_login_and_comes_back_to_start(world: Any, citizen: Any) -> None:
    anonymous = client_for()
    response = anonymous.post("/bundles/move-house/start/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/bundles/move-house/start/"

    client = client_for(citizen)
    doc = html(client.get("/bundles/move-house/start/"))  # where the login sends them back
    form = doc.one("main").one("form")
    assert form.get("method") == "post"
    assert form.one("button").text == "Start now"
    assert selectors.applications_for(actor=citizen).count() == 0  # a GET creates nothing


def test_whole_bundle_journey_with_a_mistake_on_every_page(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    response = client.get(f"/my/applications/{pk}/continue/")
    assert response["Location"] == page_url(pk, BUNDLE_PAGES[0])

    # Page 1: a name too short and a date that does not exist.
    doc = html(save(client, pk, BUNDLE_PAGES[0], {"full_name": "L", "move_date": "2026-02-30"}))
    assert summary_links(doc) == ["#id_full_name", "#id_move_date"]
    assert doc.one("title").text.startswith("Error: About you")
    assert doc.by_id("id_full_name-error").text == "Error: Enter at least 2 characters."
    assert (
        doc.by_id("id_move_date-error").text == "Error: Enter a real date in the form 2026-01-31."
    )
    assert doc.one("input", id="id_move_date").get("value") == "2026-02-30"  # nothing lost
    assert doc.one("input", id="id_move_date").get("type") == "date"
    response = save(client, pk, BUNDLE_PAGES[0], ABOUT_YOU)
    assert response["Location"] == page_url(pk, BUNDLE_PAGES[1])

    # Page 2: a number in words, and two questions left unanswered.
    wrong = {"new_address": NEW_HOME["new_address"], "household_size": "three"}
    doc = html(save(client, pk, BUNDLE_PAGES[1], wrong))
    assert summary_links(doc) == ["#id_household_size", "#id_reason_0", "#id_has_children_0"]
    assert doc.by_id("id_household_size-error").text == "Error: Enter a whole number."
    assert doc.by_id("id_reason-error").text == "Error: Choose an answer to “Why you moved”."
    assert doc.one("input", id="id_household_size").get("value") == "three"
    assert doc.one("input", id="id_household_size").get("inputmode") == "numeric"
    assert doc.one("textarea", id="id_new_address").text == NEW_HOME["new_address"]
    legends = [legend.text for legend in doc.find_all("legend")]
    assert "Why you moved" in legends and "Are school-age children moving with you?" in legends
    assert len(doc.find_all("input", type="radio", name="reason")) == 4
    response = save(client, pk, BUNDLE_PAGES[1], NEW_HOME)
    # Children move too, so the school transfer applies and its page comes next.
    assert response["Location"] == page_url(pk, BUNDLE_PAGES[2])

    # Page 3: an e-mail address without an @.
    doc = html(save(client, pk, BUNDLE_PAGES[2], {**CHILD, "contact_email": "lihua.example"}))
    assert summary_links(doc) == ["#id_contact_email"]
    assert doc.one("input", id="id_contact_email").get("type") == "email"
    response = save(client, pk, BUNDLE_PAGES[2], CHILD)
    assert response["Location"] == f"/my/applications/{pk}/materials/"

    # Uploads: one input per material the answers call for, each asked for once.
    doc = html(client.get(f"/my/applications/{pk}/materials/"))
    form = doc.one("main").one("form", enctype="multipart/form-data")
    names = [i.get("name") for i in form.find_all("input", type="file")]
    assert names == ["file-tenancy", "file-birth-certificate"]
    assert doc.one("input", name="file-tenancy").get("accept") == ".pdf,application/pdf"
    assert "Files you can use: PDF, up to 5 MB." in doc.by_id("id_file-tenancy-hint").text
    doc = html(client.post(f"/my/applications/{pk}/materials/", {"action": "continue"}))
    assert summary_links(doc) == ["#id_file-tenancy", "#id_file-birth-certificate"]
    not_a_pdf = {"file-tenancy": _fake_pdf(), "action": "continue"}
    doc = html(client.post(f"/my/applications/{pk}/materials/", not_a_pdf))
    assert "fake.pdf" in doc.by_id("id_file-tenancy-error").text
    upload_all(client, pk)

    # Check your answers: every answer, a change link per question, every file.
    doc = html(client.get(f"/my/applications/{pk}/check/"))
    main = doc.one("main")
    text = main.text
    for expected in ("Li Hua", "2026-03-02", "12 Plum Street", "Family", "Yes", "Li Xiaoming",
                     "lihua@example.org", "tenancy.pdf", "births.pdf"):  # fmt: skip
        assert expected in text, expected
    change = [a.get("href") for a in main.find_all("a") if a.text.startswith("Change")]
    assert f"{page_url(pk, BUNDLE_PAGES[1])}?return=check#id_reason_0" in change
    key = main.one("input", name="idempotency_key").get("value")
    assert key

    # A double click: two posts with the same key make one application.
    first = submit(client, pk, key)
    second = submit(client, pk, key)
    assert first["Location"] == second["Location"] == f"/my/applications/{pk}/receipt/"
    applications = list(selectors.applications_for(actor=citizen))
    assert len(applications) == 1
    application = applications[0]
    assert application.status == ApplicationStatus.SUBMITTED
    assert [c.service_code for c in application.cases.all()] == [
        "address-change",
        "school-transfer",
    ]

    receipt = html(client.get(first["Location"]))
    assert receipt.one(class_="receipt-number").text == application.receipt_number
    assert "Public Security Bureau will decide by" in receipt.one("main").text
    assert "Education Bureau will decide by" in receipt.one("main").text


def _fake_pdf() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("fake.pdf", b"just some text, not a PDF", content_type="text/plain")


def test_pages_of_a_service_that_does_not_apply_are_skipped(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    save(client, pk, BUNDLE_PAGES[0], ABOUT_YOU)
    response = save(client, pk, BUNDLE_PAGES[1], {**NEW_HOME, "has_children": "false"})
    assert response["Location"] == f"/my/applications/{pk}/materials/"
    doc = html(client.get(f"/my/applications/{pk}/materials/"))
    assert [i.get("name") for i in doc.find_all("input", type="file")] == ["file-tenancy"]
    upload_all(client, pk, children=False)
    check = html(client.get(f"/my/applications/{pk}/check/")).one("main")
    assert "Your child" not in check.text
    assert submit(client, pk)["Location"].endswith("/receipt/")
    application = selectors.application_for(actor=citizen, pk=pk)
    assert [c.service_code for c in application.cases.all()] == ["address-change"]


def test_save_and_come_back_later_keeps_even_wrong_answers(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    save(client, pk, BUNDLE_PAGES[0], ABOUT_YOU)
    response = client.post(
        page_url(pk, BUNDLE_PAGES[1]),
        {"new_address": "12 Plum Street", "household_size": "lots", "action": "later"},
    )
    assert response["Location"] == "/my/applications/"

    listing = html(client.get("/my/applications/")).one("main")
    continue_links = [a.get("href") for a in listing.find_all("a") if a.text.startswith("Continue")]
    assert continue_links == [f"/my/applications/{pk}/continue/"]
    assert "Draft" in listing.text

    response = client.get(f"/my/applications/{pk}/continue/")
    assert response["Location"] == page_url(pk, BUNDLE_PAGES[1])
    doc = html(client.get(response["Location"]))
    assert doc.one("input", id="id_household_size").get("value") == "lots"
    assert doc.one("textarea", id="id_new_address").text == "12 Plum Street"


def test_change_link_returns_to_check_your_answers(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    fill_bundle(client, pk)
    upload_all(client, pk)
    doc = html(client.get(page_url(pk, BUNDLE_PAGES[0]) + "?return=check"))
    assert doc.one("a", class_="back-link").get("href") == f"/my/applications/{pk}/check/"
    response = save(client, pk, BUNDLE_PAGES[0], {**ABOUT_YOU, "full_name": "Li Hong"},
                    **{"return": "check"})  # fmt: skip
    assert response["Location"] == f"/my/applications/{pk}/check/"
    assert "Li Hong" in html(client.get(response["Location"])).one("main").text


def test_submitting_too_early_lists_what_is_missing_with_links(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    save(client, pk, BUNDLE_PAGES[0], ABOUT_YOU)
    doc = html(submit(client, pk))
    links = summary_links(doc)
    assert f"{page_url(pk, BUNDLE_PAGES[1])}?return=check#id_new_address" in links
    assert f"/my/applications/{pk}/materials/?return=check#id_file-tenancy" in links
    problems = [li.text for li in doc.one(class_="error-summary").find_all("li")]
    assert "Enter “New address”." in problems
    assert "Choose an answer to “Why you moved”." in problems
    assert "Choose a file for “Proof of address”." in problems
    assert doc.one("title").text.startswith("Error:")
    assert selectors.application_for(actor=citizen, pk=pk).is_draft


def test_reupload_replaces_the_file_and_remove_takes_it_off(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    fill_bundle(client, pk, children=False)
    url = f"/my/applications/{pk}/materials/"
    client.post(url, {"file-tenancy": pdf_upload("first.pdf"), "action": "later"})
    client.post(url, {"file-tenancy": pdf_upload("second.pdf"), "action": "later"})
    application = selectors.application_for(actor=citizen, pk=pk)
    current = list(selectors.uploads_for(actor=citizen, application=application))
    assert [u.original_name for u in current] == ["second.pdf"]
    doc = html(client.get(url))
    assert "You have uploaded second.pdf" in doc.by_id("id_file-tenancy-hint").text
    remove = doc.one("button", name="remove")
    assert remove.get("form") == "remove-files"
    assert client.post(url, {"remove": remove.get("value")})["Location"] == url
    assert not selectors.uploads_for(actor=citizen, application=application).exists()
    # The same button again (another tab, the back button): said, not silently ignored.
    again = client.post(url, {"remove": remove.get("value")}, follow=True)
    assert "That file is no longer part of this application." in again.content.decode()


def test_single_service_without_documents_goes_straight_to_checking(
    world: Any, citizen: Any
) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "waste-permit", applicant="self")
    doc = html(client.get(page_url(pk, "site")))
    assert doc.one("input", id="id_tonnes").get("inputmode") == "decimal"
    response = save(client, pk, "site", {"site_address": "8 Bamboo Lane", "tonnes": "2.5"})
    assert response["Location"] == f"/my/applications/{pk}/check/"
    assert submit(client, pk)["Location"].endswith("/receipt/")
    application = selectors.application_for(actor=citizen, pk=pk)
    assert application.form_data == {"site_address": "8 Bamboo Lane", "tonnes": 2.5}


def test_firm_representative_chooses_whom_to_apply_for(world: Any, citizen: Any, firm: Any) -> None:
    client = client_for(citizen)
    doc = html(client.post("/services/waste-permit/start/"))
    fieldset = doc.one("fieldset")
    assert fieldset.one("legend").text == "Who are you applying for?"
    values = [i.get("value") for i in fieldset.find_all("input", type="radio")]
    assert values == ["self", f"firm:{firm.pk}"]
    assert "Demo Renovation Ltd." in fieldset.text

    doc = html(client.post("/services/waste-permit/start/", {"applicant_step": "1"}))
    assert summary_links(doc) == ["#id_applicant_0"]
    assert selectors.applications_for(actor=citizen).count() == 0

    pk = start(client, "service", "waste-permit", applicant_step="1", applicant=f"firm:{firm.pk}")
    application = selectors.application_for(actor=citizen, pk=pk)
    assert application.firm == firm
    assert "for Demo Renovation Ltd." in html(client.get(page_url(pk, "site"))).text


def test_a_service_for_people_only_offers_no_firm_choice(
    world: Any, citizen: Any, firm: Any
) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "address-change")
    assert selectors.application_for(actor=citizen, pk=pk).firm is None


def test_a_firm_cannot_be_forged_into_the_choice(world: Any, citizen: Any, firm: Any) -> None:
    from yiwang.identity.tests.factories import FirmFactory

    stranger = FirmFactory()
    client = client_for(citizen)
    response = client.post(
        "/services/waste-permit/start/",
        {"applicant_step": "1", "applicant": f"firm:{stranger.pk}"},
    )
    assert response.status_code == 200
    assert summary_links(parse(response.content)) == ["#id_applicant_0"]
    assert selectors.applications_for(actor=citizen).count() == 0


def test_form_pages_speak_chinese_with_the_definitions_texts(world: Any, citizen: Any) -> None:
    from django.utils import translation

    client = client_for(citizen, language="zh-hans")
    pk = start(client, "bundle", "move-house")
    doc = html(save(client, pk, BUNDLE_PAGES[0], {"full_name": "", "move_date": ""}))
    assert doc.one("html").get("lang") == "zh-Hans"
    assert doc.one("h1").text == "个人信息"
    assert doc.one("label", for_="id_full_name").text == "姓名"
    assert doc.by_id("id_full_name-hint").text == "与身份证一致。"
    with translation.override("zh-hans"):
        required = translation.gettext("Enter “%(question)s”.") % {"question": "姓名"}
        button = translation.gettext("Save and continue")
    assert doc.by_id("id_full_name-error").text.endswith(required)
    assert doc.one("button", value="continue").text == button
    assert required != "Enter “姓名”."  # the Chinese catalogue has the message


@pytest.mark.parametrize("typed", ["Li\x1bHua", "Li\x00Hua"])
def test_a_control_character_in_an_answer_is_named_once_beside_it_and_kept_on_screen(
    world: Any, citizen: Any, typed: str
) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")

    response = save(client, pk, BUNDLE_PAGES[0], {**ABOUT_YOU, "full_name": typed})

    assert response.status_code == 200
    doc = html(response)
    error = doc.by_id("id_full_name-error")
    assert error is not None and error.text.count("control character") == 1
    assert len(doc.one(class_="error-summary").find_all("li")) == 1


def test_a_page_sent_to_a_draft_submitted_or_withdrawn_meanwhile_says_it_was_not_saved(
    world: Any, citizen: Any
) -> None:
    from yiwang.applications import services
    from yiwang.portal.tests.service_world import submitted_bundle

    client = client_for(citizen)
    pk = submitted_bundle(client)  # submitted in another tab; this one still shows a page
    sent = client.post(page_url(pk, BUNDLE_PAGES[0]), {**ABOUT_YOU, "action": "continue"},
                       follow=True)  # fmt: skip
    assert "This application has been submitted, so what you sent was not saved." in (
        sent.content.decode()
    )

    draft = start(client, "bundle", "move-house")
    services.withdraw_application(
        actor=citizen, application=selectors.application_for(actor=citizen, pk=draft)
    )
    sent = client.post(page_url(draft, BUNDLE_PAGES[0]), {**ABOUT_YOU, "action": "continue"},
                       follow=True)  # fmt: skip
    assert "This draft was withdrawn, so what you sent was not saved." in sent.content.decode()
