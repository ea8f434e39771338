"""Generated applications, cases and tasks: a back office with real work in it.

:func:`load_generated_cases` adds submitted applications for the published services and bundles,
applied for by generated people (who have no accounts), until the world holds at least the number
of generated cases asked for. Each application was submitted on a day of the last quarter, its
cases carry the due dates the platform would have given them, and its tasks stand where the work
would stand today: older cases decided (a few refused), recent ones open or claimed by a clerk of
the right role, some late. So every queue has overdue, due-soon and on-time work, and the
queue, deadline and oversight pages show what they would show in a busy office.

Determinism. Application ``i`` of a seed is drawn from a random stream of its own, so it does not
depend on how many are asked for: a smaller load is a prefix of a bigger one, and loading more
later adds only the missing ones. The answers, services, steps, outcomes and the people involved
depend only on the seed (and on the number of generated people to choose applicants from); the
dates are laid out backwards from the day of loading, so that the queues always look current.
Each generated application is known by its idempotency key ``demo-cases:<seed>:<i>``: a second
load with the same seed and number writes nothing.

Applications are written in bulk (COPY on PostgreSQL), a batch per transaction, because a
million cases through the one-by-one workflow would take hours. What the rows hold is worked out
by the same rules the workflow applies: the form's conditions decide which services of a bundle
and which steps apply (``applications.domain``), the working calendar decides the due dates.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import random
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any

import yaml
from django.db import connections, router, transaction
from django.db.models import Model
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
from yiwang.applications.models import Application, Case, Task
from yiwang.catalogue import domain as catalogue
from yiwang.catalogue import selectors as catalogue_selectors
from yiwang.catalogue.constants import STEP_ROLES, Audience
from yiwang.core import calendar, clock
from yiwang.core.errors import LoadError, LoadProblem
from yiwang.demo import generator
from yiwang.identity.constants import AccountKind, Role
from yiwang.identity.models import Account, Department, Membership, Person

DATA_DIR = Path(__file__).resolve().parent / "data"
ANSWERS_FILE = DATA_DIR / "answers.yaml"

# Applications per transaction: big enough for COPY to pay off, small enough that an interrupted
# load loses little and a batch's audit event stays readable.
BATCH_SIZE = 2000
# How far back generated applications were submitted.
HISTORY_DAYS = 90
KEY_PREFIX = "demo-cases"
# The account generated applications name as having entered them: the people have no accounts.
GENERATOR_USERNAME = "demo.generator"
# Person lookups per query (PostgreSQL keeps a few hundred keys on the index).
LOOKUP_CHUNK = 500

Progress = Callable[[int], None]

_FORM_FIELD = re.compile(r"\bform\.([A-Za-z_][A-Za-z0-9_]*)")
_REFUSAL_ROLES = frozenset({Role.APPROVER})
# How much longer or shorter than promised a step takes, in working days, with weights. The tail
# is work that got stuck: it makes the long-overdue rows of a queue.
_DELAYS = ((-2, 14), (-1, 30), (0, 36), (1, 10), (2, 5), (4, 2), (7, 1.5), (12, 1.5))
_REFUSAL_RATE = 0.04


# --- What the generator reads -----------------------------------------------------------------


@dataclass(frozen=True)
class ServiceInfo:
    pk: int
    code: str
    name_zh: str
    name_en: str
    department_id: int
    promised_days: int
    statutory_days: int
    definition: Mapping[str, Any]
    predecessors: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class DefinitionInfo:
    """A published service or bundle the generator applies for."""

    kind: str
    code: str
    version_pk: int
    spec: applications.FormSpec
    services: Mapping[str, ServiceInfo]
    condition_fields: tuple[str, ...]
    last_page: str


@dataclass(frozen=True)
class Shape:
    """What follows from the answers that conditions read: services, steps, required fields."""

    services: tuple[str, ...]
    required: frozenset[str]
    plans: Mapping[str, tuple[tuple[applications.PlannedTask, str], ...]]


@dataclass
class CasesReport:
    applications: int = 0
    cases: int = 0
    tasks: int = 0
    skipped: int = 0
    skipped_cases: int = 0
    batches: int = 0


@cache
def answer_data() -> dict[str, Any]:
    with ANSWERS_FILE.open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


@cache
def _names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    with (DATA_DIR / "names.yaml").open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return (
        tuple(item.split(" ", 1)[0] for item in raw["surnames"]),
        tuple(item.split(" ", 1)[0] for item in raw["given"]),
    )


def _condition_fields(*definitions: Mapping[str, Any]) -> tuple[str, ...]:
    """Every form field a condition anywhere in the definitions reads."""
    text = json.dumps(definitions, ensure_ascii=False, sort_keys=True)
    return tuple(sorted(set(_FORM_FIELD.findall(text))))


def _service_info(version: Any, departments: Mapping[str, int]) -> ServiceInfo:
    definition = version.definition
    limits = definition.get("time_limits", {})
    promised = int(limits.get("promised_days", 0))
    return ServiceInfo(
        pk=version.pk,
        code=version.code,
        name_zh=version.name_zh,
        name_en=version.name_en,
        department_id=departments[version.department_code],
        promised_days=promised,
        statutory_days=int(limits.get("statutory_days", promised)),
        definition=definition,
        predecessors=catalogue.stage_predecessors(definition),
    )


def published_definitions() -> list[DefinitionInfo]:
    """The published services and bundles a person may apply for, services first, by code."""
    departments = dict(Department.objects.values_list("code", "pk"))
    out: list[DefinitionInfo] = []
    services: dict[str, ServiceInfo] = {}
    for version in catalogue_selectors.published_services():
        if version.department_code not in departments:
            continue
        services[version.code] = _service_info(version, departments)
        if version.audience == Audience.FIRM:
            continue  # generated applicants are people, never firms
        form = version.definition.get("form", {})
        pages = form.get("pages", [])
        out.append(
            DefinitionInfo(
                kind=ApplicationKind.SERVICE,
                code=version.code,
                version_pk=version.pk,
                spec=applications.FormSpec.for_service(version.definition),
                services={version.code: services[version.code]},
                condition_fields=_condition_fields(version.definition),
                last_page=str(pages[-1]["id"]) if pages else "",
            )
        )
    for bundle in catalogue_selectors.published_bundles():
        if bundle.audience == Audience.FIRM:
            continue
        codes = [str(item["code"]) for item in bundle.definition.get("services", [])]
        if not all(code in services for code in codes):
            continue
        merged = catalogue.merge_bundle(
            bundle.definition, {code: services[code].definition for code in codes}
        )
        spec = applications.FormSpec.for_bundle(merged)
        out.append(
            DefinitionInfo(
                kind=ApplicationKind.BUNDLE,
                code=bundle.code,
                version_pk=bundle.pk,
                spec=spec,
                services={code: services[code] for code in codes},
                condition_fields=_condition_fields(
                    bundle.definition, *(services[c].definition for c in codes)
                ),
                last_page=spec.pages[-1].id if spec.pages else "",
            )
        )
    return out


# --- Answers ----------------------------------------------------------------------------------


def _pattern(rng: random.Random, pattern: str) -> str:
    out = []
    for char in pattern:
        if char == "#":
            out.append(str(rng.randrange(10)))
        elif char == "@":
            out.append(chr(ord("A") + rng.randrange(26)))
        else:
            out.append(char)
    text = "".join(out)
    if "{name}" in text:
        surnames, given = _names()
        name = (
            rng.choice(surnames)
            + rng.choice(given)
            + (rng.choice(given) if rng.random() < 0.7 else "")
        )
        text = text.replace("{name}", name)
    return text


def _bounds(schema: Mapping[str, Any], span: float) -> tuple[float, float]:
    low = schema.get("minimum")
    if low is None:
        exclusive = schema.get("exclusiveMinimum")
        low = exclusive + 1 if exclusive is not None else 0
    high = schema.get("maximum")
    if high is None:
        exclusive = schema.get("exclusiveMaximum")
        high = exclusive - 1 if exclusive is not None else low + span
    return float(low), float(min(high, low + span))


def answer(
    name: str, schema: Mapping[str, Any], rng: random.Random, *, national_id: str, day: dt.date
) -> Any:
    """One plausible answer to a form field: from ``answers.yaml``, or from its JSON Schema."""
    given = answer_data().get("fields", {}).get(name)
    if isinstance(given, list) and given:
        return rng.choice(given)
    if isinstance(given, str):
        return _pattern(rng, given)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(list(schema["enum"]))
    kind = schema.get("type")
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "integer":
        low, high = _bounds(schema, 50)
        return rng.randint(int(low), int(high))
    if kind == "number":
        low, high = _bounds(schema, 1000)
        return round(rng.uniform(low, high), 1)
    if kind == "object":
        props = catalogue.form_fields(schema)
        return {
            key: answer(key, sub, rng, national_id=national_id, day=day)
            for key, sub in props.items()
        }
    if kind == "array":
        return [answer(name, schema.get("items", {}), rng, national_id=national_id, day=day)]
    fmt = schema.get("format")
    if fmt == "date":
        return (day - dt.timedelta(days=rng.randint(1, 60))).isoformat()
    if fmt == "national-id":
        return national_id
    if fmt == "cn-mobile":
        return "1" + rng.choice("3456789") + "".join(str(rng.randrange(10)) for _ in range(9))
    title = schema.get("x-title") or {}
    text = str(title.get("zh") or name) if isinstance(title, Mapping) else str(title)
    text = f"{text}{rng.randint(1, 999)}"
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, len(text))))
    return (text + "〇" * max(0, low - len(text)))[:high]


class _Shapes:
    """The services, steps and required fields of each combination of answers conditions read.

    Conditions are CEL expressions and a bundle's required fields depend on them; evaluating them
    for every one of a million applications would cost most of the load. The answers that
    conditions read come from a few values each, so each combination is worked out once.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[str, tuple[Any, ...]], Shape] = {}

    def of(self, definition: DefinitionInfo, data: Mapping[str, Any]) -> Shape:
        key = (
            definition.code,
            tuple(repr(data.get(f)) for f in definition.condition_fields),
        )
        shape = self._known.get(key)
        if shape is None:
            shape = self._work_out(definition, data)
            self._known[key] = shape
        return shape

    @staticmethod
    def _work_out(definition: DefinitionInfo, data: Mapping[str, Any]) -> Shape:
        spec = definition.spec
        typed = spec.condition_data(data)
        codes = tuple(spec.services_applying(data))
        plans = {}
        for code in codes:
            service = definition.services[code]
            planned = applications.plan_tasks(service.definition, typed)
            statuses = applications.initial_statuses(service.definition, planned)
            plans[code] = tuple((p, statuses[p.position]) for p in planned)
        return Shape(services=codes, required=frozenset(spec.required_fields(data)), plans=plans)


