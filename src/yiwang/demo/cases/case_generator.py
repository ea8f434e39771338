"""Drawing one generated application and playing its cases and tasks forward to today, as rows."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

from django.utils import timezone

from yiwang.applications import domain as applications
from yiwang.applications.constants import (
    ApplicationKind,
    ApplicationOutcome,
    ApplicationStatus,
    CaseOutcome,
    CaseStatus,
    Decision,
    TaskStatus,
)
from yiwang.catalogue import domain as catalogue
from yiwang.catalogue.constants import STEP_ROLES
from yiwang.core import calendar
from yiwang.demo import generator
from yiwang.demo.cases.answers import answer, answer_data
from yiwang.demo.cases.definitions import (
    DefinitionInfo,
    ServiceInfo,
    Shape,
    _Shapes,
    published_definitions,
)
from yiwang.demo.cases.writing import _Ids, _Rows
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.models import Department, Membership

# How far back generated applications were submitted.
HISTORY_DAYS = 90
KEY_PREFIX = "demo-cases"

_REFUSAL_ROLES = frozenset({Role.APPROVER})
# How much longer or shorter than promised a step takes, in working days, with weights. The tail
# is work that got stuck: it makes the long-overdue rows of a queue.
_DELAYS = ((-2, 14), (-1, 30), (0, 36), (1, 10), (2, 5), (4, 2), (7, 1.5), (12, 1.5))
_REFUSAL_RATE = 0.04


@dataclass
class _Drawn:
    """The part of an application that decides how many cases it has, drawn first."""

    index: int
    rng: random.Random
    definition: DefinitionInfo
    person_index: int
    national_id: str
    submitted_at: dt.datetime
    data: dict[str, Any]
    shape: Shape


@dataclass
class _Task:
    planned: applications.PlannedTask
    status: str
    department_id: int
    opened_at: dt.datetime | None = None
    claimed_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    due_date: dt.date | None = None
    assignee_id: int | None = None
    decision: str = ""
    reason: str = ""


class CaseGenerator:
    """Draws generated applications of one seed and turns them into rows.

    Holds what every application needs: the published definitions, the departments' calendars
    and clerks, the account that entered them and the moment the load runs (``now``).
    """

    def __init__(
        self,
        *,
        seed: int,
        people: int,
        now: dt.datetime,
        entered_by: int,
        definitions: Sequence[DefinitionInfo] | None = None,
    ) -> None:
        if people < 1:
            raise ValueError("applicants are generated people: give at least one")
        self.seed = seed
        self.people = people
        self.now = now
        self.zone = timezone.get_current_timezone()
        self.today = timezone.localtime(now, self.zone).date()
        self.entered_by = entered_by
        self.definitions = list(definitions if definitions is not None else published_definitions())
        if not self.definitions:
            raise ValueError("no published service or bundle to apply for")
        self.shapes = _Shapes()
        self.national_id = lru_cache(maxsize=1 << 18)(partial(generator.person_national_id, seed))
        self._days: dict[tuple[int, dt.date, int], dt.date] = {}
        self._dates: dict[tuple[int, dt.date, int], applications.CaseDates] = {}
        self._receipts = generator.Permutation(
            len(applications.ALPHABET) ** applications.SERIAL_LENGTH,
            seed=seed,
            purpose="receipts",
        )
        department_ids = {
            service.department_id
            for definition in self.definitions
            for service in definition.services.values()
        }
        step_codes = {
            str(step.get("department"))
            for definition in self.definitions
            for service in definition.services.values()
            for stage in catalogue.stages(service.definition)
            for step in stage.get("steps", [])
        }
        self.department_ids = dict(
            Department.objects.filter(code__in=step_codes).values_list("code", "pk")
        )
        department_ids |= set(self.department_ids.values())
        self.calendars = {pk: _department_calendar(pk) for pk in department_ids}
        self.clerks = _clerks(department_ids)
        self.refusals = tuple(answer_data().get("refusal_reasons") or ["—"])

    # -- drawing ---------------------------------------------------------------------------
    def key(self, index: int) -> str:
        return f"{KEY_PREFIX}:{self.seed}:{index}"

    def draw(self, index: int) -> _Drawn:
        """The first part of application ``index``: enough to know its cases."""
        # A string seed is hashed with SHA-512 by ``random``: the same stream in every process.
        rng = random.Random(f"yiwang-demo-cases:{self.seed}:{index}")  # noqa: S311  # not for security
        definition = self.definitions[rng.randrange(len(self.definitions))]
        person_index = rng.randrange(self.people)
        # Submitted on one of the last days, at any hour people use the portal, never later
        # than now.
        day = self.today - dt.timedelta(days=rng.randrange(HISTORY_DAYS))
        moment = dt.datetime.combine(day, dt.time(7), tzinfo=self.zone) + dt.timedelta(
            seconds=rng.randrange(16 * 3600)
        )
        if moment >= self.now:
            moment = self.now - dt.timedelta(seconds=rng.randrange(60, 4 * 3600))
        national_id = self.national_id(person_index)
        fields = definition.spec.fields
        data: dict[str, Any] = {}
        for name in definition.condition_fields:
            if name in fields:
                data[name] = answer(
                    name, fields[name], rng, national_id=national_id, day=self._local(moment)
                )
        shape = self.shapes.of(definition, data)
        return _Drawn(index, rng, definition, person_index, national_id, moment, data, shape)

    def case_count(self, index: int) -> int:
        return len(self.draw(index).shape.services)

    # -- the rest of an application --------------------------------------------------------
    def fill_answers(self, drawn: _Drawn) -> dict[str, Any]:
        rng, definition = drawn.rng, drawn.definition
        national_id = drawn.national_id
        data = dict(drawn.data)
        for name, schema in definition.spec.fields.items():
            if name in data:
                continue
            # Optional questions are left empty now and then, as people do.
            if name in drawn.shape.required or rng.random() < 0.6:
                data[name] = answer(
                    name, schema, rng, national_id=national_id, day=self._local(drawn.submitted_at)
                )
        return data

    def receipt_number(self, index: int, day: dt.date) -> str:
        value = self._receipts(index)
        serial = []
        for _ in range(applications.SERIAL_LENGTH):
            value, digit = divmod(value, len(applications.ALPHABET))
            serial.append(applications.ALPHABET[digit])
        return applications.make_receipt_number(day, "".join(reversed(serial)))

    def _local(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    def _add_days(self, department_id: int, start: dt.datetime, n: int) -> dt.date:
        # Working-day arithmetic walks the calendar day by day; a load asks the same questions
        # (this department, this day, so many days) again and again.
        key = (department_id, self._local(start), n)
        found = self._days.get(key)
        if found is None:
            found = calendar.add_working_days(key[1], n, self.calendars[department_id])
            self._days[key] = found
        return found

    def _case_dates(self, service: ServiceInfo, accepted: dt.datetime) -> applications.CaseDates:
        key = (service.pk, self._local(accepted), 0)
        found = self._dates.get(key)
        if found is None:
            found = applications.case_dates(
                key[1],
                service.promised_days,
                service.statutory_days,
                self.calendars[service.department_id],
            )
            self._dates[key] = found
        return found

    def _finish(
        self, rng: random.Random, start: dt.datetime, days: int, department_id: int
    ) -> dt.datetime:
        """When a step that takes ``days`` working days from ``start`` is decided."""
        if days <= 0:
            return start + dt.timedelta(minutes=rng.randint(5, 6 * 60))
        day = self._add_days(department_id, start, days)
        return dt.datetime.combine(day, dt.time(8, 30), tzinfo=self.zone) + dt.timedelta(
            minutes=rng.randint(0, 9 * 60)
        )

    def _clerk(self, rng: random.Random, department_id: int, role: str) -> int | None:
        candidates = self.clerks.get((department_id, role)) or self.clerks.get(
            (department_id, Role.TEAM_LEAD)
        )
        return rng.choice(candidates) if candidates else None

    def _simulate(
        self, rng: random.Random, service: ServiceInfo, shape: Shape, accepted: dt.datetime
    ) -> tuple[list[_Task], str, dt.datetime | None]:
        """Play the case's steps forward from ``accepted`` to now: (tasks, status, decided at)."""
        tasks = []
        for planned, status in shape.plans[service.code]:
            department = self.department_ids[str(planned.step["department"])]
            tasks.append(_Task(planned, status, department))
        by_stage: dict[str, list[_Task]] = {}
        for task in tasks:
            by_stage.setdefault(task.planned.stage_id, []).append(task)
        finished: dict[str, dt.datetime] = {}  # stage -> when it was complete
        started: set[str] = set()
        refused_at: dt.datetime | None = None
        while True:
            ready = [
                stage
                for stage, before in service.predecessors.items()
                if stage not in started and all(b in finished for b in before)
            ]
            if not ready or refused_at is not None:
                break
            for stage in ready:
                started.add(stage)
                start = max((finished[b] for b in service.predecessors[stage]), default=accepted)
                done_at = start
                complete = True
                for task in by_stage.get(stage, []):
                    if task.status == TaskStatus.SKIPPED:
                        continue
                    promised = int(task.planned.step.get("promised_days", 0))
                    task.opened_at = start
                    task.due_date = self._add_days(task.department_id, start, promised)
                    delay = rng.choices([d for d, _w in _DELAYS], weights=[w for _d, w in _DELAYS])[
                        0
                    ]
                    end = self._finish(rng, start, max(0, promised + delay), task.department_id)
                    role = str(task.planned.step.get("role"))
                    if end <= self.now:
                        task.status = TaskStatus.DONE
                        task.finished_at = end
                        task.claimed_at = start + (end - start) * rng.uniform(0.05, 0.5)
                        task.assignee_id = self._clerk(rng, task.department_id, role)
                        task.decision = Decision.APPROVE
                        if role in _REFUSAL_ROLES and rng.random() < _REFUSAL_RATE:
                            task.decision = Decision.REJECT
                            task.reason = rng.choice(self.refusals)
                            refused_at = end if refused_at is None else min(refused_at, end)
                        done_at = max(done_at, end)
                    else:
                        complete = False
                        waited = self.now - start
                        claim_rate = 0.6 if waited > dt.timedelta(hours=2) else 0.2
                        assignee = self._clerk(rng, task.department_id, role)
                        if assignee is not None and rng.random() < claim_rate:
                            task.status = TaskStatus.CLAIMED
                            task.assignee_id = assignee
                            task.claimed_at = start + waited * rng.uniform(0.05, 0.9)
                        else:
                            task.status = TaskStatus.OPEN
                if complete:
                    finished[stage] = done_at
        if refused_at is not None:
            # A refusal decides the case at once: what was not decided by then is cancelled.
            for task in tasks:
                late = task.finished_at is not None and task.finished_at > refused_at
                if task.status in (TaskStatus.WAITING, TaskStatus.OPEN, TaskStatus.CLAIMED) or (
                    task.status == TaskStatus.DONE and late
                ):
                    task.status = TaskStatus.CANCELLED
                    task.finished_at = None
                    task.decision = task.reason = ""
                    if task.claimed_at is not None and task.claimed_at > refused_at:
                        task.claimed_at = None
                        task.assignee_id = None
            return tasks, CaseStatus.REJECTED, refused_at
        applying = [t for t in tasks if t.status != TaskStatus.SKIPPED]
        if all(t.status == TaskStatus.DONE for t in applying):
            last = max((t.finished_at for t in applying if t.finished_at), default=accepted)
            return tasks, CaseStatus.APPROVED, last
        return tasks, CaseStatus.IN_PROGRESS, None

    def rows(self, drawn: _Drawn, person_pk: int, ids: _Ids, out: _Rows) -> None:
        """Append the rows of one application, its cases and their tasks to ``out``."""
        rng, definition = drawn.rng, drawn.definition
        data = self.fill_answers(drawn)
        accepted = drawn.submitted_at
        app_id = ids.next_application()
        statuses: list[str] = []
        last_change = accepted
        for position, code in enumerate(drawn.shape.services):
            service = definition.services[code]
            case_id = ids.next_case()
            dates = self._case_dates(service, accepted)
            tasks, status, decided_at = self._simulate(rng, service, drawn.shape, accepted)
            # A decided case keeps the deadline state it was decided in; the periodic job only
            # moves active ones.
            state_day = self._local(decided_at) if decided_at is not None else self.today
            outcome: str = _CASE_OUTCOMES.get(status, "")
            out.cases.append(
                (
                    case_id,
                    app_id,
                    service.pk,
                    code,
                    service.name_zh,
                    service.name_en,
                    service.department_id,
                    position,
                    status,
                    accepted,
                    service.promised_days,
                    service.statutory_days,
                    dates.due_date,
                    dates.statutory_due_date,
                    dates.warning_date,
                    dates.overdue_date,
                    applications.deadline_state_on(dates, state_day),
                    decided_at,
                    outcome,
                )
            )
            for task in tasks:
                step = task.planned.step
                done = task.status == TaskStatus.DONE
                out.tasks.append(
                    (
                        ids.next_task(),
                        case_id,
                        code,
                        task.planned.stage_id,
                        str(step["code"]),
                        task.planned.position,
                        task.department_id,
                        str(step["role"]),
                        str(step["name"]["zh"]),
                        str(step["name"]["en"]),
                        int(step.get("promised_days", 0)),
                        task.status,
                        task.assignee_id,
                        task.opened_at,
                        task.claimed_at,
                        task.due_date,
                        task.decision,
                        task.reason,
                        task.assignee_id if done else None,
                        task.finished_at if done else None,
                    )
                )
                for moment in (task.opened_at, task.claimed_at, task.finished_at):
                    if moment is not None and moment > last_change:
                        last_change = moment
            statuses.append(status)
        decided = bool(statuses) and all(
            s in (CaseStatus.APPROVED, CaseStatus.REJECTED) for s in statuses
        )
        out.applications.append(
            (
                app_id,
                self.receipt_number(drawn.index, self._local(accepted)),
                definition.kind,
                definition.version_pk if definition.kind == ApplicationKind.SERVICE else None,
                definition.version_pk if definition.kind == ApplicationKind.BUNDLE else None,
                json.dumps({code: s.pk for code, s in definition.services.items()}),
                person_pk,
                self.entered_by,
                self.entered_by,
                json.dumps(data, ensure_ascii=False),
                definition.last_page,
                ApplicationStatus.COMPLETED if decided else ApplicationStatus.SUBMITTED,
                _outcome(statuses) if decided else "",
                "zh-hans",
                self.key(drawn.index),
                accepted - dt.timedelta(minutes=rng.randint(3, 90)),
                last_change,
                accepted,
                last_change if decided else None,
            )
        )


