"""Data minimisation for bundles: the clerks of a case see only what its own service asks for.

"Open a café" fans out into the café licence (bo-licensing: seats, a floor plan) and the payroll
registration (bo-streets: the bank account, the bank's letter); both ask for the business name
and the lease. Each department's case file, files, downloads, timeline and corrections hold its
own service's part and the shared one, never the other service's. The applicant sees everything,
and a single service's case shows the whole application as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.api.tests import world as w
from yiwang.applications import selectors, services
from yiwang.applications.constants import Decision
from yiwang.applications.models import CorrectionRequest, MaterialUpload
from yiwang.applications.types import FormInvalid
from yiwang.core.errors import PermissionDenied
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

LICENCE = "cafe-licence"
PAYROLL = "cafe-payroll"


@pytest.fixture
def cafe(db: Any) -> dict[str, Any]:
    world = w.make_world()
    w.load_cafe()
    applicant = w.citizen()
    app = w.submitted_cafe(applicant)
    return {
        "world": world,
        "applicant": applicant,
        "app": app,
        "licensing": w.clerk(world.licensing, Role.REVIEWER),
        "streets": w.clerk(world.streets, Role.REVIEWER),
    }


def upload_of(app: Any, code: str) -> MaterialUpload:
    return MaterialUpload.objects.get(application=app, material_code=code, superseded=False)


def codes(uploads: Any) -> set[str]:
    return {u.material_code for u in uploads}


def test_each_departments_case_file_holds_its_services_part_and_the_shared_one(
    cafe: dict[str, Any],
) -> None:
    app = cafe["app"]
    licence = selectors.case_file_for(actor=cafe["licensing"], task=w.open_task_of(app, LICENCE))
    payroll = selectors.case_file_for(actor=cafe["streets"], task=w.open_task_of(app, PAYROLL))

    assert licence.answers == {"business_name": "Plum Café", "seats": 24}
    assert set(licence.form.fields) == {"business_name", "seats"}
    assert [f for p in licence.form.pages for f in p.fields] == ["business_name", "seats"]
    assert codes(licence.uploads) == {"floor-plan", "lease"}
    assert {m.code for m in licence.form.all_materials} == {"floor-plan", "lease"}
    assert {m.code for m in licence.required} == {"floor-plan", "lease"}
    assert licence.of_bundle

    assert payroll.answers == {"business_name": "Plum Café", "bank_account": "6222020200112233445"}
    assert [f for p in payroll.form.pages for f in p.fields] == ["business_name", "bank_account"]
    assert codes(payroll.uploads) == {"bank-letter", "lease"}
    assert {m.code for m in payroll.required} == {"bank-letter", "lease"}


def test_a_case_file_names_what_it_shows(cafe: dict[str, Any]) -> None:
    shown = selectors.case_file_for(
        actor=cafe["licensing"], task=w.open_task_of(cafe["app"], LICENCE)
    )

    assert shown.fields_shown == ["business_name", "seats"]
    assert shown.materials_shown == ["floor-plan", "lease"]


def test_staff_list_and_fetch_only_their_departments_files(cafe: dict[str, Any]) -> None:
    app = cafe["app"]
    clerk = cafe["licensing"]
    letter = upload_of(app, "bank-letter")

    assert codes(selectors.uploads_for(actor=clerk, application=app)) == {"floor-plan", "lease"}
    assert selectors.materials_for(actor=clerk, upload=upload_of(app, "lease")).pk
    with pytest.raises(PermissionDenied):
        selectors.materials_for(actor=clerk, upload=letter)
    with pytest.raises(PermissionDenied):
        selectors.materials_for(actor=clerk, upload=letter.pk)
    assert selectors.materials_for(actor=cafe["streets"], upload=letter).pk == letter.pk


def test_the_applicant_still_sees_every_answer_and_file(cafe: dict[str, Any]) -> None:
    app = cafe["app"]
    applicant = cafe["applicant"]

    assert codes(selectors.uploads_for(actor=applicant, application=app)) == set(w.CAFE_FILES)
    letter = upload_of(app, "bank-letter")
    assert selectors.materials_for(actor=applicant, upload=letter).pk == letter.pk


def test_a_department_system_gets_its_departments_part(cafe: dict[str, Any]) -> None:
    app = cafe["app"]
    system, _token = w.department_system(cafe["world"].licensing)

    shown = selectors.case_file_for(actor=system, task=w.open_task_of(app, LICENCE))

    assert set(shown.answers) == {"business_name", "seats"}
    assert codes(selectors.uploads_for(actor=system, application=app)) == {"floor-plan", "lease"}
    with pytest.raises(PermissionDenied):
        selectors.materials_for(actor=system, upload=upload_of(app, "bank-letter"))


def test_a_clerk_of_both_departments_sees_each_case_by_its_own_service(
    cafe: dict[str, Any],
) -> None:
    app = cafe["app"]
    clerk = cafe["licensing"]
    MembershipFactory(account=clerk, department=cafe["world"].streets, role=Role.REVIEWER)

    licence = selectors.case_file_for(actor=clerk, task=w.open_task_of(app, LICENCE))

    # The page of one case shows that case's part; the files of both cases may be fetched.
    assert set(licence.answers) == {"business_name", "seats"}
    assert codes(selectors.uploads_for(actor=clerk, application=app)) == set(w.CAFE_FILES)
    assert selectors.materials_for(actor=clerk, upload=upload_of(app, "bank-letter")).pk


def test_a_case_file_of_another_departments_task_is_refused(cafe: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        selectors.case_file_for(actor=cafe["licensing"], task=w.open_task_of(cafe["app"], PAYROLL))


@pytest.mark.parametrize(
    ("fields", "materials"),
    [(["bank_account"], []), ([], ["bank-letter"]), (["seats", "bank_account"], ["lease"])],
)
def test_a_correction_may_not_ask_about_another_services_part(
    cafe: dict[str, Any], fields: list[str], materials: list[str]
) -> None:
    with pytest.raises(FormInvalid) as refused:
        services.decide_task(
            actor=cafe["licensing"],
            task=w.open_task_of(cafe["app"], LICENCE),
            decision=Decision.REQUEST_CORRECTION,
            correction_fields=fields,
            correction_materials=materials,
        )

    assert set(refused.value.errors) <= {"correction_fields", "correction_materials"}
    assert "seats" not in str(refused.value) and "lease" not in str(refused.value)
    assert not CorrectionRequest.objects.exists()


def test_a_correction_may_ask_about_its_own_and_the_shared_part(cafe: dict[str, Any]) -> None:
    services.decide_task(
        actor=cafe["licensing"],
        task=w.open_task_of(cafe["app"], LICENCE),
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["business_name", "seats"],
        correction_materials=["floor-plan", "lease"],
    )

    correction = CorrectionRequest.objects.get()
    assert (correction.fields, correction.materials) == (
        ["business_name", "seats"],
        ["floor-plan", "lease"],
    )


def test_the_timeline_keeps_another_departments_correction_to_itself(
    cafe: dict[str, Any],
) -> None:
    app = cafe["app"]
    services.decide_task(
        actor=cafe["streets"],
        task=w.open_task_of(app, PAYROLL),
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["bank_account", "business_name"],
        correction_materials=["bank-letter"],
        note="The account 6222020200112233445 is closed.",
    )

    def payroll_correction(actor: Any) -> Any:
        timeline = selectors.case_timeline(actor=actor, application=app)
        [case] = [c for c in timeline.cases if c.service_code == PAYROLL]
        return case.corrections[0]

    # Licensing sees that payroll waits for a correction, of the shared answer only, no note.
    seen = payroll_correction(cafe["licensing"])
    assert (seen.status, seen.fields, seen.materials, seen.note) == (
        "open",
        ["business_name"],
        [],
        "",
    )
    own = payroll_correction(cafe["streets"])
    assert (own.fields, own.materials) == (["bank_account", "business_name"], ["bank-letter"])
    assert own.note == "The account 6222020200112233445 is closed."
    assert payroll_correction(cafe["applicant"]) == own
    licence = selectors.case_file_for(actor=cafe["licensing"], task=w.open_task_of(app, LICENCE))
    [case] = [c for c in licence.timeline.cases if c.service_code == PAYROLL]
    assert case.corrections[0] == seen


def test_a_single_services_case_file_is_the_whole_application(db: Any) -> None:
    world = w.make_world()
    applicant = w.citizen()
    app = w.submitted(applicant)
    clerk = w.clerk(world.licensing)

    shown = selectors.case_file_for(actor=clerk, task=w.open_task(app))

    assert shown.answers == app.form_data == w.SHOP_ANSWERS
    assert shown.form.pages == selectors.application_form(application=app).pages
    assert codes(shown.uploads) == {"site-plan"}
    assert not shown.of_bundle
    assert codes(selectors.uploads_for(actor=clerk, application=app)) == {"site-plan"}
