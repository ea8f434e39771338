"""Corrections (补正): the case waits, its clock stops; the person changes only what was asked."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from yiwang.applications import selectors, services
from yiwang.applications.constants import (
    ApplicationStatus,
    CaseStatus,
    CorrectionStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import Application, Case, CorrectionRequest, MaterialUpload
from yiwang.applications.tests.conftest import add_calendar_days, pdf_bytes, tasks_of, upload
from yiwang.applications.types import FormInvalid, IllegalTransition, UploadRefused
from yiwang.core import calendar, clock
from yiwang.core.calendar import DayKind

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the platform's clock: ``frozen(datetime)``."""

    def set_now(moment: dt.datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    return set_now


def ask_for_correction(clerk: Any, application: Any, **kwargs: Any) -> CorrectionRequest:
    task = tasks_of(application)["shop-licence.market-review"]
    services.decide_task(
        actor=clerk,
        task=task,
        decision=Decision.REQUEST_CORRECTION,
        **{"correction_fields": ["postcode"], "note": "Check the postcode.", **kwargs},
    )
    return CorrectionRequest.objects.get(case__application=application)


def test_correction_puts_the_case_on_hold(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()

    correction = ask_for_correction(clerk("market.reviewer"), application)

    assert correction.status == CorrectionStatus.OPEN
    assert correction.fields == ["postcode"]
    tasks = tasks_of(application)
    assert tasks["shop-licence.market-review"].status == TaskStatus.ON_HOLD
    assert tasks["shop-licence.fire-check"].status == TaskStatus.ON_HOLD
    assert tasks["shop-licence.decide"].status == TaskStatus.WAITING
    assert Case.objects.get(application=application).status == CaseStatus.CORRECTION_REQUESTED
    application = Application.objects.get(pk=application.pk)
    assert application.status == ApplicationStatus.CORRECTION_REQUESTED
    # Tasks on hold leave the queue until the person answers.
    assert not selectors.tasks_for_queue(actor=clerk("fire.reviewer")).exists()


def test_correction_needs_something_to_correct(submitted_shop: Any, clerk: Any) -> None:
    application = submitted_shop()
    task = tasks_of(application)["shop-licence.market-review"]

    with pytest.raises(FormInvalid):
        services.decide_task(
            actor=clerk("market.reviewer"), task=task, decision=Decision.REQUEST_CORRECTION
        )
    with pytest.raises(FormInvalid) as caught:
        services.decide_task(
            actor=clerk("market.reviewer"),
            task=task,
            decision=Decision.REQUEST_CORRECTION,
            correction_fields=["no_such_field"],
        )
    assert caught.value.errors == {"correction_fields": ["no_such_field"]}
    assert not CorrectionRequest.objects.exists()


def test_resubmission_resumes_tasks_with_the_same_clerk(
    submitted_shop: Any, clerk: Any, citizen: Any
) -> None:
    application = submitted_shop()
    reviewer = clerk("market.reviewer")
    correction = ask_for_correction(reviewer, application)

    services.resubmit_correction(actor=citizen, correction=correction, data={"postcode": "200020"})

    tasks = tasks_of(application)
    review = tasks["shop-licence.market-review"]
    assert review.status == TaskStatus.CLAIMED and review.assignee == reviewer
    assert tasks["shop-licence.fire-check"].status == TaskStatus.OPEN
    assert Case.objects.get(application=application).status == CaseStatus.IN_PROGRESS
    application = Application.objects.get(pk=application.pk)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.form_data["postcode"] == "200020"
    correction = CorrectionRequest.objects.get(pk=correction.pk)
    assert correction.status == CorrectionStatus.RESOLVED
    assert correction.previous_values == {"postcode": "100010"}
    # The clerk hears about it.
    assert reviewer.inbox_messages.filter(event="correction_received").count() == 1


def test_only_the_fields_asked_for_may_change(
    submitted_shop: Any, clerk: Any, citizen: Any
) -> None:
    application = submitted_shop()
    correction = ask_for_correction(clerk("market.reviewer"), application)

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen,
            correction=correction,
            data={"postcode": "200020", "floor_area": 90},
        )

    assert set(caught.value.errors) == {"floor_area"}
    assert Application.objects.get(pk=application.pk).form_data["floor_area"] == 420.5
    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.OPEN


def test_corrected_answers_are_checked(submitted_shop: Any, clerk: Any, citizen: Any) -> None:
    application = submitted_shop()
    correction = ask_for_correction(clerk("market.reviewer"), application)

    with pytest.raises(FormInvalid) as caught:
        services.resubmit_correction(
            actor=citizen, correction=correction, data={"postcode": "2000"}
        )
    assert set(caught.value.errors) == {"postcode"}


def test_materials_asked_for_must_be_uploaded_again(
    submitted_shop: Any, clerk: Any, citizen: Any
) -> None:
    application = submitted_shop()
    correction = ask_for_correction(
        clerk("market.reviewer"),
        application,
        correction_fields=[],
        correction_materials=["premises-proof"],
    )
    with pytest.raises(UploadRefused):
        services.resubmit_correction(
            actor=citizen,
            correction=correction,
            uploads={"fire-plan": upload("plan.pdf", pdf_bytes())},
        )
    with pytest.raises(FormInvalid):  # nothing uploaded yet
        services.resubmit_correction(actor=citizen, correction=correction)

    services.resubmit_correction(
        actor=citizen,
        correction=correction,
        uploads={"premises-proof": upload("lease.pdf", pdf_bytes())},
    )

    current = MaterialUpload.objects.get(
        application=application, material_code="premises-proof", superseded=False
    )
    assert current.correction == correction and current.original_name == "lease.pdf"
    assert MaterialUpload.objects.filter(
        application=application, material_code="premises-proof", superseded=True
    ).exists()


def test_a_correction_is_answered_once(submitted_shop: Any, clerk: Any, citizen: Any) -> None:
    application = submitted_shop()
    correction = ask_for_correction(clerk("market.reviewer"), application)
    services.resubmit_correction(actor=citizen, correction=correction, data={"postcode": "200020"})

    with pytest.raises(IllegalTransition):
        services.resubmit_correction(
            actor=citizen, correction=correction, data={"postcode": "300030"}
        )


def test_pause_moves_due_dates_across_a_weekend_and_a_holiday(
    world: Any, submitted_shop: Any, clerk: Any, citizen: Any, frozen: Any
) -> None:
    # Monday 8 June 2026 is a holiday in this calendar.
    add_calendar_days((dt.date(2026, 6, 8), DayKind.HOLIDAY))
    frozen(at(dt.date(2026, 6, 4)))  # accepted on Thursday
    application = submitted_shop()
    case = Case.objects.get(application=application)
    # 5 working days: Fri 5, (weekend, holiday Mon 8), Tue 9, Wed 10, Thu 11, Fri 12.
    assert case.due_date == dt.date(2026, 6, 12)
    assert tasks_of(application)["shop-licence.market-review"].due_date == dt.date(2026, 6, 9)

    frozen(at(dt.date(2026, 6, 5), 15))  # correction asked on Friday afternoon
    correction = ask_for_correction(clerk("market.reviewer"), application)
    frozen(at(dt.date(2026, 6, 9), 11))  # answered on Tuesday
    services.resubmit_correction(actor=citizen, correction=correction, data={"postcode": "200020"})

    case = Case.objects.get(application=application)
    # Friday counted (the pause starts that day); Sat, Sun, the holiday and Tuesday (the day of
    # the answer) did not. Then Wed 10, Thu 11, Fri 12 and Mon 15.
    assert case.due_date == dt.date(2026, 6, 15)
    cal = calendar.WorkingCalendar(holidays=frozenset({dt.date(2026, 6, 8)}))
    assert case.due_date == calendar.due_date(
        at(dt.date(2026, 6, 4)), 5, cal, [(at(dt.date(2026, 6, 5), 15), at(dt.date(2026, 6, 9)))]
    )
    assert case.statutory_due_date == calendar.due_date(
        at(dt.date(2026, 6, 4)), 20, cal, [(at(dt.date(2026, 6, 5), 15), at(dt.date(2026, 6, 9)))]
    )
    review = tasks_of(application)["shop-licence.market-review"]
    assert review.due_date == dt.date(2026, 6, 10)  # Fri 5, then Wed 10
    # The deadline state agrees with the calendar's own rule on the new due date.
    assert case.deadline_state == calendar.deadline_state(
        at(dt.date(2026, 6, 4)),
        dt.date(2026, 6, 12),
        at(dt.date(2026, 6, 9)),
        [(at(dt.date(2026, 6, 5), 15), at(dt.date(2026, 6, 9)))],
        calendar=cal,
    )


def test_other_firm_representative_may_answer_the_correction(
    world: Any, citizen: Any, firm_with_reps: Any, clerk: Any
) -> None:
    from yiwang.applications.tests.conftest import SHOP_ANSWERS, attach, fill

    firm, colleague = firm_with_reps
    application = services.start_application(actor=citizen, service_code="shop-licence", firm=firm)
    fill(citizen, application, SHOP_ANSWERS)
    attach(citizen, application, "premises-proof", "fire-plan")
    application = services.submit_application(actor=citizen, application=application)
    correction = ask_for_correction(clerk("market.reviewer"), application)

    services.resubmit_correction(
        actor=colleague, correction=correction, data={"postcode": "200020"}
    )

    assert CorrectionRequest.objects.get(pk=correction.pk).status == CorrectionStatus.RESOLVED
