"""A correction (补正) and fields required only when another answer is given (card-posting.yaml):
a changed answer may require a field that had no answer, and the person may then answer it too —
but nothing else the clerk did not choose."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.applications import domain, selectors, services
from yiwang.applications.constants import CorrectionStatus, Decision
from yiwang.applications.models import Application, CorrectionRequest
from yiwang.applications.tests.conftest import tasks_of
from yiwang.applications.types import FormInvalid
from yiwang.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

HOLDER = "11010519491231002X"
ADDRESS = "1 Lake Road, Demo City"
REQUIRED = ["This field is required."]
NOT_ASKED = ["The clerk did not ask about this; it cannot be changed."]


def submitted_card(citizen: Any, **answers: Any) -> Application:
    application = services.start_application(actor=citizen, service_code="card-posting")
    saved = services.save_draft(
        actor=citizen, application=application, data={"holder_id": HOLDER, **answers}
    )
    assert saved.valid, saved.errors
    return services.submit_application(actor=citizen, application=application)


def ask(clerk: Any, application: Application, fields: list[str]) -> CorrectionRequest:
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(application)["card-posting.review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=fields,
        note="Please check how you want to get the card.",
    )
    return CorrectionRequest.objects.get(case__application=application)


def answered(correction: CorrectionRequest) -> AuditEvent:
    return AuditEvent.objects.get(
        action="applications.correction_resubmitted", object_id=str(correction.pk)
    )


def test_choosing_post_in_a_correction_asks_for_the_address_too(
    world: Any, clerk: Any, citizen: Any
) -> None:
    application = submitted_card(citizen, delivery="counter", counter="A3")
    correction = ask(clerk, application, ["delivery"])

    # The address is now required and had no answer: it is asked for, not refused.
    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen, correction=correction, data={"delivery": "post"}
        )
    assert caught.value.errors == {"postal_address": REQUIRED}
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN

    services.resubmit_correction(
        actor=citizen,
        correction=correction,
        data={"delivery": "post", "postal_address": ADDRESS},
    )

    correction.refresh_from_db()
    assert correction.status == CorrectionStatus.RESOLVED
    assert correction.fields == ["delivery"]
    assert correction.previous_values == {"delivery": "counter", "postal_address": None}
    stored = Application.objects.get(pk=application.pk).form_data
    assert stored["delivery"] == "post" and stored["postal_address"] == ADDRESS
    # The counter is no longer needed: it is not demanded, and it stays as it was.
    assert stored["counter"] == "A3"
    event = answered(correction)
    assert event.data["fields"] == ["delivery", "postal_address"]
    assert event.data["fields_required_by_rules"] == ["postal_address"]


def test_answering_a_field_can_open_the_field_it_requires(
    world: Any, clerk: Any, citizen: Any
) -> None:
    # dependentRequired: giving a postcode requires the postal address.
    application = submitted_card(citizen, delivery="counter", counter="A3")
    correction = ask(clerk, application, ["postcode"])

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen, correction=correction, data={"postcode": "100010"}
        )
    assert caught.value.errors == {"postal_address": REQUIRED}

    services.resubmit_correction(
        actor=citizen,
        correction=correction,
        data={"postcode": "100010", "postal_address": ADDRESS},
    )
    assert answered(correction).data["fields_required_by_rules"] == ["postal_address"]


def test_an_answer_no_longer_needed_is_not_demanded(world: Any, clerk: Any, citizen: Any) -> None:
    application = submitted_card(citizen, delivery="post", postal_address=ADDRESS)
    correction = ask(clerk, application, ["delivery", "postal_address"])

    # A counter is needed now (it had no answer); the cleared address is not.
    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen,
            correction=correction,
            data={"delivery": "counter", "postal_address": ""},
        )
    assert caught.value.errors == {"counter": REQUIRED}

    services.resubmit_correction(
        actor=citizen,
        correction=correction,
        data={"delivery": "counter", "postal_address": "", "counter": "A3"},
    )
    stored = Application.objects.get(pk=application.pk).form_data
    assert stored["delivery"] == "counter" and stored["counter"] == "A3"
    assert "postal_address" not in stored
    assert answered(correction).data["fields_required_by_rules"] == ["counter"]


@pytest.mark.parametrize(
    ("answers", "data", "refused"),
    [
        # A field unrelated to the changed answer stays closed.
        ({"delivery": "counter", "counter": "A3"},
         {"delivery": "post", "postal_address": ADDRESS, "bank_account": "6222000011112222"},
         "bank_account"),
        # The address is not needed when the answer does not change to post.
        ({"delivery": "counter", "counter": "A3"},
         {"delivery": "counter", "postal_address": ADDRESS},
         "postal_address"),
        # An answered field stays as it is, even when the changed answer requires it.
        ({"delivery": "post", "postal_address": ADDRESS, "counter": "A3"},
         {"delivery": "counter", "counter": "B7"},
         "counter"),
    ],
)  # fmt: skip
def test_a_correction_cannot_change_anything_else(
    world: Any,
    clerk: Any,
    citizen: Any,
    answers: dict[str, Any],
    data: dict[str, Any],
    refused: str,
) -> None:
    application = submitted_card(citizen, **answers)
    correction = ask(clerk, application, ["delivery"])

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(actor=citizen, correction=correction, data=data)

    assert caught.value.errors == {refused: NOT_ASKED}
    assert Application.objects.get(pk=application.pk).form_data == {"holder_id": HOLDER, **answers}


def test_the_scope_names_the_answer_that_requires_each_field(
    world: Any, clerk: Any, citizen: Any
) -> None:
    application = submitted_card(citizen, delivery="counter", counter="A3")
    correction = ask(clerk, application, ["delivery", "bank_account"])

    def scope(**data: Any) -> domain.CorrectionScope:
        return selectors.correction_scope(application=application, correction=correction, data=data)

    unchanged = scope()
    assert unchanged.fields == ("delivery", "bank_account") and unchanged.because == {}
    posted = scope(delivery="post", bank_account="6222 0000 1111 2222", postcode="100010")
    assert posted.fields == ("delivery", "bank_account", "postal_address")
    assert posted.because == {"postal_address": ("delivery",)}
    # Only the answers of fields opened are applied, normalised as they would be stored.
    assert posted.answers["bank_account"] == "6222000011112222"
    assert "postcode" not in posted.answers
