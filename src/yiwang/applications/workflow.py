"""The engine behind the services: who is who, locks, calendars, and statuses that follow tasks.

Internal to the app: other apps call :mod:`services` and :mod:`selectors`.

Statuses are derived, never set by hand:

* a case is **refused** as soon as one of its tasks is refused; **waiting for a correction** while
  a correction is open; **approved** when every task that applies is approved (skipped ones do
  not count); **in progress** otherwise;
* an application is **completed** when every case is decided (approved or refused), with a
  summary outcome (approved, partly approved, refused); **waiting for a correction** while any
  case is; **being processed** otherwise.

Locks are always taken in the same order — application, then case, then task or correction — so
two clerks deciding parallel tasks of one application queue instead of deadlocking, and the last
one to finish sees the other's decision and opens the next stage or completes the application.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from yiwang.applications import domain
from yiwang.applications.constants import (
    ACTIVE_TASK_STATUSES,
    ApplicationKind,
    ApplicationOutcome,
    ApplicationStatus,
    CaseStatus,
    CorrectionStatus,
    Decision,
    TaskStatus,
)
from yiwang.applications.models import Application, Case, CorrectionRequest, Task
from yiwang.applications.types import IllegalTransition
from yiwang.catalogue import domain as catalogue
from yiwang.core import calendar, clock
from yiwang.core.db import rows
from yiwang.core.db.compiled import CompiledQuery
from yiwang.core.errors import PermissionDenied
from yiwang.core.language import in_running_text
from yiwang.identity import selectors as identity
from yiwang.identity.constants import Role

# --- Actors -----------------------------------------------------------------------------------


def person_of(actor: Any) -> Any:
    """The person behind a citizen account; anyone else may not apply."""
    person = identity.person_for(actor)
    if person is None:
        raise PermissionDenied("only a citizen account linked to a person can apply")
    return person


def is_applicant_side(actor: Any, application: Application) -> bool:
    """The applicant themself, or (for a firm's application) a person who may act for the firm."""
    person = identity.person_for(actor)
    if person is None:
        return False
    if person.pk == application.applicant_id:
        return True
    firm = application.firm
    return firm is not None and identity.can_act_for_firm(actor, firm)


def require_applicant(actor: Any, application: Application, *, own_only: bool = False) -> None:
    """Refuse (as "not found") anyone who is not on the applicant's side.

    ``own_only``: only the person who started it (drafts belong to their author). For a firm's
    application the applicant must still be able to act for the firm.
    """
    person = identity.person_for(actor)
    if person is None:
        raise PermissionDenied("not your application")
    if own_only or application.firm_id is None:
        if person.pk != application.applicant_id:
            raise PermissionDenied("not your application")
        if application.firm is not None and not identity.can_act_for_firm(actor, application.firm):
            raise PermissionDenied("you may no longer act for this firm")
        return
    if not is_applicant_side(actor, application):
        raise PermissionDenied("not your application")


def roles_in(actor: Any, department_id: int) -> frozenset[str]:
    return frozenset(
        identity.memberships_of(actor)
        .filter(department_id=department_id)
        .values_list("role", flat=True)
    )


def may_handle(roles: frozenset[str], task: Task) -> bool:
    """A clerk with the step's role, or a team lead of the department (who may do every step)."""
    return task.role in roles or Role.TEAM_LEAD in roles


def may_hand_out(roles: frozenset[str]) -> bool:
    return Role.TEAM_LEAD in roles or Role.APPROVER in roles


# --- Transitions ------------------------------------------------------------------------------


def transition(obj: Any, name: str, *args: Any) -> Any:
    """Run a django-fsm transition, turning a refusal into a message people can read."""
    try:
        return getattr(obj, name)(*args)
    except TransitionNotAllowed as exc:
        label = getattr(obj, "get_status_display", lambda: obj.status)()
        raise IllegalTransition(
            _("This cannot be done now: the %(thing)s is %(status)s.")
            % {"thing": obj._meta.verbose_name, "status": in_running_text(label)}
        ) from exc


def correction_closed(correction: Any) -> IllegalTransition:
    """Why a correction can no longer be answered: it was, or it was cancelled."""
    return IllegalTransition(domain.correction_closed_message(correction.status))


def not_a_draft(application: Any) -> IllegalTransition:
    """Why a draft's answers or files can no longer change: it was sent, or withdrawn."""
    if application.status == ApplicationStatus.WITHDRAWN:
        return IllegalTransition(
            _("This draft was withdrawn: it can no longer be changed. Start a new application.")
        )
    return IllegalTransition(_("This application has been submitted and is no longer a draft."))


# --- Locks ------------------------------------------------------------------------------------


# Where only the form is needed, the versions' definitions need not come with the application
# (form_of() keeps the forms built from them by content hash); a version's ``code`` reads its
# definition, so whatever shows the application loads them.
VERSION_DEFINITIONS = ("service_version__definition", "bundle_version__definition")


def _locking(pk: int) -> QuerySet[Application]:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related(
            "applicant",
            "applicant__account",
            "firm",
            "service_version",
            "bundle_version",
            "prefill",  # the registry data the person confirmed, if any: checked on submission
        )
        .defer(*VERSION_DEFINITIONS)
        .filter(pk=pk)
        .order_by()[:1]
    )


