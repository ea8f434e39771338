"""Every page that shows a clerk an applicant's data is on the audit log: opening a task (with
its case) and downloading an uploaded file. A refused read records nothing and is "not found"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.applications import selectors
from yiwang.audit.models import AuditEvent
from yiwang.exchange import selectors as exchange
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import FirmFactory

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_after(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=mark).order_by("id"))


def actor_fields(event: AuditEvent) -> tuple[str, str, str, str]:
    return (event.actor_type, event.actor_id, event.actor_department, event.actor_role)


def page_text(response: Any) -> str:
    """The page without its per-response CSRF tokens."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def person_key(account: Any) -> str:
    return f"person:{account.person.national_id}"


# --- Opening a task ----------------------------------------------------------------------------


def test_opening_a_task_records_who_read_whose_case(world: w.World, logged_in: Login) -> None:
    applicant = w.citizen()
    app = w.submitted(applicant)
    task = w.open_task(app)
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    client = logged_in(reviewer)
    mark = last_event_id()

    response = client.get(f"/backoffice/tasks/{task.pk}/")

    assert response.status_code == 200
    [event] = events_after(mark)
    assert event.action == "applications.case_viewed"
    assert actor_fields(event) == ("staff", str(reviewer.pk), "bo-licensing", Role.REVIEWER)
    assert event.subjects == [person_key(applicant)]
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


def test_a_firms_case_names_the_firm_and_the_person_who_applied(
    world: w.World, logged_in: Login
) -> None:
    firm = FirmFactory()
    representative = w.representative(firm)
    task = w.open_task(w.submitted(representative, firm=firm))
    lead = w.clerk(world.licensing, Role.TEAM_LEAD)
    client = logged_in(lead)
    mark = last_event_id()

    client.get(f"/backoffice/tasks/{task.pk}/")

    [event] = events_after(mark)
    assert event.subjects == [person_key(representative), f"firm:{firm.uscc}"]
    assert (event.actor_department, event.actor_role) == ("bo-licensing", Role.TEAM_LEAD)


def test_a_clerk_with_several_roles_is_recorded_in_the_steps_role(
    world: w.World, logged_in: Login
) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    clerk = w.clerk(world.licensing, Role.APPROVER, Role.TEAM_LEAD, Role.REVIEWER)
    client = logged_in(clerk)
    mark = last_event_id()

    client.get(f"/backoffice/tasks/{task.pk}/")

    [event] = events_after(mark)
    assert task.role == Role.REVIEWER
    assert (event.actor_department, event.actor_role) == ("bo-licensing", Role.REVIEWER)


def test_each_showing_of_the_page_is_one_read(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    client = logged_in(w.clerk(world.licensing))
    mark = last_event_id()

    client.get(f"/backoffice/tasks/{task.pk}/")
    client.get(f"/backoffice/tasks/{task.pk}/")
    # A refusal without a reason shows the page (and the case) again, with the error.
    client.post(f"/backoffice/tasks/{task.pk}/", {"decision": "reject", "reason": ""})

    assert [e.action for e in events_after(mark)] == ["applications.case_viewed"] * 3


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.TEAM_LEAD])
def test_another_departments_clerk_reads_nothing_and_nothing_is_recorded(
    world: w.World, logged_in: Login, role: str
) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    client = logged_in(w.clerk(world.streets, role))
    mark = last_event_id()

    response = client.get(f"/backoffice/tasks/{task.pk}/")

    assert response.status_code == 404
    assert events_after(mark) == []


def test_the_applicants_timeline_and_access_log_do_not_change(
    world: w.World, logged_in: Login
) -> None:
    applicant = w.citizen()
    app = w.submitted(applicant)
    task = w.open_task(app)
    before = selectors.case_timeline(actor=applicant, application=app)
    portal_before = logged_in(applicant).get(f"/my/applications/{app.pk}/")

    logged_in(w.clerk(world.licensing)).get(f"/backoffice/tasks/{task.pk}/")

    assert selectors.case_timeline(actor=applicant, application=app) == before
    assert exchange.access_log_for(actor=applicant, person=applicant.person) == []
    portal_after = logged_in(applicant).get(f"/my/applications/{app.pk}/")
    assert portal_after.status_code == portal_before.status_code == 200
    assert page_text(portal_after) == page_text(portal_before)


# --- Downloading a file ------------------------------------------------------------------------


def test_downloading_a_file_records_who_read_it(world: w.World, logged_in: Login) -> None:
    applicant = w.citizen()
    app = w.submitted(applicant)
    upload = app.uploads.get()
    reviewer = w.clerk(world.licensing, Role.REVIEWER)
    client = logged_in(reviewer)
    mark = last_event_id()

    response = client.get(f"/backoffice/materials/{upload.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == w.PDF
    [event] = events_after(mark)
    assert event.action == "applications.material_viewed"
    assert actor_fields(event) == ("staff", str(reviewer.pk), "bo-licensing", Role.REVIEWER)
    assert event.subjects == [person_key(applicant)]
    assert (event.object_type, event.object_id) == ("applications.materialupload", str(upload.pk))
    assert event.data == {
        "application": app.pk,
        "material": "site-plan",
        "sha256": upload.sha256,
    }


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.TEAM_LEAD])
def test_another_departments_clerk_downloads_nothing_and_nothing_is_recorded(
    world: w.World, logged_in: Login, role: str
) -> None:
    upload = w.submitted(w.citizen()).uploads.get()
    client = logged_in(w.clerk(world.streets, role))
    mark = last_event_id()

    response = client.get(f"/backoffice/materials/{upload.pk}/")

    assert response.status_code == 404
    assert events_after(mark) == []


def test_a_file_missing_from_storage_is_not_recorded_as_read(
    world: w.World, logged_in: Login
) -> None:
    upload = w.submitted(w.citizen()).uploads.get()
    upload.file.storage.delete(upload.file.name)
    client = logged_in(w.clerk(world.licensing))
    mark = last_event_id()

    response = client.get(f"/backoffice/materials/{upload.pk}/")

    assert response.status_code == 404
    assert events_after(mark) == []
