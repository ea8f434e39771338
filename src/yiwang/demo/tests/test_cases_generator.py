"""Generated cases: valid answers, the workflow's states and dates, deterministic, idempotent."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from yiwang.applications import domain as applications
from yiwang.applications import selectors, workflow
from yiwang.applications.constants import (
    ApplicationStatus,
    CaseStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import Application, Case, Task
from yiwang.audit.models import AuditEvent
from yiwang.core import calendar, clock
from yiwang.core.errors import LoadError
from yiwang.demo import cases, loader, services
from yiwang.identity.constants import Role
from yiwang.identity.models import Account, Membership

SEED = 31
PEOPLE = 300


@pytest.fixture
def demo_world(db: Any) -> dict[str, Any]:
    actor = services.demo_actor()
    services.load_world(actor=actor, world=loader.read_world())
    services.load_catalogue(actor=actor)
    services.load_generated_people(actor=actor, seed=SEED, count=PEOPLE)
    return {"actor": actor}


def _load(actor: Any, count: int, **kwargs: Any) -> cases.CasesReport:
    return cases.load_generated_cases(
        actor=actor, seed=kwargs.pop("seed", SEED), count=count, people=PEOPLE, **kwargs
    )


def _generator(seed: int = SEED, now: dt.datetime | None = None) -> cases.CaseGenerator:
    return cases.CaseGenerator(
        seed=seed,
        people=PEOPLE,
        now=now or clock.now(),
        entered_by=cases.generator_account(actor=services.demo_actor()).pk,
    )


def _rows(gen: cases.CaseGenerator, indexes: range) -> cases._Rows:
    rows = cases._Rows()
    ids = cases._Ids(
        list(range(1, 10_000)), list(range(1, 10_000)), list(range(1, 100_000))
    )  # fmt: skip
    for index in indexes:
        gen.rows(gen.draw(index), 1, ids, rows)
    return rows


def _generated_rows() -> dict[str, list[tuple[Any, ...]]]:
    return {
        "applications": sorted(
            Application.objects.values_list(
                "idempotency_key", "receipt_number", "status", "form_data", "applicant_id"
            )
        ),
        "cases": sorted(
            Case.objects.values_list(
                "application__idempotency_key", "service_code", "status", "due_date"
            )
        ),
        "tasks": sorted(
            Task.objects.values_list(
                "case__application__idempotency_key",
                "service_code",
                "step_code",
                "status",
                "due_date",
                "assignee_id",
            )
        ),
    }


def test_generated_answers_satisfy_every_published_form(demo_world: dict[str, Any]) -> None:
    definitions = cases.published_definitions()
    # Every demo service and both bundles (people apply for all of them).
    assert {d.code for d in definitions} >= {"open-a-restaurant", "welcome-a-newborn"}
    assert len(definitions) == 12
    for definition in definitions:
        gen = cases.CaseGenerator(
            seed=SEED,
            people=PEOPLE,
            now=clock.now(),
            entered_by=cases.generator_account(actor=demo_world["actor"]).pk,
            definitions=[definition],
        )
        services_seen: set[tuple[str, ...]] = set()
        for index in range(40):
            drawn = gen.draw(index)
            data = gen.fill_answers(drawn)
            spec = definition.spec
            errors = applications.validate_answers(spec, data, required=spec.required_fields(data))
            assert errors == {}, (definition.code, data, errors)
            assert drawn.shape.services == tuple(spec.services_applying(data))
            services_seen.add(drawn.shape.services)
        if definition.code == "open-a-restaurant":
            # With and without staff: the conditional service appears in some, not all.
            assert len(services_seen) > 1


def test_the_same_seed_gives_the_same_applications(demo_world: dict[str, Any]) -> None:
    now = clock.now()
    first = _rows(_generator(now=now), range(120))
    again = _rows(_generator(now=now), range(120))
    other = _rows(_generator(seed=SEED + 1, now=now), range(120))
    assert first == again
    assert first.applications != other.applications
    # Application i does not depend on the ones before it: drawing it alone gives the same rows.
    alone = _rows(_generator(now=now), range(60, 61))
    by_key = {
        row[cases.APPLICATION_COLUMNS.index("idempotency_key")]: row for row in first.applications
    }
    single = alone.applications[0]
    key = single[cases.APPLICATION_COLUMNS.index("idempotency_key")]
    assert key == f"demo-cases:{SEED}:60"
    assert single[1:] == by_key[key][1:]  # all but the primary key


def test_loading_gives_submitted_work_in_realistic_states(demo_world: dict[str, Any]) -> None:
    report = _load(demo_world["actor"], 1500, batch_size=400)
    assert 1500 <= report.cases <= 1505
    assert report.cases == Case.objects.count()
    assert report.applications == Application.objects.count()
    assert report.tasks == Task.objects.count()

    apps = list(Application.objects.select_related("applicant"))
    assert {a.status for a in apps} == {ApplicationStatus.SUBMITTED, ApplicationStatus.COMPLETED}
    assert {a.kind for a in apps} == {"service", "bundle"}
    for app in apps:
        assert applications.normalise_receipt_number(app.receipt_number) == app.receipt_number
        assert app.applicant.account_id is None  # generated people have no logins
        assert app.submitted_at is not None and app.submitted_at <= clock.now()
    assert len({a.applicant_id for a in apps}) > PEOPLE // 2

    today = timezone.localdate(clock.now())
    active = list(Task.objects.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]))
    statuses = Counter(t.status for t in Task.objects.all())
    assert statuses[TaskStatus.OPEN] and statuses[TaskStatus.CLAIMED] and statuses[TaskStatus.DONE]
    due = Counter(
        "overdue" if t.due_date < today else "soon" if t.due_date <= today + dt.timedelta(2)
        else "later"
        for t in active
    )  # fmt: skip
    assert due["overdue"] and due["soon"], due
    departments = Case.objects.values_list("department__code", flat=True).distinct()
    assert len(set(departments)) >= 7
    case_statuses = Counter(Case.objects.values_list("status", flat=True))
    assert case_statuses[CaseStatus.APPROVED] > case_statuses[CaseStatus.IN_PROGRESS] > 0
    assert case_statuses[CaseStatus.REJECTED] > 0


def test_cases_and_tasks_follow_the_workflow_rules(demo_world: dict[str, Any]) -> None:
    _load(demo_world["actor"], 800)
    holders: dict[tuple[int, str], set[int]] = {}
    for department_id, role, account_id in Membership.objects.values_list(
        "department_id", "role", "account_id"
    ):
        holders.setdefault((department_id, role), set()).add(account_id)
    calendars: dict[int, calendar.WorkingCalendar] = {}

    def cal_of(department_id: int) -> calendar.WorkingCalendar:
        if department_id not in calendars:
            since = timezone.localdate(clock.now()) - dt.timedelta(days=cases.HISTORY_DAYS + 30)
            calendars[department_id] = workflow.calendar_of_department(department_id, since)
        return calendars[department_id]

    cases_by_app: dict[int, list[Case]] = {}
    for case in Case.objects.select_related("application").prefetch_related("tasks"):
        cases_by_app.setdefault(case.application_id, []).append(case)
        tasks = list(case.tasks.all())
        assert [t.position for t in sorted(tasks, key=lambda t: t.position)] == list(
            range(len(tasks))
        )
        # The case's status is the one the workflow derives from its tasks.
        derived = workflow.case_target(Case(), tasks, open_correction=False)
        assert case.status == derived, (case.service_code, [t.status for t in tasks])
        assert case.is_decided == (case.decided_at is not None)
        if case.status == CaseStatus.REJECTED:
            assert any(t.decision == Decision.REJECT and t.reason for t in tasks)
            assert not any(t.status in (TaskStatus.OPEN, TaskStatus.CLAIMED) for t in tasks)
        if case.status != CaseStatus.IN_PROGRESS:
            assert not any(t.status in (TaskStatus.OPEN, TaskStatus.CLAIMED) for t in tasks)
        dates = applications.case_dates(
            case.accepted_at, case.promised_days, case.statutory_days, cal_of(case.department_id)
        )
        assert case.due_date == dates.due_date
        assert case.overdue_date == dates.overdue_date
        for task in tasks:
            if task.status == TaskStatus.WAITING:
                assert task.opened_at is None and task.due_date is None
                continue
            if task.status == TaskStatus.SKIPPED:
                continue
            if task.opened_at is not None:
                assert task.opened_at >= case.accepted_at
                assert task.due_date == calendar.add_working_days(
                    task.opened_at, task.promised_days, cal_of(task.department_id)
                )
            if task.status in (TaskStatus.CLAIMED, TaskStatus.DONE):
                assert task.assignee_id in (
                    holders.get((task.department_id, task.role), set())
                    | holders.get((task.department_id, Role.TEAM_LEAD), set())
                )
                assert task.claimed_at is not None and task.claimed_at >= task.opened_at
            if task.status == TaskStatus.DONE:
                assert task.decided_by_id == task.assignee_id
                assert task.decided_at is not None and task.decided_at >= task.claimed_at
                assert task.decided_at <= clock.now()
    for app in Application.objects.all():
        decided = all(c.is_decided for c in cases_by_app[app.pk])
        assert (app.status == ApplicationStatus.COMPLETED) == decided
        assert (app.completed_at is not None) == decided


def test_loading_twice_writes_nothing_and_more_adds_only_the_missing(
    demo_world: dict[str, Any], table_dump: Callable[[], dict[str, Any]]
) -> None:
    actor = demo_world["actor"]
    first = _load(actor, 300, batch_size=100)
    assert first.applications > 0 and first.batches == first.applications // 100 + (
        1 if first.applications % 100 else 0
    )
    events = AuditEvent.objects.filter(action="demo.cases_generated")
    assert events.count() == first.batches
    assert sum(e.data["applications"] for e in events) == first.applications
    before = table_dump()
    again = _load(actor, 300, batch_size=100)
    assert (again.applications, again.skipped, again.skipped_cases) == (
        0,
        first.applications,
        first.cases,
    )
    assert table_dump() == before

    old = _generated_rows()
    more = _load(actor, 500, batch_size=100)
    assert more.skipped == first.applications
    assert 500 <= first.cases + more.cases <= 505
    new = _generated_rows()
    for table, rows in old.items():
        assert {repr(r) for r in rows} <= {repr(r) for r in new[table]}
    assert Case.objects.count() == first.cases + more.cases


def test_the_loaded_world_is_the_generated_one(demo_world: dict[str, Any]) -> None:
    """What is stored is exactly what the generator draws: nothing is lost on the way in."""
    now = clock.now()
    gen = _generator(now=now)
    _load(demo_world["actor"], 200)
    drawn = [gen.draw(i) for i in range(Application.objects.count())]
    stored = {a.idempotency_key: a for a in Application.objects.all()}
    for one in drawn:
        app = stored[gen.key(one.index)]
        assert app.form_data == gen.fill_answers(gen.draw(one.index))
        assert [c.service_code for c in app.cases.order_by("position")] == list(one.shape.services)
        assert app.applicant.national_id == one.national_id


def test_generated_work_is_in_the_clerks_queue(demo_world: dict[str, Any]) -> None:
    _load(demo_world["actor"], 1200)
    reviewer = Account.objects.get(username="amr.reviewer")
    expected = Task.objects.filter(
        department__code="market_regulation",
        role=Role.REVIEWER,
        status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED],
    )
    queue = list(selectors.tasks_for_queue(actor=reviewer))
    assert queue and {t.pk for t in queue} == set(expected.values_list("pk", flat=True))
    dates = [t.due_date for t in queue]
    assert dates == sorted(dates)
    # The same queue, one slice per status, as the queue pages read it.
    slices = selectors.queue_slices(actor=reviewer)
    assert len(slices) == 2
    assert {t.pk for s in slices for t in s} == {t.pk for t in queue}
    assert all(len({t.status for t in s}) == 1 for s in slices)


def test_applicants_must_have_been_loaded(demo_world: dict[str, Any]) -> None:
    with pytest.raises(LoadError, match="load-demo --people"):
        cases.load_generated_cases(
            actor=demo_world["actor"], seed=SEED, count=200, people=PEOPLE * 50
        )
    assert Application.objects.count() == 0
    with pytest.raises(LoadError, match="generated people"):
        cases.load_generated_cases(actor=demo_world["actor"], seed=SEED, count=10, people=0)


def test_generated_cases_are_refused_in_production(
    demo_world: dict[str, Any], settings: Any
) -> None:
    settings.PRODUCTION = True
    with pytest.raises(services.DemoRefusedError):
        _load(demo_world["actor"], 10)
    assert Application.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_load_outside_a_transaction_writes_every_batch(demo_world: dict[str, Any]) -> None:
    # Outside a transaction PostgreSQL loads with a second thread writing; the result is the same.
    report = _load(demo_world["actor"], 400, batch_size=50)
    assert report.cases == Case.objects.count() >= 400
    assert AuditEvent.objects.filter(action="demo.cases_generated").count() == report.batches
    again = _load(demo_world["actor"], 400, batch_size=50)
    assert again.applications == 0


def test_load_demo_adds_cases_once(demo_world: dict[str, Any]) -> None:
    from yiwang.cli import app

    runner = CliRunner()
    args = ["load-demo", "--people", str(PEOPLE), "--firms", "0", "--seed", str(SEED)]
    first = runner.invoke(app, [*args, "--cases", "120"])
    assert first.exit_code == 0, first.output
    assert "Generated cases: 12" in first.output
    count = Case.objects.count()
    assert 120 <= count <= 125
    second = runner.invoke(app, [*args, "--cases", "120"])
    assert second.exit_code == 0, second.output
    assert "Generated cases: 0 created" in second.output
    assert Case.objects.count() == count


def test_draws_are_independent_of_one_another(demo_world: dict[str, Any]) -> None:
    gen = _generator()
    counts = [gen.case_count(i) for i in range(300)]
    assert counts == [len(gen.draw(i).shape.services) for i in range(300)]
    assert set(counts) >= {1, 4} or set(counts) >= {1, 5}
    assert list(itertools.islice((gen.key(i) for i in range(3)), 3)) == [
        f"demo-cases:{SEED}:0",
        f"demo-cases:{SEED}:1",
        f"demo-cases:{SEED}:2",
    ]
