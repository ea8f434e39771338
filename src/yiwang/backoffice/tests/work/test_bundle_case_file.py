"""The task page of a bundle's case shows its department only what its own service asks for.

"Open a café": the café licence (bo-licensing) asks for the seats and a floor plan, the payroll
registration (bo-streets) for the bank account and the bank's letter; both ask for the business
name and the lease. The licensing clerk's page, downloads, correction form and read events name
the licence's part and the shared one, never the bank account or its letter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from yiwang.api.tests import world as w
from yiwang.applications.models import CorrectionRequest, MaterialUpload
from yiwang.audit.models import AuditEvent
from yiwang.core.testing.html import Element, parse
from yiwang.identity.constants import Role

pytestmark = pytest.mark.django_db

Login = Callable[..., Client]
ACCOUNT = w.CAFE_ANSWERS["bank_account"]


@pytest.fixture
def cafe(world: w.World) -> dict[str, Any]:
    w.load_cafe()
    app = w.submitted_cafe(w.citizen())
    return {
        "app": app,
        "licence_task": w.open_task_of(app, "cafe-licence"),
        "payroll_task": w.open_task_of(app, "cafe-payroll"),
        "licensing": w.clerk(world.licensing, Role.REVIEWER),
        "streets": w.clerk(world.streets, Role.REVIEWER),
    }


def upload_of(app: Any, code: str) -> MaterialUpload:
    return MaterialUpload.objects.get(application=app, material_code=code, superseded=False)


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def page_of(response: Any) -> Element:
    assert response.status_code == 200, response.status_code
    return parse(response.content)


def answers_of(page: Element) -> dict[str, str]:
    section = page.one("section", aria_labelledby="answers-heading")
    return {
        dt.text: dd.text
        for dt, dd in zip(section.find_all("dt"), section.find_all("dd"), strict=True)
    }


def files_of(page: Element) -> set[str]:
    section = page.one("section", aria_labelledby="materials-heading")
    return {a.text for a in section.find_all("a")}


def choices_of(page: Element, name: str) -> set[str]:
    return {i.get("value") or "" for i in page.find_all("input", name=name)}


def test_each_department_sees_its_services_answers_and_files_and_the_shared_ones(
    cafe: dict[str, Any], logged_in: Login
) -> None:
    licence = logged_in(cafe["licensing"]).get(f"/backoffice/tasks/{cafe['licence_task'].pk}/")
    payroll = logged_in(cafe["streets"]).get(f"/backoffice/tasks/{cafe['payroll_task'].pk}/")

    licence_page, payroll_page = page_of(licence), page_of(payroll)
    assert answers_of(licence_page) == {"Business name": "Plum Café", "Number of seats": "24"}
    assert files_of(licence_page) == {"plan.pdf", "lease.pdf"}
    assert ACCOUNT not in licence.content.decode()
    assert "bank-letter.pdf" not in licence.content.decode()
    assert answers_of(payroll_page) == {"Business name": "Plum Café", "Bank account": ACCOUNT}
    assert files_of(payroll_page) == {"bank-letter.pdf", "lease.pdf"}
    # The clerk is told why the page holds only part of the application.
    assert (
        "one service of a bundle"
        in licence_page.one("section", aria_labelledby="answers-heading").text
    )


def test_the_correction_form_offers_only_the_services_part(
    cafe: dict[str, Any], logged_in: Login
) -> None:
    page = page_of(
        logged_in(cafe["licensing"]).get(f"/backoffice/tasks/{cafe['licence_task'].pk}/")
    )

    assert choices_of(page, "correction_fields") == {"business_name", "seats"}
    assert choices_of(page, "correction_materials") == {"floor-plan", "lease"}


@pytest.mark.parametrize(
    "asked",
    [{"correction_fields": ["bank_account"]}, {"correction_materials": ["bank-letter"]}],
    ids=["field", "material"],
)
def test_a_correction_of_another_services_part_is_refused(
    cafe: dict[str, Any], logged_in: Login, asked: dict[str, list[str]]
) -> None:
    task = cafe["licence_task"]

    response = logged_in(cafe["licensing"]).post(
        f"/backoffice/tasks/{task.pk}/",
        {"decision": "request_correction", "note": "Please fix.", **asked},
    )

    page = page_of(response)
    assert page.find("div", class_="error-summary") is not None
    assert ACCOUNT not in response.content.decode()
    assert not CorrectionRequest.objects.exists()
    task.refresh_from_db()
    assert task.status == "open"


def test_another_services_file_is_not_found_by_its_address(
    cafe: dict[str, Any], logged_in: Login
) -> None:
    app = cafe["app"]
    client = logged_in(cafe["licensing"])
    mark = last_event_id()

    letter = client.get(f"/backoffice/materials/{upload_of(app, 'bank-letter').pk}/")
    lease = client.get(f"/backoffice/materials/{upload_of(app, 'lease').pk}/")

    assert letter.status_code == 404
    assert lease.status_code == 200
    events = list(AuditEvent.objects.filter(id__gt=mark))
    assert [(e.action, e.data["material"]) for e in events] == [
        ("applications.material_viewed", "lease")
    ]
    assert events[0].actor_department == "bo-licensing"
    own = logged_in(cafe["streets"]).get(
        f"/backoffice/materials/{upload_of(app, 'bank-letter').pk}/"
    )
    assert own.status_code == 200


def test_the_read_event_names_only_the_fields_and_files_shown(
    cafe: dict[str, Any], logged_in: Login
) -> None:
    task = cafe["licence_task"]
    client = logged_in(cafe["licensing"])
    mark = last_event_id()

    client.get(f"/backoffice/tasks/{task.pk}/")

    [event] = AuditEvent.objects.filter(id__gt=mark)
    assert event.action == "applications.case_viewed"
    assert event.data["fields"] == ["business_name", "seats"]
    assert event.data["materials"] == ["floor-plan", "lease"]


def test_a_single_services_page_is_unchanged(world: w.World, logged_in: Login) -> None:
    app = w.submitted(w.citizen())
    page = page_of(
        logged_in(w.clerk(world.licensing)).get(f"/backoffice/tasks/{w.open_task(app).pk}/")
    )

    assert answers_of(page) == {
        "Shop name": "Corner Shop",
        "Floor area (square metres)": "30",
        "Contact phone": "13900000000",
    }
    assert files_of(page) == {"plan.pdf"}
    assert choices_of(page, "correction_fields") == {"shop_name", "floor_area", "phone"}
    assert "one service of a bundle" not in page.text
