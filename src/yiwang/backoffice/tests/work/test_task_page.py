"""The task page: the case, its files and timeline, and the decision form (GOV.UK errors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.applications.models import CorrectionRequest, Task
from yiwang.core.testing.html import Element, parse
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def page_of(response: Any) -> Element:
    assert response.status_code == 200, response.status_code
    return parse(response.content)


def url(task: Any) -> str:
    return f"/backoffice/tasks/{task.pk}/"


def summary_links(page: Element) -> list[str]:
    summary = page.find("div", class_="error-summary")
    return [a.get("href") or "" for a in summary.find_all("a")] if summary else []


def test_the_page_shows_answers_with_titles_files_and_timeline(
    world: w.World, logged_in: Login
) -> None:
    app = w.submitted(w.citizen())
    task = w.open_task(app)

    english = page_of(logged_in(w.clerk(world.licensing)).get(url(task)))
    chinese = page_of(logged_in(w.clerk(world.licensing), language="zh-hans").get(url(task)))

    assert app.receipt_number in english.find("h1").text
    answers = {dt.text: dd.text for dt, dd in zip(
        english.find_all("dt"), english.find_all("dd"), strict=True)}  # fmt: skip
    assert answers["Shop name"] == "Corner Shop"
    assert answers["Floor area (square metres)"] == "30"
    assert "店名" in [d.text for d in chinese.find_all("dt")]
    link = english.find("a", href=f"/backoffice/materials/{app.uploads.get().pk}/")
    assert link is not None and link.text == "plan.pdf"
    steps = english.find("ol", class_="timeline").find_all("li")
    assert [s.find("strong").text for s in steps] == ["Check the application", "Decide"]
    assert steps[0].get("aria-current") == "step"


@pytest.mark.parametrize("who", ["another department's clerk", "another department's lead"])
def test_another_departments_task_is_not_found(world: w.World, logged_in: Login, who: str) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    role = Role.TEAM_LEAD if "lead" in who else Role.REVIEWER
    client = logged_in(w.clerk(world.streets, role))

    shown = client.get(url(task))
    decided = client.post(url(task), {"decision": "approve"})
    assigned = client.post(f"{url(task)}assign/", {"assignee": "1"})

    assert shown.status_code == decided.status_code == assigned.status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


@pytest.mark.parametrize("pk", [10**6, 2**63, 10**30])
def test_a_task_that_does_not_exist_is_not_found(world: w.World, logged_in: Login, pk: int) -> None:
    response = logged_in(w.clerk(world.licensing)).get(f"/backoffice/tasks/{pk}/")

    assert response.status_code == 404


def test_approving_sends_the_case_to_its_next_step(world: w.World, logged_in: Login) -> None:
    app = w.submitted(w.citizen())
    task = w.open_task(app)
    client = logged_in(w.clerk(world.licensing))

    response = client.post(url(task), {"decision": "approve"})

    assert response.status_code == 302 and response["Location"] == url(task)
    task.refresh_from_db()
    assert task.status == "done" and task.decision == "approve"
    assert Task.objects.get(case__application=app, step_code="approve").status == "open"
    after = page_of(client.get(response["Location"]))
    assert after.find("ul", class_="messages") is not None
    assert after.find("form", action=url(task)) is None  # nothing left to decide


def test_refusing_without_a_reason_is_an_error_next_to_the_reason(
    world: w.World, logged_in: Login
) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    client = logged_in(w.clerk(world.licensing))

    response = client.post(url(task), {"decision": "reject", "reason": "   "})

    page = page_of(response)
    assert summary_links(page) == ["#id_reason"]
    assert page.find("p", id="id_reason-error") is not None
    assert page.find("textarea", id="id_reason").get("aria-invalid") == "true"
    assert page.find("title").text.startswith("Error:")
    # What the clerk chose is kept.
    assert page.find("input", id="id_decision_1").get("checked") is not None
    task.refresh_from_db()
    assert task.status == "open" and task.assignee is None


def test_refusing_with_a_reason_records_it_for_the_applicant(
    world: w.World, logged_in: Login
) -> None:
    app = w.submitted(w.citizen())
    task = w.open_task(app)

    logged_in(w.clerk(world.licensing)).post(
        url(task), {"decision": "reject", "reason": "The premises are not a shop."}
    )

    task.refresh_from_db()
    assert task.decision == "reject" and task.reason == "The premises are not a shop."
    app.refresh_from_db()
    assert app.cases.get().status == "rejected"


def test_choosing_no_decision_is_an_error(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen()))

    page = page_of(logged_in(w.clerk(world.licensing)).post(url(task), {"reason": "x"}))

    assert summary_links(page) == ["#id_decision_0"]
    assert (
        "Choose approve, refuse or ask for a correction."
        in page.find("div", class_="error-summary").text
    )


def test_a_correction_needs_at_least_one_answer_or_material(
    world: w.World, logged_in: Login
) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    client = logged_in(w.clerk(world.licensing))

    page = page_of(client.post(url(task), {"decision": "request_correction", "note": "Fix"}))

    assert summary_links(page) == ["#id_correction_fields_0"]
    assert not CorrectionRequest.objects.exists()


def test_a_correction_lists_what_to_fix_and_stops_the_clock(
    world: w.World, logged_in: Login
) -> None:
    app = w.submitted(w.citizen())
    task = w.open_task(app)
    client = logged_in(w.clerk(world.licensing))

    response = client.post(
        url(task),
        {
            "decision": "request_correction",
            "correction_fields": ["floor_area"],
            "correction_materials": ["site-plan"],
            "note": "The floor area does not match the plan.",
        },
    )

    assert response.status_code == 302
    correction = CorrectionRequest.objects.get()
    assert correction.fields == ["floor_area"] and correction.materials == ["site-plan"]
    task.refresh_from_db()
    assert task.status == "on_hold"
    page = page_of(client.get(url(task)))
    shown = page.find("ul", class_="list-plain").text
    assert "Floor area (square metres)" in shown and "Site plan" in shown
    assert "Clock stopped" in page.text


def test_a_task_another_clerk_holds_is_decided_only_by_a_team_lead(
    world: w.World, logged_in: Login
) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    holder, colleague = w.clerk(world.licensing), w.clerk(world.licensing)
    lead = w.clerk(world.licensing, Role.TEAM_LEAD)
    logged_in(holder).post(f"{url(task)}claim/")

    colleague_page = page_of(logged_in(colleague).get(url(task)))
    refused = logged_in(colleague).post(url(task), {"decision": "approve"})
    lead_page = page_of(logged_in(lead).get(url(task)))

    assert colleague_page.find("h2", id="decision-heading") is None
    assert refused.status_code == 409
    task.refresh_from_db()
    assert task.status == "claimed" and task.assignee == holder
    assert lead_page.find("h2", id="decision-heading") is not None


def test_a_decision_refused_because_a_colleague_came_first_keeps_what_was_written(
    world: w.World, logged_in: Login
) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    holder, colleague = w.clerk(world.licensing), w.clerk(world.licensing)
    reason = "The premises plan is missing the fire exits.\nPlease send a new one."
    logged_in(holder).post(f"{url(task)}claim/")

    claimed = logged_in(colleague).post(url(task), {"decision": "reject", "reason": reason})
    text = claimed.content.decode()
    assert claimed.status_code == 409
    assert f"{holder} has claimed this task meanwhile" in text
    assert "The premises plan is missing the fire exits.<br>Please send a new one." in text

    logged_in(holder).post(url(task), {"decision": "approve"})
    decided = logged_in(colleague).post(url(task), {"decision": "reject", "reason": reason})
    assert "this task was decided meanwhile (it is now done)" in decided.content.decode()


def test_a_team_lead_hands_a_task_to_a_reviewer(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    lead = w.clerk(world.licensing, Role.TEAM_LEAD)
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    approver_only = w.clerk(world.licensing, Role.APPROVER)
    client = logged_in(lead)

    form = page_of(client.get(url(task))).find("select", id="id_assignee")
    offered = {o.get("value") for o in form.find_all("option")}
    response = client.post(f"{url(task)}assign/", {"assignee": str(reviewer.pk)})

    # The check step is a reviewer's: an approver-only colleague is not offered it.
    assert str(reviewer.pk) in offered and str(approver_only.pk) not in offered
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == reviewer and task.status == "claimed"


def test_assigning_to_someone_not_offered_is_an_error(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    lead = w.clerk(world.licensing, Role.TEAM_LEAD)
    outsider = w.clerk(world.streets, Role.REVIEWER)

    page = page_of(logged_in(lead).post(f"{url(task)}assign/", {"assignee": str(outsider.pk)}))

    assert summary_links(page) == ["#id_assignee"]
    task.refresh_from_db()
    assert task.assignee is None


def test_a_reviewer_cannot_hand_out_tasks(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    reviewer, other = w.clerk(world.licensing), w.clerk(world.licensing)
    client = logged_in(reviewer)

    page = page_of(client.get(url(task)))
    response = client.post(f"{url(task)}assign/", {"assignee": str(other.pk)})

    assert page.find("h2", id="assign-heading") is None
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.assignee is None
