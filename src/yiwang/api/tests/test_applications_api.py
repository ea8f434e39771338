"""A citizen's applications over the API: start, fill in, upload, submit once, follow, withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.applications.models import Application, Case, MaterialUpload

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def start(client: Client, **body: Any) -> Any:
    return client.post("/api/v1/applications", body, content_type="application/json")


def patch(client: Client, app_id: int, body: dict[str, Any]) -> Any:
    return client.patch(
        f"/api/v1/applications/{app_id}/draft", body, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip


def upload(client: Client, app_id: int, material: str = "site-plan", **kwargs: Any) -> Any:
    return client.post(
        f"/api/v1/applications/{app_id}/materials/{material}",
        {"file": kwargs.get("file") or w.pdf()},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def submit(client: Client, app_id: int, key: str | None = "key-1") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(
        f"/api/v1/applications/{app_id}/submit", HTTP_ACCEPT_LANGUAGE="en", **headers
    )


def test_start_a_draft_for_a_service(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    client = logged_in(person)

    response = start(client, service="shop-permit")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["receipt_number"] is None
    assert body["kind"] == "service" and body["code"] == "shop-permit"
    assert body["title"]["en"] == "Small shop permit"
    assert body["current_page"] == "shop"
    assert Application.objects.get(pk=body["id"]).applicant == person.person


def test_start_for_a_bundle_and_for_a_firm(world: w.World, logged_in: Login) -> None:
    rep = w.representative()
    firm = rep.person.firms.get()
    client = logged_in(rep)

    bundle = start(client, bundle="open-a-corner-shop")
    for_firm = start(client, service="shop-permit", firm=firm.uscc)

    assert bundle.status_code == 201 and bundle.json()["kind"] == "bundle"
    assert for_firm.status_code == 201
    assert for_firm.json()["firm"] == {"uscc": firm.uscc, "name": firm.name}


def test_start_refuses_a_firm_the_person_may_not_act_for(world: w.World, logged_in: Login) -> None:
    other_firm = w.representative().person.firms.get()
    response = start(logged_in(w.citizen()), service="shop-permit", firm=other_firm.uscc)

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"firm"}
    assert not Application.objects.exists()


@pytest.mark.parametrize("body", [{}, {"service": "shop-permit", "bundle": "open-a-corner-shop"}])
def test_start_needs_exactly_one_of_service_and_bundle(
    world: w.World, logged_in: Login, body: dict[str, Any]
) -> None:
    response = start(logged_in(w.citizen()), **body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_start_refuses_an_unpublished_service(world: w.World, logged_in: Login) -> None:
    response = start(logged_in(w.citizen()), service="no-such-service")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "refused"


def test_draft_shows_form_answers_and_materials(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    app = w.draft(person, answers={"shop_name": "Corner Shop"})

    response = logged_in(person).get(f"/api/v1/applications/{app.pk}/draft")

    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"shop_name": "Corner Shop"}
    assert [p["id"] for p in body["pages"]] == ["shop", "contact"]
    assert body["fields"]["shop_name"]["x-title"]["zh"] == "店名"
    assert body["required"] == ["shop_name", "floor_area"]
    assert [(m["code"], m["upload"]) for m in body["materials"]] == [("site-plan", None)]


def test_saving_a_page_with_mistakes_keeps_the_answers_and_lists_the_fields(
    world: w.World, logged_in: Login
) -> None:
    person = w.citizen()
    app = w.draft(person)
    client = logged_in(person)

    wrong = patch(client, app.pk, {"page": "shop", "data": {"shop_name": "X", "floor_area": 0}})
    fixed = patch(client, app.pk, {"page": "shop", "data": {"shop_name": "Xiao", "floor_area": 9}})

    assert wrong.status_code == 422
    error = wrong.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"shop_name", "floor_area"}
    assert fixed.status_code == 200
    assert fixed.json()["data"] == {"shop_name": "Xiao", "floor_area": 9}
    assert fixed.json()["application"]["current_page"] == "shop"


def test_a_field_of_another_page_is_refused_by_name(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    app = w.draft(person)

    response = patch(logged_in(person), app.pk, {"page": "contact", "data": {"shop_name": "Xi"}})

    assert response.status_code == 422
    assert "shop_name" in response.json()["error"]["fields"]


def test_upload_stores_the_file_and_refuses_a_fake_pdf(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    app = w.draft(person)
    client = logged_in(person)

    stored = upload(client, app.pk)
    fake = upload(client, app.pk, file=w.pdf("plan.pdf", b"this is plain text, not a PDF"))
    unknown = upload(client, app.pk, material="no-such-material")

    assert stored.status_code == 201
    assert stored.json()["original_name"] == "plan.pdf"
    assert stored.json()["content_type"] == "application/pdf"
    assert fake.status_code == 422 and fake.json()["error"]["code"] == "upload_refused"
    assert "plan.pdf" in fake.json()["error"]["message"]
    assert unknown.status_code == 422
    assert MaterialUpload.objects.filter(application=app, superseded=False).count() == 1


def test_submit_is_idempotent_with_the_same_key(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    app = w.draft(person, answers=w.SHOP_ANSWERS, upload=True)
    client = logged_in(person)

    first = submit(client, app.pk, key="press-1")
    again = submit(client, app.pk, key="press-1")
    other = submit(client, app.pk, key="press-2")

    assert first.status_code == 200
    receipt = first.json()["receipt_number"]
    assert receipt and receipt.startswith("YW")
    assert again.status_code == 200 and again.json()["receipt_number"] == receipt
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "already_submitted"
    assert Case.objects.filter(application=app).count() == 1


def test_submit_needs_the_idempotency_key(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    app = w.draft(person, answers=w.SHOP_ANSWERS, upload=True)

    response = submit(logged_in(person), app.pk, key=None)

    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert Application.objects.get(pk=app.pk).status == "draft"


def test_submitting_an_incomplete_draft_names_what_is_missing(
    world: w.World, logged_in: Login
) -> None:
    person = w.citizen()
    app = w.draft(person, answers={"shop_name": "Corner Shop"})

    response = submit(logged_in(person), app.pk)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "incomplete"
    assert set(error["fields"]) == {"floor_area", "materials.site-plan"}


def test_list_get_and_timeline_of_my_applications(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    first = w.submitted(person)
    second = w.draft(person)
    w.submitted(w.citizen())  # somebody else's
    client = logged_in(person)

    listed = client.get("/api/v1/applications").json()
    one = client.get(f"/api/v1/applications/{first.pk}").json()
    timeline = client.get(f"/api/v1/applications/{first.pk}/timeline").json()

    assert [a["id"] for a in listed["items"]] == [second.pk, first.pk]
    assert one["receipt_number"] == first.receipt_number
    assert one["status"] == "submitted"
    [case] = timeline["cases"]
    assert case["service_code"] == "shop-permit"
    assert [(t["step_code"], t["status"]) for t in case["tasks"]] == [
        ("check", "open"),
        ("approve", "waiting"),
    ]
    # The person sees departments, not which clerk holds a task.
    assert all(t["assignee"] is None for t in case["tasks"])


def test_list_pages_with_an_offset(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    apps = [w.draft(person) for _ in range(3)]
    client = logged_in(person)

    first = client.get("/api/v1/applications", {"limit": 2}).json()
    second = client.get("/api/v1/applications", {"limit": 2, "offset": 2}).json()

    assert [a["id"] for a in first["items"]] == [apps[2].pk, apps[1].pk]
    assert first["next_offset"] == 2
    assert [a["id"] for a in second["items"]] == [apps[0].pk]
    assert second["next_offset"] is None


def test_withdraw_a_submitted_application(world: w.World, logged_in: Login) -> None:
    person = w.citizen()
    app = w.submitted(person)

    response = logged_in(person).post(f"/api/v1/applications/{app.pk}/withdraw")

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["outcome"] == "withdrawn"


def test_a_firms_other_representative_follows_its_submitted_application(
    world: w.World, logged_in: Login
) -> None:
    first_rep = w.representative()
    firm = first_rep.person.firms.get()
    colleague = w.representative(firm)
    app = w.submitted(first_rep, firm=firm)

    listed = logged_in(colleague).get("/api/v1/applications").json()
    timeline = logged_in(colleague).get(f"/api/v1/applications/{app.pk}/timeline")

    assert [a["id"] for a in listed["items"]] == [app.pk]
    assert timeline.status_code == 200


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The request's body could not be read as its Content-Type says"),
        ("zh-hans", "无法按"),
    ],
)
def test_a_multipart_body_without_its_boundary_is_refused_in_the_readers_language(
    world: w.World, logged_in: Login, language: str, expected: str
) -> None:
    client = logged_in(w.citizen())
    app_id = start(client, service="shop-permit").json()["id"]

    response = client.post(
        f"/api/v1/applications/{app_id}/materials/site-plan",
        b"--x\r\nnot a part\r\n",
        content_type="multipart/form-data",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith(expected)
    assert "boundary in multipart" not in message  # the parser's English stays in the log