# --- One application --------------------------------------------------------------------------


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


class _Ids:
    """Primary keys reserved for one batch, handed out in order."""

    def __init__(self, applications: list[int], cases: list[int], tasks: list[int]) -> None:
        self._applications = iter(applications)
        self._cases = iter(cases)
        self._tasks = iter(tasks)

    def next_application(self) -> int:
        return next(self._applications)

    def next_case(self) -> int:
        return next(self._cases)

    def next_task(self) -> int:
        return next(self._tasks)


@dataclass
class _Rows:
    applications: list[tuple[Any, ...]] = field(default_factory=list)
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    tasks: list[tuple[Any, ...]] = field(default_factory=list)


APPLICATION_COLUMNS = (
    "id",
    "receipt_number",
    "kind",
    "service_version_id",
    "bundle_version_id",
    "service_versions",
    "applicant_id",
    "created_by_id",
    "submitted_by_id",
    "form_data",
    "current_page",
    "status",
    "outcome",
    "language",
    "idempotency_key",
    "created_at",
    "updated_at",
    "submitted_at",
    "completed_at",
)
CASE_COLUMNS = (
    "id",
    "application_id",
    "service_version_id",
    "service_code",
    "name_zh",
    "name_en",
    "department_id",
    "position",
    "status",
    "accepted_at",
    "promised_days",
    "statutory_days",
    "due_date",
    "statutory_due_date",
    "warning_date",
    "overdue_date",
    "deadline_state",
    "decided_at",
    "outcome",
)
TASK_COLUMNS = (
    "id",
    "case_id",
    "service_code",
    "stage_id",
    "step_code",
    "position",
    "department_id",
    "role",
    "name_zh",
    "name_en",
    "promised_days",
    "status",
    "assignee_id",
    "opened_at",
    "claimed_at",
    "due_date",
    "decision",
    "reason",
    "decided_by_id",
    "decided_at",
)


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


