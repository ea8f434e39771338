"""After submitting: following an application, fixing a correction (补正), withdrawing, one's own
files and inbox — and nobody else seeing any of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yiwang.applications import selectors
from yiwang.applications import services as application_services
from yiwang.applications.constants import (
    ApplicationStatus,
    CorrectionStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import CorrectionRequest, Task
from yiwang.core.testing.html import parse
from yiwang.portal.tests.service_world import (
    _media,
    citizen,
    client_for,
    firm,
    html,
    other_citizen,
    other_firm_rep,
    pdf_bytes,
    pdf_upload,
    save,
    start,
    submit,
    submitted_bundle,
    summary_links,
    world,
)

pytestmark = pytest.mark.django_db
__all__ = ["_media", "citizen", "firm", "other_citizen", "other_firm_rep", "world"]


def task(pk: int, step: str) -> Task:
    return Task.objects.get(case__application_id=pk, step_code=step)


def ask_for_correction(world: Any, pk: int, **kwargs: Any) -> CorrectionRequest:
    application_services.decide_task(
        actor=world["clerks"]["police.reviewer"],
        task=task(pk, "check"),
        decision=Decision.REQUEST_CORRECTION,
        **{
            "correction_fields": ["household_size"],
            "correction_materials": ["tenancy"],
            "note": "The tenancy agreement is not signed. How many people live there?",
            **kwargs,
        },
    )
    return CorrectionRequest.objects.get(case__application_id=pk)


def test_application_page_shows_each_departments_steps(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = submitted_bundle(client)
    main = html(client.get(f"/my/applications/{pk}/")).one("main")
    headings = [h.text for h in main.find_all("h3")]
    assert "Change of registered address" in headings and "School transfer" in headings
    timeline = main.find_all("ol", class_="timeline")
    assert [li.one("h4").text for li in timeline[0].find_all("li")] == [
        "Check the documents",
        "Decide",
    ]
    assert "Public Security Bureau" in timeline[0].text and "In the queue" in timeline[0].text
    assert "Education Bureau" in main.text
    assert "Decision due by" in main.text
    assert "Withdraw application" in main.text


def test_refusal_shows_its_reason_and_results_show_outputs(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = submitted_bundle(client)
    clerks = world["clerks"]
    application_services.decide_task(
        actor=clerks["education.reviewer"],
        task=task(pk, "place"),
        decision=Decision.REJECT,
        reason="No school place is free near the new address this term.",
    )
    application_services.decide_task(
        actor=clerks["police.reviewer"], task=task(pk, "check"), decision=Decision.APPROVE
    )
    application_services.decide_task(
        actor=clerks["police.approver"], task=task(pk, "decide"), decision=Decision.APPROVE
    )
    main = html(client.get(f"/my/applications/{pk}/")).one("main")
    assert "Reason: No school place is free near the new address this term." in main.text
    assert "Confirmation of the new registered address (Registration)" in main.text
    assert "School place letter" not in main.text  # refused: no result
    assert "Withdraw application" not in main.text  # decided: too late


def test_correction_changes_only_what_was_asked(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = submitted_bundle(client)
    correction = ask_for_correction(world, pk)
    url = f"/my/applications/{pk}/corrections/{correction.pk}/"

    detail = html(client.get(f"/my/applications/{pk}/")).one("main")
    assert "The tenancy agreement is not signed." in detail.text
    assert url in [a.get("href") for a in detail.find_all("a")]
    assert "Waiting for your correction" in detail.text

    doc = html(client.get(url))
    form = doc.one("main").one("form", enctype="multipart/form-data")
    editable = {e.get("name") for e in form.iter() if e.tag in ("input", "textarea", "select")}
    assert editable == {"csrfmiddlewaretoken", "household_size", "file-tenancy"}
    assert doc.one("input", name="household_size").get("value") == "3"
    read_only = doc.one("main").one("dl", class_="summary-list").text
    assert "Li Hua" in read_only and "12 Plum Street" in read_only

    # A wrong answer and no file: both said, nothing changes.
    doc = html(client.post(url, {"household_size": "none"}))
    assert summary_links(doc) == ["#id_household_size", "#id_file-tenancy"]
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.OPEN

    # Sneaking another answer in changes nothing else.
    response = client.post(
        url, {"household_size": "4", "full_name": "Someone Else", "file-tenancy": pdf_upload()}
    )
    assert response["Location"] == f"/my/applications/{pk}/"
    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.RESOLVED
    application = selectors.application_for(actor=citizen, pk=pk)
    assert application.form_data["household_size"] == 4
    assert application.form_data["full_name"] == "Li Hua"
    assert application.status == ApplicationStatus.SUBMITTED
    assert task(pk, "check").status in (TaskStatus.OPEN, TaskStatus.CLAIMED)
    # Answered: the page now sends the person back to the application.
    assert client.get(url)["Location"] == f"/my/applications/{pk}/"


def test_correction_upload_is_checked_per_material(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = submitted_bundle(client)
    correction = ask_for_correction(world, pk, correction_fields=[])
    url = f"/my/applications/{pk}/corrections/{correction.pk}/"
    wrong = SimpleUploadedFile("scan.docx", b"PK\x03\x04 not really", content_type="text/plain")
    doc = html(client.post(url, {"file-tenancy": wrong}))
    assert summary_links(doc) == ["#id_file-tenancy"]
    assert "scan.docx" in doc.by_id("id_file-tenancy-error").text
    assert client.post(url, {"file-tenancy": pdf_upload("signed.pdf")}).status_code == 302
    names = [u.original_name for u in selectors.uploads_for(actor=citizen, application=selectors
             .application_for(actor=citizen, pk=pk))]  # fmt: skip
    assert "signed.pdf" in names and "tenancy.pdf" not in names


def test_withdraw_asks_first_then_withdraws(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = submitted_bundle(client)
    doc = html(client.get(f"/my/applications/{pk}/withdraw/"))
    assert doc.one("h1").text == "Withdraw this application?"
    assert selectors.application_for(actor=citizen, pk=pk).status == ApplicationStatus.SUBMITTED

    response = client.post(f"/my/applications/{pk}/withdraw/")
    assert response["Location"] == "/my/applications/"
    application = selectors.application_for(actor=citizen, pk=pk)
    assert application.status == ApplicationStatus.WITHDRAWN
    assert not Task.objects.filter(case__application_id=pk, status=TaskStatus.OPEN).exists()
    # Withdrawn: no second withdrawal offered or accepted.
    assert client.get(f"/my/applications/{pk}/withdraw/")["Location"] == f"/my/applications/{pk}/"


def test_a_deleted_draft_leaves_my_applications(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = start(client, "bundle", "move-house")
    assert html(client.get(f"/my/applications/{pk}/withdraw/")).one("h1").text == (
        "Delete this draft?"
    )
    client.post(f"/my/applications/{pk}/withdraw/")
    listing = html(client.get("/my/applications/")).one("main")
    assert "You have no applications yet." in listing.text


def test_own_file_downloads_as_an_attachment_never_inline(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = submitted_bundle(client)
    application = selectors.application_for(actor=citizen, pk=pk)
    upload = selectors.uploads_for(actor=citizen, application=application).get(
        material_code="tenancy"
    )
    response = client.get(f"/my/applications/{pk}/files/{upload.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="tenancy.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes()


def test_inbox_lists_messages_and_opening_one_marks_it_read(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    pk = submitted_bundle(client)
    inbox = html(client.get("/my/inbox/")).one("main")
    assert "1 unread message" in inbox.text
    item = inbox.one("li", class_="unread")
    link = item.one("a").get("href")
    # Written in the account's language (Chinese) and read on an English page: marked so.
    assert item.one("a").get("lang") == "zh-Hans"
    page = html(client.get(link))
    message = page.one("main")
    assert f"/my/applications/{pk}/" in [a.get("href") for a in message.find_all("a")]
    assert message.one("h1").get("lang") == "zh-Hans"
    # The title cannot carry a language of its own: it names the message by its date.
    assert page.one("title").text.startswith("Message of ")
    client.cookies["django_language"] = "zh-hans"
    subject = message.one("h1").text.strip()
    assert html(client.get(link)).one("title").text.startswith(subject)
    client.cookies["django_language"] = "en"
    inbox = html(client.get("/my/inbox/")).one("main")
    assert "0 unread messages" in inbox.text
    assert inbox.find("li", class_="unread") is None


def _every_url(client: Any, world: Any, owner: Any) -> list[str]:
    pk = submitted_bundle(client)
    correction = ask_for_correction(world, pk)
    application = selectors.application_for(actor=owner, pk=pk)
    upload = selectors.uploads_for(actor=owner, application=application).first()
    draft = start(client, "bundle", "move-house")
    base = f"/my/applications/{pk}"
    return [
        f"{base}/",
        f"{base}/receipt/",
        f"{base}/withdraw/",
        f"{base}/corrections/{correction.pk}/",
        f"{base}/files/{upload.pk}/",
        f"/my/applications/{draft}/",
        f"/my/applications/{draft}/continue/",
        f"/my/applications/{draft}/pages/address-change.about-you/",
        f"/my/applications/{draft}/materials/",
        f"/my/applications/{draft}/check/",
        f"/my/applications/{draft}/withdraw/",
    ]


def test_another_citizen_gets_404_for_every_page_and_file(
    world: Any, citizen: Any, other_citizen: Any
) -> None:
    urls = _every_url(client_for(citizen), world, citizen)
    intruder = client_for(other_citizen)
    for url in urls:
        assert intruder.get(url).status_code == 404, url
        assert intruder.post(url, {"action": "continue"}).status_code in (404, 405), url
    inbox = html(intruder.get("/my/inbox/")).one("main")
    assert "You have no messages." in inbox.text
    message = citizen.inbox_messages.first()
    assert intruder.get(f"/my/inbox/{message.pk}/").status_code == 404


def test_another_firms_representative_gets_404(
    world: Any, citizen: Any, firm: Any, other_firm_rep: Any
) -> None:
    client = client_for(citizen)
    pk = start(client, "service", "waste-permit", applicant_step="1", applicant=f"firm:{firm.pk}")
    save(client, pk, "site", {"site_address": "8 Bamboo Lane", "tonnes": "4"})
    assert submit(client, pk).status_code == 302
    outsider = client_for(other_firm_rep)
    for url in (f"/my/applications/{pk}/", f"/my/applications/{pk}/receipt/",
                f"/my/applications/{pk}/withdraw/", f"/my/applications/{pk}/check/"):  # fmt: skip
        assert outsider.get(url).status_code == 404, url
    assert "You have no applications yet." in html(outsider.get("/my/applications/")).text


def test_pages_need_a_citizen_login(world: Any, citizen: Any) -> None:
    pk = submitted_bundle(client_for(citizen))
    anonymous = client_for()
    response = anonymous.get(f"/my/applications/{pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    clerk = client_for(world["clerks"]["police.reviewer"])
    assert clerk.get(f"/my/applications/{pk}/").status_code == 403  # the staff realm
    assert parse(clerk.get("/my/applications/").content).one("h1").text


def test_file_download_url_of_another_application_is_404(world: Any, citizen: Any) -> None:
    client = client_for(citizen)
    first = submitted_bundle(client)
    second = submitted_bundle(client)
    application = selectors.application_for(actor=citizen, pk=first)
    upload = selectors.uploads_for(actor=citizen, application=application).first()
    assert client.get(f"/my/applications/{second}/files/{upload.pk}/").status_code == 404
