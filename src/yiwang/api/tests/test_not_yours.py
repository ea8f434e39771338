"""Whatever is not the caller's is not found: every endpoint that names an application or a task
answers 404 (never 403) to another citizen, another firm's representative, another department's
clerk and another department's system — and changes nothing.

Sessions of the wrong realm do not get that far: a clerk's session is not a credential for the
citizen endpoints, nor a citizen's for the clerk endpoints (401, as for nobody).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.applications.models import Application, MaterialUpload, Task
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # with {id}
    body: Any = None
    kind: str = "json"  # json | multipart | none
    headers: tuple[tuple[str, str], ...] = ()

    def send(self, client: Client, object_id: int) -> Any:
        path = "/api/v1" + self.path.format(id=object_id)
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in self.headers}
        if self.kind == "multipart":
            return client.post(path, {"file": w.pdf()}, **extra)
        if self.kind == "json":
            return getattr(client, self.method)(
                path, self.body, content_type="application/json", **extra
            )
        return getattr(client, self.method)(path, **extra)


APPLICATION_CALLS = [
    Call("get", "/applications/{id}", kind="none"),
    Call("get", "/applications/{id}/draft", kind="none"),
    Call("patch", "/applications/{id}/draft", {"data": {"shop_name": "Taken over"}}),
    Call("post", "/applications/{id}/materials/site-plan", kind="multipart"),
    Call("post", "/applications/{id}/submit", kind="none", headers=(("Idempotency-Key", "x"),)),
    Call("get", "/applications/{id}/timeline", kind="none"),
    Call("post", "/applications/{id}/withdraw", kind="none"),
]

TASK_CALLS = [
    Call("get", "/tasks/{id}", kind="none"),
    Call("post", "/tasks/{id}/claim", kind="none"),
    Call("post", "/tasks/{id}/decision", {"decision": "reject", "reason": "Not mine to say."}),
]


def _ids(calls: list[Call]) -> list[str]:
    return [f"{c.method.upper()} {c.path}" for c in calls]


def _snapshot(app: Application) -> tuple[Any, ...]:
    app.refresh_from_db()
    tasks = tuple(Task.objects.filter(case__application=app).values_list("status", "assignee"))
    uploads = MaterialUpload.objects.filter(application=app).count()
    return (app.status, app.form_data, app.receipt_number, tasks, uploads)


@pytest.fixture
def firm_draft(world: w.World) -> Application:
    """A draft its author started for a firm (drafts are their author's alone)."""
    author = w.representative()
    return w.draft(author, firm=author.person.firms.get(), answers=w.SHOP_ANSWERS, upload=True)


@pytest.fixture
def firm_submitted(world: w.World) -> Application:
    author = w.representative()
    return w.submitted(author, firm=author.person.firms.get())


Outsider = Callable[[Application], Client]


def _another_citizen(app: Application, logged_in: Any) -> Client:
    return logged_in(w.citizen())


def _another_firm(app: Application, logged_in: Any) -> Client:
    # Represents a firm of its own, not the application's.
    return logged_in(w.representative())


@pytest.mark.parametrize("call", APPLICATION_CALLS, ids=_ids(APPLICATION_CALLS))
@pytest.mark.parametrize("who", ["another citizen", "another firm"])
@pytest.mark.parametrize("stage", ["draft", "submitted"])
def test_applications_of_others_are_not_found(
    call: Call, who: str, stage: str, firm_draft: Application, firm_submitted: Application,
    logged_in: Any,
) -> None:  # fmt: skip
    app = firm_draft if stage == "draft" else firm_submitted
    outsider = (_another_citizen if who == "another citizen" else _another_firm)(app, logged_in)
    before = _snapshot(app)

    response = call.send(outsider, app.pk)

    assert response.status_code == 404, response.content
    assert response.json() == {
        "error": {"code": "not_found", "message": response.json()["error"]["message"]}
    }
    assert _snapshot(app) == before


@pytest.mark.parametrize("call", APPLICATION_CALLS, ids=_ids(APPLICATION_CALLS))
def test_a_firms_draft_is_not_found_for_the_firms_other_representative(
    call: Call, firm_draft: Application, logged_in: Any
) -> None:
    colleague = w.representative(firm_draft.firm)
    before = _snapshot(firm_draft)

    response = call.send(logged_in(colleague), firm_draft.pk)

    assert response.status_code == 404
    assert _snapshot(firm_draft) == before


@pytest.mark.parametrize("call", APPLICATION_CALLS, ids=_ids(APPLICATION_CALLS))
def test_a_missing_application_looks_the_same_as_somebody_elses(
    call: Call, firm_submitted: Application, logged_in: Any
) -> None:
    client = logged_in(w.citizen())

    others = call.send(client, firm_submitted.pk)
    missing = call.send(client, 10**12)

    assert others.status_code == missing.status_code == 404
    assert others.json() == missing.json()


@pytest.mark.parametrize("call", APPLICATION_CALLS, ids=_ids(APPLICATION_CALLS))
@pytest.mark.parametrize("who", ["clerk of the case's department", "department system"])
def test_staff_and_systems_cannot_use_the_citizen_endpoints(
    call: Call, who: str, world: w.World, firm_submitted: Application, logged_in: Any,
    bearer: Any,
) -> None:  # fmt: skip
    if who == "department system":
        client = bearer(w.department_system(world.licensing)[1])
    else:
        client = logged_in(w.clerk(world.licensing, Role.TEAM_LEAD))
    before = _snapshot(firm_submitted)

    response = call.send(client, firm_submitted.pk)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert _snapshot(firm_submitted) == before


@pytest.mark.parametrize("call", TASK_CALLS, ids=_ids(TASK_CALLS))
@pytest.mark.parametrize("who", ["clerk", "team lead", "system"])
def test_other_departments_tasks_are_not_found(
    call: Call, who: str, world: w.World, firm_submitted: Application, logged_in: Any,
    bearer: Any,
) -> None:  # fmt: skip
    task = w.open_task(firm_submitted)  # a task of the licensing office
    if who == "system":
        client = bearer(w.department_system(world.streets)[1])
    else:
        role = Role.TEAM_LEAD if who == "team lead" else Role.REVIEWER
        client = logged_in(w.clerk(world.streets, role))
    before = _snapshot(firm_submitted)

    response = call.send(client, task.pk)
    missing = call.send(client, 10**12)

    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
    assert missing.json() == response.json()
    assert _snapshot(firm_submitted) == before


@pytest.mark.parametrize("call", TASK_CALLS, ids=_ids(TASK_CALLS))
@pytest.mark.parametrize("who", ["applicant", "another citizen"])
def test_citizens_cannot_use_the_clerk_endpoints(
    call: Call, who: str, firm_submitted: Application, logged_in: Any
) -> None:
    task = w.open_task(firm_submitted)
    account = firm_submitted.applicant.account if who == "applicant" else w.citizen()
    before = _snapshot(firm_submitted)

    response = call.send(logged_in(account), task.pk)

    assert response.status_code == 401
    assert _snapshot(firm_submitted) == before


def test_lists_leave_out_what_is_not_the_callers(
    world: w.World, firm_submitted: Application, logged_in: Any, bearer: Any
) -> None:
    other_citizen = logged_in(w.citizen()).get("/api/v1/applications").json()
    other_firm = logged_in(w.representative()).get("/api/v1/applications").json()
    other_clerk = logged_in(w.clerk(world.streets, Role.TEAM_LEAD)).get("/api/v1/tasks").json()
    other_system = bearer(w.department_system(world.streets)[1]).get("/api/v1/tasks").json()
    named = logged_in(w.clerk(world.streets, Role.TEAM_LEAD)).get(
        "/api/v1/tasks", {"department": "bo-licensing"}
    )

    assert other_citizen["items"] == [] and other_firm["items"] == []
    assert other_clerk["items"] == [] and other_system["items"] == []
    assert named.status_code == 200 and named.json()["items"] == []