# --- Writing ----------------------------------------------------------------------------------


class _Writer:
    """Insert rows of one model with their primary keys: COPY on PostgreSQL, ``executemany``
    elsewhere.

    The generator gives the columns it decides; every other column (one a later migration adds,
    say) gets the value a new instance would have, prepared once.
    """

    def __init__(self, model: type[Model], columns: Sequence[str]) -> None:
        self.model = model
        self.alias = router.db_for_write(model)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.given = [fields[name] for name in columns]
        template = model()
        rest = [f for name, f in fields.items() if name not in columns]
        self.fixed = tuple(
            f.get_db_prep_save(f.pre_save(template, True), connection=self.connection) for f in rest
        )
        self.columns = [str(f.column) for f in [*self.given, *rest]]
        self.table = model._meta.db_table
        postgres = self.connection.vendor == "postgresql"
        self.converters: list[Callable[[Any], Any] | None] = []
        for f in self.given:
            kind = f.get_internal_type()
            if postgres or kind not in ("DateTimeField", "DateField"):
                self.converters.append(None)
            elif kind == "DateTimeField":
                self.converters.append(self.connection.ops.adapt_datetimefield_value)
            else:
                self.converters.append(self.connection.ops.adapt_datefield_value)

    @property
    def connection(self) -> Any:
        # Looked up at each use: the connection belongs to the thread that uses it.
        return connections[self.alias]

    def reserve(self, count: int) -> list[int]:
        """``count`` unused primary keys (call inside the batch's transaction)."""
        if count == 0:
            return []
        quote = self.connection.ops.quote_name
        pk = str(self.model._meta.pk.column)  # type: ignore[union-attr]
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [quote(self.table), pk, count],
                )
                return [int(row[0]) for row in cursor.fetchall()]
            # SQLite: the batch's transaction holds the write lock, so nobody else can take the
            # keys after the largest one used (AUTOINCREMENT remembers deleted ones too).
            cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(self.table)}")  # noqa: S608  # names from the model
            start = int(cursor.fetchone()[0])
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
            row = cursor.fetchone()
            start = max(start, int(row[0]) if row else 0)
        return list(range(start + 1, start + 1 + count))

    def insert(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        converters = self.converters
        if any(converters):
            rows = [
                tuple(
                    value if convert is None or value is None else convert(value)
                    for convert, value in zip(converters, row, strict=True)
                )
                for row in rows
            ]
        fixed = self.fixed
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(self.table)} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + fixed)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})",  # noqa: S608  # names from the model
                    [row + fixed for row in rows],
                )


