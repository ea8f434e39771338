"""A correction (补正) and materials needed only for some answers (shop-licence.yaml: a fire escape
plan for more than 300 m²): a changed answer may make a document needed that nothing stands for
yet, and the correction then asks for it too — for one service and in a bundle."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from yiwang.applications import domain, services
from yiwang.applications.constants import CorrectionStatus, Decision
from yiwang.applications.models import Application, CorrectionRequest, MaterialUpload
from yiwang.applications.tests.conftest import (
    SERVICES,
    SHOP_ANSWERS,
    attach,
    fill,
    pdf_bytes,
    tasks_of,
    upload,
)
from yiwang.applications.types import FormInvalid, SubmissionIncomplete, UploadRefused
from yiwang.audit.models import AuditEvent

SMALL = {**SHOP_ANSWERS, "floor_area": 200.0}
LARGER = {"floor_area": 420}


# --- The scope: which materials a correction opens --------------------------------------------


def scope_of(
    data: dict[str, Any], asked: tuple[str, ...] = ("floor_area",), **kwargs: Any
) -> domain.CorrectionScope:
    definition = yaml.safe_load((SERVICES / "shop-licence.yaml").read_text(encoding="utf-8"))
    spec = domain.FormSpec.for_service(definition)
    return domain.correction_scope(spec, kwargs.pop("stored", SMALL), list(asked), data, **kwargs)


def test_a_larger_floor_area_opens_the_fire_escape_plan() -> None:
    scope = scope_of(LARGER)

    assert scope.materials == ("fire-plan",)
    assert scope.materials_because == {"fire-plan": ("floor_area",)}
    assert scope.fields == ("floor_area",)  # no field opens for it


def test_only_the_changed_answer_that_needs_the_material_is_named() -> None:
    scope = scope_of({"floor_area": 420, "staff_count": 9}, asked=("staff_count", "floor_area"))

    assert scope.materials_because == {"fire-plan": ("floor_area",)}


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        ({}, {}),  # nothing sent: nothing changed
        ({"floor_area": 250}, {}),  # changed, but 250 m² needs no plan
        ({"floor_area": "lots"}, {}),  # not a number yet: its check says so first
        (LARGER, {"asked_materials": ["fire-plan"]}),  # the clerk asked for it already
        (LARGER, {"on_file": {"fire-plan"}}),  # a file (or registry data) stands for it
        ({"floor_area": 500}, {"stored": {**SMALL, "floor_area": 400.0}}),  # needed before
    ],
)
def test_a_material_opens_only_when_newly_needed_and_missing(
    data: dict[str, Any], kwargs: dict[str, Any]
) -> None:
    scope = scope_of(data, **kwargs)

    assert scope.materials == ()
    assert scope.materials_because == {}


def test_an_optional_material_is_never_opened() -> None:
    # The menu is optional whatever the answers: the correction never insists on it.
    scope = scope_of(LARGER)

    assert "menu" not in scope.materials


# --- Answering the correction -----------------------------------------------------------------


def submitted_small_shop(citizen: Any, kind: str, *codes: str) -> Application:
    """A shop of 200 m² (no fire escape plan needed), as one service or in the bundle."""
    start = {"service_code": "shop-licence"} if kind == "service" else {"bundle_code": "open-shop"}
    application = services.start_application(actor=citizen, **start)
    fill(citizen, application, dict(SMALL))
    attach(citizen, application, "premises-proof", *codes)
    return services.submit_application(actor=citizen, application=application)


def ask_about_floor_area(clerk: Any, application: Application) -> CorrectionRequest:
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["floor_area"],
        note="Please check the floor area.",
    )
    return CorrectionRequest.objects.get(case__service_code="shop-licence")


def plan() -> Any:
    return upload("plan.pdf", pdf_bytes())


def answered(correction: CorrectionRequest) -> AuditEvent:
    return AuditEvent.objects.get(
        action="applications.correction_resubmitted", object_id=str(correction.pk)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["service", "bundle"])
def test_a_larger_shop_must_send_the_fire_escape_plan_with_its_correction(
    world: Any, clerk: Any, citizen: Any, kind: str
) -> None:
    application = submitted_small_shop(citizen, kind)
    correction = ask_about_floor_area(clerk, application)

    with pytest.raises(SubmissionIncomplete) as caught:
        services.resubmit_correction(actor=citizen, correction=correction, data=LARGER)
    assert caught.value.missing_materials == ["fire-plan"]
    assert str(caught.value) == "Upload each document your changed answers now need."
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN
    assert Application.objects.get(pk=application.pk).form_data["floor_area"] == 200

    # The plan is taken only with answers that need it.
    with pytest.raises(UploadRefused):
        services.add_upload(
            actor=citizen,
            application=application,
            material_code="fire-plan",
            uploaded_file=plan(),
            correction=correction,
        )
    services.add_upload(
        actor=citizen,
        application=application,
        material_code="fire-plan",
        uploaded_file=plan(),
        correction=correction,
        data=LARGER,
    )
    services.resubmit_correction(actor=citizen, correction=correction, data=LARGER)

    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.RESOLVED
    assert Application.objects.get(pk=application.pk).form_data["floor_area"] == 420
    current = MaterialUpload.objects.get(
        application=application, material_code="fire-plan", superseded=False
    )
    assert current.correction == correction
    event = answered(correction)
    assert event.data["materials"] == ["fire-plan"]
    assert event.data["materials_required_by_rules"] == ["fire-plan"]
    uploaded = AuditEvent.objects.get(
        action="applications.material_uploaded", object_id=str(current.pk)
    )
    assert uploaded.data["correction"] == correction.pk


@pytest.mark.django_db
def test_the_plan_may_come_with_the_answers(world: Any, clerk: Any, citizen: Any) -> None:
    application = submitted_small_shop(citizen, "service")
    correction = ask_about_floor_area(clerk, application)

    # Files for materials neither asked for nor needed are refused, as before.
    with pytest.raises(UploadRefused):
        services.resubmit_correction(
            actor=citizen,
            correction=correction,
            data={"floor_area": 250},
            uploads={"fire-plan": plan()},
        )
    services.resubmit_correction(
        actor=citizen, correction=correction, data=LARGER, uploads={"fire-plan": plan()}
    )

    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.RESOLVED
    assert answered(correction).data["materials_required_by_rules"] == ["fire-plan"]


@pytest.mark.django_db
def test_a_plan_already_on_file_is_not_asked_for_again(
    world: Any, clerk: Any, citizen: Any
) -> None:
    # Uploaded with the draft although 200 m² did not need it: it stands for the material.
    application = submitted_small_shop(citizen, "service", "fire-plan")
    correction = ask_about_floor_area(clerk, application)

    services.resubmit_correction(actor=citizen, correction=correction, data=LARGER)

    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.RESOLVED
    assert answered(correction).data["materials_required_by_rules"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["service", "bundle"])
def test_an_answer_of_the_wrong_type_is_named_not_a_failure(
    world: Any, clerk: Any, citizen: Any, kind: str
) -> None:
    # In the bundle, staff_count decides whether the staff-insurance service applies (its
    # condition reads it): "abc" cannot be compared, so no condition reads it until it is a
    # number, and the person is told what is wrong with it.
    application = submitted_small_shop(citizen, kind)
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["staff_count", "floor_area"],
        note="Please check.",
    )
    correction = CorrectionRequest.objects.get(case__service_code="shop-licence")

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen, correction=correction, data={"staff_count": "abc", "floor_area": "lots"}
        )
    assert set(caught.value.errors) == {"staff_count", "floor_area"}
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN
    assert Application.objects.get(pk=application.pk).form_data == application.form_data
