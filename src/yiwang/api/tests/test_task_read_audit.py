"""Reading a task with its case over the API is on the audit log, whether a clerk or the
department's own system reads it; a refused read records nothing and is "not found"."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.audit.models import AuditEvent
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]
Bearer = Callable[[str], Client]


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_after(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=mark).order_by("id"))


def test_a_clerk_reading_a_task_is_recorded(world: w.World, logged_in: Login) -> None:
    applicant = w.citizen()
    app = w.submitted(applicant)
    task = w.open_task(app)
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    client = logged_in(reviewer)
    mark = last_event_id()

    response = client.get(f"/api/v1/tasks/{task.pk}")

    assert response.status_code == 200
    [event] = events_after(mark)
    assert event.action == "applications.case_viewed"
    assert (event.actor_type, event.actor_id) == ("staff", str(reviewer.pk))
    assert (event.actor_department, event.actor_role) == ("bo-licensing", Role.REVIEWER)
    assert event.subjects == [f"person:{applicant.person.national_id}"]
    assert (event.object_type, event.object_id) == ("applications.case", str(task.case_id))
    # The fields whose answers and the materials whose files were shown: the whole application
    # of a single service.
    assert event.data == {
        "application": app.pk,
        "task": task.pk,
        "step": task.step_code,
        "fields": ["shop_name", "floor_area", "phone"],
        "materials": ["site-plan"],
    }


def test_the_departments_system_reading_a_task_is_recorded(world: w.World, bearer: Bearer) -> None:
    applicant = w.citizen()
    app = w.submitted(applicant)
    task = w.open_task(app)
    system, token = w.department_system(world.licensing)
    mark = last_event_id()

    response = bearer(token).get(f"/api/v1/tasks/{task.pk}")

    assert response.status_code == 200
    [event] = events_after(mark)
    assert event.action == "applications.case_viewed"
    assert (event.actor_type, event.actor_id) == ("system", f"department-system.{system.pk}")
    assert (event.actor_department, event.actor_role) == ("bo-licensing", "system")
    assert event.subjects == [f"person:{applicant.person.national_id}"]
    assert (event.object_type, event.object_id) == ("applications.case", str(task.case_id))


def test_listing_the_queue_is_not_a_read_of_a_case(world: w.World, logged_in: Login) -> None:
    w.submitted(w.citizen())
    client = logged_in(w.clerk(world.licensing))
    mark = last_event_id()

    response = client.get("/api/v1/tasks")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1
    assert events_after(mark) == []


@pytest.mark.parametrize("who", ["clerk", "team lead", "system"])
def test_another_department_reads_nothing_and_nothing_is_recorded(
    world: w.World, logged_in: Login, bearer: Bearer, who: str
) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    if who == "system":
        client = bearer(w.department_system(world.streets)[1])
    else:
        role = Role.TEAM_LEAD if who == "team lead" else Role.REVIEWER
        client = logged_in(w.clerk(world.streets, role))
    mark = last_event_id()

    response = client.get(f"/api/v1/tasks/{task.pk}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert events_after(mark) == []