def _analyze(*models: type[Model]) -> None:
    """Bring PostgreSQL's statistics up to date: the queue's plans depend on them, and a table
    that grew by a million rows within one load still looks small until autovacuum runs."""
    connection = connections[router.db_for_write(models[0])]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- Loading ----------------------------------------------------------------------------------


def _record(**kwargs: Any) -> Any:
    from yiwang.audit.services import record_event

    return record_event(**kwargs)


def generator_account(*, actor: Any) -> Account:
    """The account generated applications name as having entered and submitted them.

    The generated people have no accounts, and an application must name the account that
    entered it; this one has no password and no role, so it can neither log in nor see anything.
    """
    from yiwang.identity import services as identity

    account = Account.objects.filter(username=GENERATOR_USERNAME).first()
    if account is None:
        account = identity.create_staff_account(
            actor=actor,
            username=GENERATOR_USERNAME,
            display_name="演示数据生成器 / Demo data generator",
            password=None,
        )
    return account


def existing_indices(seed: int) -> set[int]:
    """The indexes of the generated applications of ``seed`` already in the database."""
    prefix = f"{KEY_PREFIX}:{seed}:"
    keys = Application.objects.filter(idempotency_key__startswith=prefix).values_list(
        "idempotency_key", flat=True
    )
    return {
        int(k[len(prefix) :])
        for k in keys.iterator(chunk_size=20_000)
        if k[len(prefix) :].isdigit()
    }