_CASE_OUTCOMES: dict[str, str] = {
    CaseStatus.APPROVED: CaseOutcome.APPROVED,
    CaseStatus.REJECTED: CaseOutcome.REJECTED,
}


def _outcome(statuses: Sequence[str]) -> str:
    """The application's outcome once every case is decided (the workflow's rule)."""
    if all(s == CaseStatus.APPROVED for s in statuses):
        return ApplicationOutcome.APPROVED
    if all(s == CaseStatus.REJECTED for s in statuses):
        return ApplicationOutcome.REJECTED
    return ApplicationOutcome.PARTLY_APPROVED


def _department_calendar(department_id: int) -> calendar.WorkingCalendar:
    department = Department.objects.select_related("region").get(pk=department_id)
    chain = [department.region.code, *(r.code for r in department.region.ancestors())]
    return calendar.calendar_for(chain)


def _clerks(department_ids: set[int]) -> dict[tuple[int, str], list[int]]:
    """Active staff holding each step role in each department, by account id."""
    out: dict[tuple[int, str], list[int]] = {}
    rows = (
        Membership.objects.filter(
            department_id__in=department_ids,
            role__in=STEP_ROLES,
            is_active=True,
            account__is_active=True,
            account__kind=AccountKind.STAFF,
        )
        .order_by("department_id", "role", "account_id")
        .values_list("department_id", "role", "account_id")
    )
    for department_id, role, account_id in rows:
        out.setdefault((department_id, role), []).append(account_id)
    return out
