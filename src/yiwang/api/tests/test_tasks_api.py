"""The clerk's side over the API: the department queue, a task, claiming and deciding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.applications.models import Task
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def decide(client: Client, task_id: int, **body: Any) -> Any:
    return client.post(
        f"/api/v1/tasks/{task_id}/decision", body, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip


def test_queue_lists_the_departments_open_tasks_soonest_due_first(
    world: w.World, logged_in: Login
) -> None:
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    apps = [w.submitted(w.citizen()) for _ in range(3)]
    w.submitted(w.citizen(), service="sign-permit")  # another department's
    tasks = [w.open_task(a) for a in apps]
    # Make the middle one the most urgent: it was due yesterday.
    Task.objects.filter(pk=tasks[1].pk).update(due_date=dt.date.today() - dt.timedelta(days=1))

    response = logged_in(reviewer).get("/api/v1/tasks")

    assert response.status_code == 200
    items = response.json()["items"]
    assert [t["id"] for t in items] == [tasks[1].pk, tasks[0].pk, tasks[2].pk]
    assert [t["overdue"] for t in items] == [True, False, False]
    assert items[0]["case"]["receipt_number"] == apps[1].receipt_number
    assert {t["department"] for t in items} == {"bo-licensing"}


def test_queue_pages_with_a_cursor_without_gaps_or_repeats(
    world: w.World, logged_in: Login
) -> None:
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    tasks = [w.open_task(w.submitted(w.citizen())) for _ in range(5)]
    # Two share a due date, one has none yet, so both the tie-break and NULLS LAST are crossed.
    Task.objects.filter(pk=tasks[3].pk).update(due_date=dt.date(2020, 1, 1))
    Task.objects.filter(pk=tasks[4].pk).update(due_date=dt.date(2020, 1, 1))
    client = logged_in(reviewer)

    seen: list[int] = []
    cursor: str | None = None
    for _page in range(5):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/tasks", params).json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == [tasks[3].pk, tasks[4].pk, tasks[0].pk, tasks[1].pk, tasks[2].pk]


def test_queue_filters_by_status_service_and_due_date(world: w.World, logged_in: Login) -> None:
    lead = w.clerk(world.licensing, Role.TEAM_LEAD)
    early, late = (w.open_task(w.submitted(w.citizen())) for _ in range(2))
    Task.objects.filter(pk=early.pk).update(due_date=dt.date(2020, 1, 1))
    client = logged_in(lead)
    client.post(f"/api/v1/tasks/{late.pk}/claim")

    claimed = client.get("/api/v1/tasks", {"status": "claimed"}).json()["items"]
    due = client.get("/api/v1/tasks", {"due_before": "2020-06-30"}).json()["items"]
    other_service = client.get("/api/v1/tasks", {"service": "sign-permit"}).json()["items"]

    assert [t["id"] for t in claimed] == [late.pk]
    assert claimed[0]["assignee"] == lead.username
    assert [t["id"] for t in due] == [early.pk]
    assert other_service == []


def test_a_bad_cursor_is_a_validation_error(world: w.World, logged_in: Login) -> None:
    reviewer = w.clerk(world.licensing, Role.REVIEWER)

    response = logged_in(reviewer).get("/api/v1/tasks", {"cursor": "not-a-cursor"})

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"cursor"}


def test_task_detail_has_answers_files_and_timeline(world: w.World, logged_in: Login) -> None:
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    app = w.submitted(w.citizen())
    task = w.open_task(app)

    response = logged_in(reviewer).get(f"/api/v1/tasks/{task.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["application"]["receipt_number"] == app.receipt_number
    assert body["applicant"]["name"] == app.applicant.name
    shop = body["form"][0]
    assert shop["title"]["en"] == "The shop"
    assert [(a["name"], a["value"]) for a in shop["answers"]] == [
        ("shop_name", "Corner Shop"),
        ("floor_area", 30),
    ]
    assert [m["material_code"] for m in body["materials"]] == ["site-plan"]
    assert [t["step_code"] for t in body["timeline"][0]["tasks"]] == ["check", "approve"]


def test_claim_then_approve_opens_the_next_step(world: w.World, logged_in: Login) -> None:
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    app = w.submitted(w.citizen())
    task = w.open_task(app)
    client = logged_in(reviewer)

    claimed = client.post(f"/api/v1/tasks/{task.pk}/claim")
    again = client.post(f"/api/v1/tasks/{task.pk}/claim")
    approved = decide(client, task.pk, decision="approve")

    assert claimed.status_code == 200
    assert claimed.json()["status"] == "claimed"
    assert claimed.json()["assignee"] == reviewer.username
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert approved.status_code == 200
    assert approved.json()["status"] == "done" and approved.json()["decision"] == "approve"
    assert Task.objects.get(case__application=app, step_code="approve").status == "open"


def test_refusing_needs_a_reason(world: w.World, logged_in: Login) -> None:
    approver = w.clerk(world.streets, Role.REVIEWER)
    task = w.open_task(w.submitted(w.citizen(), service="sign-permit"))
    client = logged_in(approver)

    without = decide(client, task.pk, decision="reject", reason="  ")
    refused = decide(client, task.pk, decision="reject", reason="The sign is too large.")

    assert without.status_code == 422
    assert set(without.json()["error"]["fields"]) == {"reason"}
    assert refused.status_code == 200
    assert Task.objects.get(pk=task.pk).reason == "The sign is too large."


def test_a_correction_needs_a_field_or_material(world: w.World, logged_in: Login) -> None:
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    app = w.submitted(w.citizen())
    task = w.open_task(app)
    client = logged_in(reviewer)

    nothing = decide(client, task.pk, decision="request_correction", note="Fix it")
    asked = decide(
        client, task.pk, decision="request_correction", correction_fields=["floor_area"],
        correction_materials=["site-plan"], note="The area does not match the plan.",
    )  # fmt: skip

    assert nothing.status_code == 422
    assert asked.status_code == 200
    assert asked.json()["status"] == "on_hold"
    assert app.cases.get().corrections.get().fields == ["floor_area"]


def test_an_unknown_decision_is_refused_by_validation(world: w.World, logged_in: Login) -> None:
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    task = w.open_task(w.submitted(w.citizen()))

    response = decide(logged_in(reviewer), task.pk, decision="maybe")

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"decision"}
    assert Task.objects.get(pk=task.pk).status == "open"


def test_a_department_system_reads_its_departments_queue(world: w.World, bearer: Any) -> None:
    _system, token = w.department_system(world.licensing)
    ours = w.open_task(w.submitted(w.citizen()))
    w.submitted(w.citizen(), service="sign-permit")

    listed = bearer(token).get("/api/v1/tasks")
    one = bearer(token).get(f"/api/v1/tasks/{ours.pk}")

    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["items"]] == [ours.pk]
    assert one.status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [("claim", None), ("decision", {"decision": "approve"})],
)
def test_a_department_system_may_not_claim_or_decide(
    world: w.World, bearer: Any, path: str, body: dict[str, Any] | None
) -> None:
    _system, token = w.department_system(world.licensing)
    task = w.open_task(w.submitted(w.citizen()))

    response = bearer(token).post(
        f"/api/v1/tasks/{task.pk}/{path}", body or {}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "clerk_required"
    task.refresh_from_db()
    assert task.status == "open" and task.assignee is None


def test_a_revoked_token_is_unauthenticated(world: w.World, bearer: Any) -> None:
    from yiwang.exchange.services import revoke_credential

    system, token = w.department_system(world.licensing)
    revoke_credential(actor=w.PLATFORM, system=system)

    response = bearer(token).get("/api/v1/tasks")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_queue_costs_the_same_number_of_queries_for_few_and_many_tasks(
    world: w.World, logged_in: Login
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(w.clerk(world.licensing, Role.TEAM_LEAD))
    w.submitted(w.citizen())
    client.get("/api/v1/tasks")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/tasks")
    for _ in range(5):
        w.submitted(w.citizen())
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/tasks")

    assert len(response.json()["items"]) == 6
    assert len(many.captured_queries) == len(few.captured_queries)
