"""Verification runs: the scheduler's own, one at a time, and the auditors told of a problem."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from yiwang.audit import runs, tasks
from yiwang.audit.constants import RUN_LOST_AFTER
from yiwang.audit.models import AuditEvent, VerificationRun
from yiwang.audit.services import seal
from yiwang.core import clock
from yiwang.identity.constants import Role
from yiwang.identity.tests.factories import DepartmentFactory, StaffFactory
from yiwang.notifications.constants import Event
from yiwang.notifications.models import InboxMessage


def test_the_scheduler_verifies_the_log_on_its_interval(
    make_events: Callable[..., list[AuditEvent]],
) -> None:
    assert (tasks.verify_audit_log_on_schedule, 86400) in tasks.PERIODIC
    make_events(3)
    seal()
    assert runs.scheduled_verification() is True
    run = VerificationRun.objects.get()
    assert (run.ok, run.events, run.requester_id, run.requester_label) == (
        True,
        3 + 1,  # the run's own request is an event too
        "system:scheduler",
        "",
    )
    requested = AuditEvent.objects.get(action="audit.verification_requested")
    assert (requested.actor_type, requested.actor_id) == ("system", "scheduler")
    assert AuditEvent.objects.filter(action="audit.verified").count() == 1


def test_one_run_at_a_time_unless_the_waiting_one_was_lost(
    make_events: Callable[..., list[AuditEvent]],
) -> None:
    make_events(1)
    waiting = VerificationRun.objects.create(requested_at=clock.now(), requester_label="Zhou")
    assert runs.scheduled_verification() is None  # one is already waiting
    assert VerificationRun.objects.count() == 1
    VerificationRun.objects.filter(pk=waiting.pk).update(
        requested_at=clock.now() - RUN_LOST_AFTER - dt.timedelta(minutes=1)
    )
    assert runs.pending_run() is None
    assert runs.scheduled_verification() is True
    assert VerificationRun.objects.count() == 2


def test_a_problem_is_sent_to_every_auditor_and_platform_admin_once(
    make_events: Callable[..., list[AuditEvent]], attacker: Callable[..., None]
) -> None:
    platform = DepartmentFactory(code="platform")
    auditor = StaffFactory(username="auditor.a", membership__role=Role.AUDITOR)
    admin = StaffFactory(
        username="admin.a", membership__department=platform, membership__role=Role.PLATFORM_ADMIN
    )
    StaffFactory(username="former", membership__role=Role.AUDITOR, membership__is_active=False)
    StaffFactory(username="reviewer", membership__role=Role.REVIEWER)
    events = make_events(4)
    seal()
    attacker("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    assert runs.scheduled_verification() is False
    told = InboxMessage.objects.filter(event=Event.AUDIT_PROBLEM)
    assert sorted(m.recipient_id for m in told) == sorted([auditor.pk, admin.pk])
    assert all(f"事件 {events[1].pk}：已被删除" in m.subject for m in told)


def test_the_message_leads_to_the_audit_log(
    make_events: Callable[..., list[AuditEvent]], attacker: Callable[..., None], client: Any
) -> None:
    auditor = StaffFactory(
        username="auditor.b", password="lantern-orchid-canal-17", membership__role=Role.AUDITOR
    )
    events = make_events(2)
    seal()
    attacker("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    runs.scheduled_verification()
    message = InboxMessage.objects.get(recipient=auditor)
    client.post(
        "/backoffice/login/", {"username": "auditor.b", "password": "lantern-orchid-canal-17"}
    )
    page = client.get(f"/backoffice/messages/{message.pk}/").content.decode()
    assert 'href="/backoffice/audit/#verification"' in page


def test_a_run_that_cannot_finish_keeps_the_reason(
    monkeypatch: Any, make_events: Callable[..., list[AuditEvent]]
) -> None:
    make_events(1)

    def broken() -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("yiwang.audit.verify.verify", broken)
    assert runs.scheduled_verification() is None
    run = VerificationRun.objects.get()
    assert run.finished_at is not None and run.ok is None
    assert run.error == "RuntimeError: the database went away"


def test_every_reason_the_verifier_gives_is_worded_in_both_languages() -> None:
    from django.utils import translation

    from yiwang.audit.report import DETAILS, Problem
    from yiwang.audit.wording import problem_detail

    values = {
        "position": 7,
        "previous": 6,
        "event": 9,
        "signed": 5,
        "other": 3,
        "size": 8,
        "count": 2,
        "key": "abcd",
        "first": 0,
        "last": 4,
        "sealed_at": "2026-11-28T06:00:00.000000+00:00",
        "indexed": 11,
    }
    for reason, english in DETAILS.items():
        names = {name for name in values if f"%({name})s" in english}
        problem = Problem.because("changed", "leaf", "1", reason, **{n: values[n] for n in names})
        as_stored = {"reason": problem.reason, "params": dict(problem.params)}
        with translation.override("en"):
            worded = problem_detail(as_stored)
        with translation.override("zh-hans"):
            chinese = problem_detail(as_stored)
        assert worded and chinese and worded != chinese, reason
        for name in names:
            assert str(values[name]) in worded and str(values[name]) in chinese, (reason, name)


def test_a_reason_that_cannot_be_worded_gives_nothing() -> None:
    from yiwang.audit.wording import problem_detail

    assert problem_detail(None) == ""
    assert problem_detail({"reason": "no such reason", "params": {}}) == ""
    assert problem_detail({"reason": "event_gone", "params": {}}) == ""  # its value is missing
    assert problem_detail({"detail": "written by an older version"}) == ""