def _person_pks(seed: int, drawn: Sequence[_Drawn]) -> dict[int, int]:
    """Person index -> pk of the applicants of a batch; every one must be loaded."""
    wanted = {d.person_index: d.national_id for d in drawn}
    by_id: dict[str, int] = {}
    national_ids = sorted(set(wanted.values()))
    for start in range(0, len(national_ids), LOOKUP_CHUNK):
        chunk = national_ids[start : start + LOOKUP_CHUNK]
        rows = Person.objects.filter(national_id__in=chunk).values_list("national_id", "pk")
        by_id.update((str(national_id), pk) for national_id, pk in rows)
    missing = sorted(i for i, nid in wanted.items() if nid not in by_id)
    if missing:
        raise LoadError(
            [
                LoadProblem(
                    "generated people",
                    f"person {missing[0]}",
                    f"{len(missing)} applicant(s) among the first generated people of seed {seed} "
                    "are not loaded; load the generated people first (load-demo --people)",
                )
            ]
        )
    return {i: by_id[nid] for i, nid in wanted.items()}


def load_generated_cases(
    *,
    actor: Any,
    seed: int,
    count: int,
    people: int,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    pipelined: bool = True,
) -> CasesReport:
    """Add generated applications until at least ``count`` generated cases of ``seed`` exist.

    Applications are taken in order (application 0, 1, 2, ...) and each has one case per service
    that applies, so the last one may take the total a few cases past ``count``. Applicants are
    drawn from the first ``people`` generated people of the same seed, who must be loaded.
    ``progress`` is called with the number of cases each batch covered (written or found).

    Each batch is its own transaction, so an interrupted load keeps what it wrote and the next
    run carries on (applications already there are found by their key and skipped). On
    PostgreSQL, with ``pipelined``, a second thread (with its own connection) writes each batch
    while the next one is generated: the database's work and Python's then overlap.

    Auditing: each batch that writes writes one audit event with the seed, the index range and
    the counts, in the same transaction as the rows. An event per application, case and task
    would multiply the log by the size of the load and record nothing more: the generator is
    deterministic, so the seed and the range say exactly what was made.
    """
    from yiwang.demo.services import refuse_in_production

    refuse_in_production()
    report = CasesReport()
    if count <= 0:
        return report
    if people < 1:
        raise LoadError(
            [
                LoadProblem(
                    "generated people",
                    "people",
                    "generated cases need generated people as applicants: load at least one",
                )
            ]
        )
    cases_gen = CaseGenerator(
        seed=seed,
        people=people,
        now=clock.now(),
        entered_by=generator_account(actor=actor).pk,
    )
    existing = existing_indices(seed)
    writers = _Writers()
    pipeline = (
        _Pipeline(lambda batch: _store(actor, seed, writers, batch, report))
        if pipelined and writers.postgres and not transaction.get_connection().in_atomic_block
        else None
    )
    total = index = grown = 0
    try:
        while total < count:
            first, drawn, covered = index, [], 0
            while index - first < batch_size and total < count:
                if index in existing:
                    n = cases_gen.case_count(index)
                    report.skipped += 1
                    report.skipped_cases += n
                else:
                    one = cases_gen.draw(index)
                    drawn.append(one)
                    n = len(one.shape.services)
                total += n
                covered += n
                index += 1
            if drawn:
                if pipeline is not None:
                    pipeline.put(_prepare(cases_gen, writers, drawn, first, index - 1))
                else:
                    with transaction.atomic():
                        batch = _prepare(cases_gen, writers, drawn, first, index - 1)
                        _store(actor, seed, writers, batch, report)
                grown += len(drawn)
                if grown >= 200_000:  # keep the statistics of a long load current
                    _analyze(Application, Case, Task)
                    grown = 0
            report.batches += 1
            if progress is not None:
                progress(covered)
    finally:
        if pipeline is not None:
            pipeline.close()
    if report.applications:
        _analyze(Application, Case, Task)
    return report