# Every submission, decision and correction starts here: its SQL is built once.
_LOCK_APPLICATION = CompiledQuery(_locking)


def lock_application(pk: int) -> Application:
    """The application, locked for this transaction, with the people and versions it names
    and its registry prefill.

    The versions come without their definitions (``form_of`` keeps the forms built from them)
    and the row unordered: both cost every submission and decision time for nothing.
    """
    found = _LOCK_APPLICATION.all(int(pk))
    if not found:
        raise PermissionDenied("no such application")
    return found[0]


def lock_case(pk: int) -> Case:
    return Case.objects.select_for_update().get(pk=pk)


def lock_task_chain(task_pk: int) -> tuple[Application, Case, Task]:
    ids = Task.objects.filter(pk=task_pk).values_list("case_id", "case__application_id").first()
    if ids is None:
        raise PermissionDenied("no such task")
    case_id, application_id = ids
    application = lock_application(application_id)
    case = lock_case(case_id)
    task = Task.objects.select_for_update().get(pk=task_pk)
    return application, case, task


# --- Forms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PinnedService:
    pk: int
    code: str
    definition: Mapping[str, Any]
    department_code: str
    name_zh: str
    name_en: str


# A version's content never changes once written (the catalogue refuses it), so the form built
# from it can be kept for the life of the process. The key holds the content hashes as well as the
# primary keys, so a database that was emptied and loaded again (tests, a restored copy) can never
# be answered from a form of other content that happened to have the same keys.
_FormKey = tuple[str, int, str, tuple[tuple[int, str], ...]]


@lru_cache(maxsize=256)
def _pinned(key: _FormKey) -> tuple[Any, Any]:
    from yiwang.catalogue.models import BundleVersion, ServiceVersion

    kind, version_pk, _version_hash, services = key
    versions = {
        v.code: PinnedService(v.pk, v.code, v.definition, v.department_code, v.name_zh, v.name_en)
        for v in ServiceVersion.objects.filter(pk__in=[pk for pk, _hash in services])
    }
    if kind == ApplicationKind.SERVICE:
        service = next(iter(versions.values()))
        return domain.FormSpec.for_service(service.definition), versions
    bundle = BundleVersion.objects.get(pk=version_pk)
    merged = catalogue.merge_bundle(
        bundle.definition, {code: v.definition for code, v in versions.items()}
    )
    return domain.FormSpec.for_bundle(merged), versions


_PINNED_HASHES = "_yiwang_pinned_hashes"


