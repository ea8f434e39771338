"""The periodic deadline job: on time → due soon → overdue, team leads told once per change."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yiwang.applications import domain, services
from yiwang.applications.constants import DeadlineState, Decision
from yiwang.applications.deadlines import update_deadline_states
from yiwang.applications.models import Case
from yiwang.applications.tasks import PERIODIC, update_deadlines
from yiwang.applications.tests.conftest import tasks_of
from yiwang.core import calendar, clock
from yiwang.notifications.models import InboxMessage, Notification

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCEPTED = dt.datetime(2026, 6, 4, 10, tzinfo=SHANGHAI)  # a Thursday


@pytest.fixture
def shop_case(submitted_shop: Any, monkeypatch: pytest.MonkeyPatch) -> Case:
    monkeypatch.setattr(clock, "now", lambda: ACCEPTED)
    return Case.objects.get(application=submitted_shop())


def leads_messages(event: str) -> list[InboxMessage]:
    return list(InboxMessage.objects.filter(event=event).order_by("recipient__username"))


def test_dates_are_set_at_acceptance(shop_case: Case) -> None:
    # 5 working days promised: Fri 5, Mon 8, Tue 9, Wed 10, Thu 11.
    assert shop_case.due_date == dt.date(2026, 6, 11)
    assert shop_case.warning_date == dt.date(2026, 6, 10)  # 4 of 5 days used (80 %)
    assert shop_case.overdue_date == dt.date(2026, 6, 12)  # the 6th working day
    assert shop_case.deadline_state == DeadlineState.ON_TIME


def test_state_moves_with_the_days_and_team_leads_hear_once(shop_case: Case, clerk: Any) -> None:
    assert update_deadline_states(today=dt.date(2026, 6, 9)) == {"overdue": 0, "warning": 0}
    assert not InboxMessage.objects.filter(event="deadline_warning").exists()

    assert update_deadline_states(today=dt.date(2026, 6, 10)) == {"overdue": 0, "warning": 1}
    assert Case.objects.get(pk=shop_case.pk).deadline_state == DeadlineState.WARNING
    messages = leads_messages("deadline_warning")
    assert [m.recipient for m in messages] == [clerk("market.team_lead")]
    assert shop_case.application.receipt_number in messages[0].subject

    # Running again (or twice at once) changes nothing and tells nobody again.
    assert update_deadline_states(today=dt.date(2026, 6, 10)) == {"overdue": 0, "warning": 0}
    assert len(leads_messages("deadline_warning")) == 1

    assert update_deadline_states(today=dt.date(2026, 6, 12)) == {"overdue": 1, "warning": 0}
    assert Case.objects.get(pk=shop_case.pk).deadline_state == DeadlineState.OVERDUE
    assert [m.recipient for m in leads_messages("deadline_overdue")] == [clerk("market.team_lead")]
    # Staff are told by inbox and e-mail, never by text message.
    assert not Notification.objects.filter(event="deadline_overdue", channel="sms").exists()
    assert Notification.objects.filter(event="deadline_overdue", channel="email").count() == 1


def test_a_case_that_jumps_straight_to_overdue_gets_one_message(shop_case: Case) -> None:
    update_deadline_states(today=dt.date(2026, 6, 30))

    assert Case.objects.get(pk=shop_case.pk).deadline_state == DeadlineState.OVERDUE
    assert not InboxMessage.objects.filter(event="deadline_warning").exists()
    assert InboxMessage.objects.filter(event="deadline_overdue").count() == 1


def test_paused_and_decided_cases_are_left_alone(shop_case: Case, clerk: Any) -> None:
    services.decide_task(
        actor=clerk("market.reviewer"),
        task=tasks_of(shop_case.application)["shop-licence.market-review"],
        decision=Decision.REQUEST_CORRECTION,
        correction_fields=["postcode"],
    )

    assert update_deadline_states(today=dt.date(2026, 6, 30)) == {"overdue": 0, "warning": 0}
    assert Case.objects.get(pk=shop_case.pk).deadline_state == DeadlineState.ON_TIME


def test_the_periodic_task_is_declared_and_runs(shop_case: Case, monkeypatch: Any) -> None:
    from yiwang.core.scheduler import collect_periodic

    assert (update_deadlines, 300) in PERIODIC
    assert update_deadlines in [entry.task for entry in collect_periodic()]
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 6, 10, 9, tzinfo=SHANGHAI))

    assert update_deadlines.call() == {"overdue": 0, "warning": 1}


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
    promised=st.integers(min_value=0, max_value=25),
    pause_start=st.integers(min_value=0, max_value=20),
    pause_length=st.integers(min_value=0, max_value=15),
    probe=st.integers(min_value=0, max_value=60),
)
def test_precomputed_dates_agree_with_the_calendar_rule(
    start: dt.date, promised: int, pause_start: int, pause_length: int, probe: int
) -> None:
    cal = calendar.WorkingCalendar(
        holidays=frozenset({dt.date(2026, 5, 1), dt.date(2026, 10, 1), dt.date(2026, 10, 2)}),
        makeup_workdays=frozenset({dt.date(2026, 9, 27)}),
    )
    pause = (
        start + dt.timedelta(days=pause_start),
        start + dt.timedelta(days=pause_start + pause_length),
    )
    dates = domain.case_dates(start, promised, promised, cal, [pause])
    today = start + dt.timedelta(days=probe)
    original_due = calendar.add_working_days(start, promised, cal)

    assert domain.deadline_state_on(dates, today) == calendar.deadline_state(
        start, original_due, today, [pause], calendar=cal
    )
