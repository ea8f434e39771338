"""A HEAD request sends no body, so nothing of the applicant's data is read: it must not be on
the audit log as a read, while the GET of the same address is."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.audit.models import AuditEvent
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def actions_after(mark: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(id__gt=mark).order_by("id").values_list("action", flat=True)
    )


def test_head_of_a_task_page_answers_but_records_no_read(world: w.World, logged_in: Login) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    client = logged_in(w.clerk(world.licensing, Role.REVIEWER))
    mark = last_event_id()

    head = client.head(f"/backoffice/tasks/{task.pk}/")

    assert head.status_code == 200
    assert head.content == b""
    assert actions_after(mark) == []

    get = client.get(f"/backoffice/tasks/{task.pk}/")

    assert get.status_code == 200
    assert actions_after(mark) == ["applications.case_viewed"]


def test_head_of_a_file_answers_but_records_no_download(world: w.World, logged_in: Login) -> None:
    upload = w.submitted(w.citizen()).uploads.get()
    client = logged_in(w.clerk(world.licensing, Role.REVIEWER))
    mark = last_event_id()

    head = client.head(f"/backoffice/materials/{upload.pk}/")

    assert head.status_code == 200
    assert head["Content-Disposition"].startswith("attachment")
    assert b"".join(head.streaming_content) == b""
    assert actions_after(mark) == []

    get = client.get(f"/backoffice/materials/{upload.pk}/")

    assert b"".join(get.streaming_content) == w.PDF
    assert actions_after(mark) == ["applications.material_viewed"]


def test_head_of_a_file_of_another_department_is_still_not_found(
    world: w.World, logged_in: Login
) -> None:
    upload = w.submitted(w.citizen()).uploads.get()
    client = logged_in(w.clerk(world.streets, Role.REVIEWER))
    mark = last_event_id()

    assert client.head(f"/backoffice/materials/{upload.pk}/").status_code == 404
    assert actions_after(mark) == []


def test_the_api_does_not_answer_head_for_a_task_and_records_nothing(
    world: w.World, logged_in: Login
) -> None:
    task = w.open_task(w.submitted(w.citizen()))
    client = logged_in(w.clerk(world.licensing, Role.REVIEWER))
    mark = last_event_id()

    response = client.head(f"/api/v1/tasks/{task.pk}")

    assert response.status_code == 405
    assert actions_after(mark) == []