def _version_hashes(ids: list[int]) -> tuple[tuple[int, str], ...]:
    """The content hash of each service version, by id (written directly: every submission and
    decision of a bundle asks)."""
    from yiwang.catalogue.models import ServiceVersion

    if not ids:
        return ()
    sql = (
        f"SELECT id, content_hash FROM {rows.table(ServiceVersion)} "  # noqa: S608
        f"WHERE id IN ({rows.placeholders(len(ids))}) ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return tuple((int(pk), str(digest)) for pk, digest in cursor.fetchall())


def form_of(application: Application) -> tuple[domain.FormSpec, dict[str, PinnedService]]:
    """The application's form and the service versions it pinned (cached per process)."""
    if application.kind == ApplicationKind.SERVICE:
        version: Any = application.service_version
        services: tuple[tuple[int, str], ...] = ((version.pk, version.content_hash),)
    else:
        version = application.bundle_version
        ids = sorted({int(pk) for pk in application.service_versions.values()})
        # Read once per application object: a page or a service asks several times.
        known = application.__dict__.get(_PINNED_HASHES)
        if known is not None and known[0] == ids:
            services = known[1]
        else:
            services = _version_hashes(ids)
            application.__dict__[_PINNED_HASHES] = (ids, services)
    assert version is not None
    spec, versions = _pinned((application.kind, version.pk, version.content_hash, services))
    return spec, dict(versions)


# --- Departments and calendars ----------------------------------------------------------------

# A region tree deeper than this is taken for a loop in the data.
_MAX_REGION_DEPTH = 50


def departments_by_code(codes: Iterable[str]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Each department's pk and region chain (most specific first), by code, in one query."""
    # Identity has no selector for "departments by code with their region chain"; these are
    # reference data, not personal data, read for their keys only.
    from yiwang.identity.models import Department, Region

    wanted = sorted(set(codes))
    if not wanted:
        return {}
    department, region = Department._meta.db_table, Region._meta.db_table
    # The chain of any depth in one statement: the department's region, then each parent.
    sql = f"""
        WITH RECURSIVE chain (department_code, department_id, region_id, code, depth) AS (
            SELECT d.code, d.id, r.parent_id, r.code, 0
            FROM {department} d LEFT JOIN {region} r ON r.id = d.region_id
            WHERE d.code IN ({rows.placeholders(len(wanted))})
          UNION ALL
            SELECT c.department_code, c.department_id, r.parent_id, r.code, c.depth + 1
            FROM chain c JOIN {region} r ON r.id = c.region_id
            WHERE c.depth < %s
        )
        SELECT department_code, department_id, code FROM chain ORDER BY department_code, depth
    """  # noqa: S608  # table names from the models, values as parameters
    found: dict[str, tuple[int, list[str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*wanted, _MAX_REGION_DEPTH])
        for code, pk, region_code in cursor.fetchall():
            chain = found.setdefault(code, (pk, []))[1]
            if region_code is not None:
                chain.append(region_code)
    if len(found) != len(wanted):
        unknown = sorted(set(wanted) - set(found))
        raise IllegalTransition(
            _("The department %(codes)s named by this service does not exist.")
            % {"codes": ", ".join(unknown)}
        )
    return {code: (pk, tuple(chain)) for code, (pk, chain) in found.items()}


def calendars_for(
    chains: Iterable[tuple[str, ...]], since: dt.date
) -> dict[tuple[str, ...], calendar.WorkingCalendar]:
    """The working calendar of each region chain, in one query, from ``since`` on."""
    from yiwang.core.calendar_models import CalendarDay

    chains = list(dict.fromkeys(chains))
    codes = {code for chain in chains for code in chain}
    by_region: dict[str, list[tuple[dt.date, str]]] = {code: [] for code in codes}
    if codes:
        # Written directly: every submission and decision reads its calendars.
        cols = rows.columns(CalendarDay, "c", ("region_code", "date", "kind"))
        date = rows.column_name(CalendarDay, "date")
        sql = (
            f"SELECT {rows.select_list(cols)} FROM {rows.table(CalendarDay)} c "  # noqa: S608
            f"WHERE c.{rows.column_name(CalendarDay, 'region_code')} "
            f"IN ({rows.placeholders(len(codes))}) AND c.{date} >= %s"
        )
        field = CalendarDay._meta.get_field("date")
        with connection.cursor() as cursor:
            cursor.execute(sql, [*sorted(codes), field.get_db_prep_value(since, connection)])
            for row in cursor.fetchall():
                region_code, day, kind = rows.values(cols, row)
                by_region[region_code].append((day, kind))
    return {
        chain: calendar.WorkingCalendar.from_chain([by_region[c] for c in chain])
        for chain in chains
    }


def calendar_of_department(department_id: int, since: dt.date) -> calendar.WorkingCalendar:
    from yiwang.identity.models import Department

    code = Department.objects.filter(pk=department_id).values_list("code", flat=True).get()
    chain = departments_by_code([code])[code][1]
    return calendars_for([chain], since)[chain]


def today() -> dt.date:
    return timezone.localdate(clock.now())


# --- Case dates -------------------------------------------------------------------------------


def closed_pauses(case: Case) -> list[tuple[dt.datetime, dt.datetime | None]]:
    return [
        (c.opened_at, c.resolved_at)
        for c in case.corrections.filter(status=CorrectionStatus.RESOLVED).order_by("opened_at")
    ]


def refresh_case_dates(case: Case, cal: calendar.WorkingCalendar) -> None:
    """Recompute due dates after a pause ended; the deadline state follows from them."""
    dates = domain.case_dates(
        case.accepted_at, case.promised_days, case.statutory_days, cal, closed_pauses(case)
    )
    case.due_date = dates.due_date
    case.statutory_due_date = dates.statutory_due_date
    case.warning_date = dates.warning_date
    case.overdue_date = dates.overdue_date
    case.deadline_state = domain.deadline_state_on(dates, today())


# --- Stages -----------------------------------------------------------------------------------


def open_ready_stages(case: Case, tasks: list[Task], definition: Mapping[str, Any]) -> list[Task]:
    """Open the waiting tasks of every stage whose predecessors are complete; return them.

    Repeats until nothing changes, since a stage whose every step was skipped is complete at once.
    A stage that started already may have a waiting task too: one a correction made needed again
    (see :mod:`yiwang.applications.replanning`); it opens like the others.
    """
    preds = catalogue.stage_predecessors(definition)
    opened: list[Task] = []
    calendars: dict[int, calendar.WorkingCalendar] = {}
    while True:
        by_stage: dict[str, list[Task]] = {}
        for task in tasks:
            by_stage.setdefault(task.stage_id, []).append(task)
        complete = {
            stage
            for stage in preds
            if domain.stage_complete(t.status for t in by_stage.get(stage, []))
        }
        ready = domain.stages_ready(preds, complete, started=set())
        waiting = [t for s in ready for t in by_stage.get(s, []) if t.status == TaskStatus.WAITING]
        if not waiting:
            return opened
        for task in waiting:
            transition(task, "open")
            if task.department_id not in calendars:
                calendars[task.department_id] = calendar_of_department(task.department_id, today())
            task.due_date = calendar.add_working_days(
                clock.now() if task.opened_at is None else task.opened_at,
                task.promised_days,
                calendars[task.department_id],
            )
            task.save(update_fields=["status", "opened_at", "due_date"])
            opened.append(task)


# --- Derived statuses -------------------------------------------------------------------------


def case_target(case: Case, tasks: Iterable[Task], open_correction: bool) -> str:
    tasks = list(tasks)
    if case.status in (CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN):
        return str(case.status)
    if any(t.status == TaskStatus.DONE and t.decision == Decision.REJECT for t in tasks):
        return CaseStatus.REJECTED
    if open_correction:
        return CaseStatus.CORRECTION_REQUESTED
    if all(t.status in (TaskStatus.DONE, TaskStatus.SKIPPED) for t in tasks):
        return CaseStatus.APPROVED
    return CaseStatus.IN_PROGRESS


# The transitions that take a case from one status to another, in order.
_CASE_MOVES: dict[tuple[CaseStatus, CaseStatus], tuple[str, ...]] = {
    (CaseStatus.IN_PROGRESS, CaseStatus.CORRECTION_REQUESTED): ("await_correction",),
    (CaseStatus.CORRECTION_REQUESTED, CaseStatus.IN_PROGRESS): ("resume",),
    (CaseStatus.IN_PROGRESS, CaseStatus.APPROVED): ("approve",),
    (CaseStatus.IN_PROGRESS, CaseStatus.REJECTED): ("reject",),
    # A correction answered so that nothing is left to do (every step that still applies is
    # decided, see yiwang.applications.replanning): the case resumes and is decided at once.
    (CaseStatus.CORRECTION_REQUESTED, CaseStatus.APPROVED): ("resume", "approve"),
    (CaseStatus.CORRECTION_REQUESTED, CaseStatus.REJECTED): ("resume", "reject"),
}


def sync_case(case: Case, tasks: Iterable[Task]) -> bool:
    """Bring the case's status in line with its tasks; True when it changed (and was saved)."""
    tasks = list(tasks)
    open_correction = case.corrections.filter(status=CorrectionStatus.OPEN).exists()
    target = case_target(case, tasks, open_correction)
    if target == case.status:
        return False
    moves = _CASE_MOVES.get((CaseStatus(case.status), CaseStatus(target)))
    if moves is None:
        raise IllegalTransition(
            _("The case cannot go from %(old)s to %(new)s.")
            % {"old": case.get_status_display(), "new": CaseStatus(target).label}
        )
    for move in moves:
        transition(case, move)
    if target in (CaseStatus.APPROVED, CaseStatus.REJECTED):
        # Everything still pending has no purpose once the case is decided.
        for task in tasks:
            if task.status in ACTIVE_TASK_STATUSES:
                transition(task, "cancel")
                task.save(update_fields=["status"])
    case.save(update_fields=["status", "outcome", "decided_at"])
    return True


def application_outcome(statuses: Iterable[str]) -> str:
    statuses = list(statuses)
    if all(s == CaseStatus.APPROVED for s in statuses):
        return ApplicationOutcome.APPROVED
    if all(s == CaseStatus.REJECTED for s in statuses):
        return ApplicationOutcome.REJECTED
    return ApplicationOutcome.PARTLY_APPROVED


def sync_application(application: Application) -> bool:
    """Bring the application's status in line with its cases; True when it changed."""
    if application.status not in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.CORRECTION_REQUESTED,
    ):
        return False
    statuses = list(application.cases.values_list("status", flat=True))
    decided = all(s in (CaseStatus.APPROVED, CaseStatus.REJECTED) for s in statuses)
    waiting = any(s == CaseStatus.CORRECTION_REQUESTED for s in statuses)
    if decided and statuses:
        if application.status == ApplicationStatus.CORRECTION_REQUESTED:
            transition(application, "resume")
        transition(application, "complete", application_outcome(statuses))
    elif waiting and application.status == ApplicationStatus.SUBMITTED:
        transition(application, "await_correction")
    elif not waiting and application.status == ApplicationStatus.CORRECTION_REQUESTED:
        transition(application, "resume")
    else:
        return False
    application.updated_at = clock.now()
    application.save(update_fields=["status", "outcome", "completed_at", "updated_at"])
    return True


def open_correction(case: Case) -> CorrectionRequest | None:
    return case.corrections.filter(status=CorrectionStatus.OPEN).first()