class _Writers:
    def __init__(self) -> None:
        self.applications = _Writer(Application, APPLICATION_COLUMNS)
        self.cases = _Writer(Case, CASE_COLUMNS)
        self.tasks = _Writer(Task, TASK_COLUMNS)
        self.postgres = self.applications.connection.vendor == "postgresql"


@dataclass
class _Batch:
    first: int
    last: int
    rows: _Rows
    applications: int
    cases: int
    tasks: int


def _prepare(
    cases_gen: CaseGenerator, writers: _Writers, drawn: Sequence[_Drawn], first: int, last: int
) -> _Batch:
    """The rows of a batch, with primary keys reserved for them."""
    n_cases = sum(len(d.shape.services) for d in drawn)
    n_tasks = sum(len(d.shape.plans[c]) for d in drawn for c in d.shape.services)
    persons = _person_pks(cases_gen.seed, drawn)
    ids = _Ids(
        writers.applications.reserve(len(drawn)),
        writers.cases.reserve(n_cases),
        writers.tasks.reserve(n_tasks),
    )
    rows = _Rows()
    for one in drawn:
        cases_gen.rows(one, persons[one.person_index], ids, rows)
    return _Batch(first, last, rows, len(drawn), n_cases, n_tasks)


def _store(actor: Any, seed: int, writers: _Writers, batch: _Batch, report: CasesReport) -> None:
    """Write a batch and its audit event in one transaction."""
    with transaction.atomic():
        if writers.postgres:
            # Not waiting for the disk at each batch's commit is safe here: a crash can only lose
            # whole batches (rows and audit event together), which the next load writes again.
            with transaction.get_connection().cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        writers.applications.insert(batch.rows.applications)
        writers.cases.insert(batch.rows.cases)
        writers.tasks.insert(batch.rows.tasks)
        _record(
            actor=actor,
            action="demo.cases_generated",
            object_type="applications.application",
            object_id=f"seed:{seed}:{batch.first}-{batch.last}",
            data={
                "seed": seed,
                "first_index": batch.first,
                "last_index": batch.last,
                "applications": batch.applications,
                "cases": batch.cases,
                "tasks": batch.tasks,
                "skipped": batch.last - batch.first + 1 - batch.applications,
            },
        )
    report.applications += batch.applications
    report.cases += batch.cases
    report.tasks += batch.tasks


class _Pipeline:
    """Stores prepared batches in a second thread, at most two batches behind."""

    def __init__(self, store: Callable[[_Batch], None]) -> None:
        self._store = store
        self._queue: queue.Queue[_Batch | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="yiwang-demo-cases", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from django.db import connection

        try:
            while (batch := self._queue.get()) is not None:
                if self._error is None:  # after a failure, only drain so put() never blocks
                    try:
                        self._store(batch)
                    except BaseException as exc:
                        self._error = exc
        finally:
            connection.close()  # this thread's own connection

    def put(self, batch: _Batch) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(batch)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
