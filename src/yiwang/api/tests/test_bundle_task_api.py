"""Over the API too, a bundle's case gives its department only what its own service asks for:
the answers, the files, a correction's fields and materials, and the read's audit event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.applications.models import CorrectionRequest
from yiwang.audit.models import AuditEvent
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]
Bearer = Callable[[str], Client]
ACCOUNT = w.CAFE_ANSWERS["bank_account"]


@pytest.fixture
def cafe(world: w.World) -> dict[str, Any]:
    w.load_cafe()
    app = w.submitted_cafe(w.citizen())
    return {
        "app": app,
        "licence_task": w.open_task_of(app, "cafe-licence"),
        "payroll_task": w.open_task_of(app, "cafe-payroll"),
    }


def answers(body: dict[str, Any]) -> dict[str, Any]:
    return {a["name"]: a["value"] for page in body["form"] for a in page["answers"]}


def files(body: dict[str, Any]) -> set[str]:
    return {m["material_code"] for m in body["materials"]}


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_a_clerk_gets_the_services_answers_and_files_and_the_shared_ones(
    world: w.World, cafe: dict[str, Any], logged_in: Login
) -> None:
    licence = logged_in(w.clerk(world.licensing)).get(f"/api/v1/tasks/{cafe['licence_task'].pk}")
    payroll = logged_in(w.clerk(world.streets)).get(f"/api/v1/tasks/{cafe['payroll_task'].pk}")

    assert licence.status_code == payroll.status_code == 200
    assert answers(licence.json()) == {"business_name": "Plum Café", "seats": 24}
    assert files(licence.json()) == {"floor-plan", "lease"}
    assert ACCOUNT not in licence.content.decode()
    assert "bank-letter" not in licence.content.decode()
    assert answers(payroll.json()) == {"business_name": "Plum Café", "bank_account": ACCOUNT}
    assert files(payroll.json()) == {"bank-letter", "lease"}


def test_the_departments_system_gets_the_same_part(
    world: w.World, cafe: dict[str, Any], bearer: Bearer
) -> None:
    _system, token = w.department_system(world.licensing)
    client = bearer(token)
    mark = last_event_id()

    response = client.get(f"/api/v1/tasks/{cafe['licence_task'].pk}")

    assert response.status_code == 200
    assert answers(response.json()) == {"business_name": "Plum Café", "seats": 24}
    assert files(response.json()) == {"floor-plan", "lease"}
    [event] = AuditEvent.objects.filter(id__gt=mark)
    assert (event.data["fields"], event.data["materials"]) == (
        ["business_name", "seats"],
        ["floor-plan", "lease"],
    )


def test_a_correction_of_another_services_part_is_refused(
    world: w.World, cafe: dict[str, Any], logged_in: Login
) -> None:
    client = logged_in(w.clerk(world.licensing, Role.REVIEWER))
    url = f"/api/v1/tasks/{cafe['licence_task'].pk}/decision"

    def decide(**body: Any) -> Any:
        body = {"decision": "request_correction", **body}
        return client.post(url, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")

    field = decide(correction_fields=["bank_account"])
    material = decide(correction_materials=["bank-letter"])

    assert field.status_code == material.status_code == 422
    assert field.json()["error"]["fields"] == {"correction_fields": ["bank_account"]}
    assert material.json()["error"]["fields"] == {"correction_materials": ["bank-letter"]}
    assert not CorrectionRequest.objects.exists()
    own = decide(correction_fields=["seats", "business_name"], correction_materials=["lease"])
    assert own.status_code == 200
    correction = CorrectionRequest.objects.get()
    assert (correction.fields, correction.materials) == (["seats", "business_name"], ["lease"])


def test_the_timeline_gives_another_departments_correction_without_its_note(
    world: w.World, cafe: dict[str, Any], logged_in: Login
) -> None:
    streets = logged_in(w.clerk(world.streets, Role.REVIEWER))
    asked = streets.post(
        f"/api/v1/tasks/{cafe['payroll_task'].pk}/decision",
        {
            "decision": "request_correction",
            "correction_fields": ["bank_account"],
            "correction_materials": ["bank-letter", "lease"],
            "note": f"The account {ACCOUNT} is closed.",
        },
        content_type="application/json",
    )
    assert asked.status_code == 200

    licence = logged_in(w.clerk(world.licensing)).get(f"/api/v1/tasks/{cafe['licence_task'].pk}")

    [payroll] = [c for c in licence.json()["timeline"] if c["service_code"] == "cafe-payroll"]
    [correction] = payroll["corrections"]
    assert payroll["status"] == "correction_requested"
    assert (correction["fields"], correction["materials"], correction["note"]) == (
        [],
        ["lease"],
        "",
    )
    assert ACCOUNT not in licence.content.decode()
