"""Submitting a draft once: one application, a case per service, the first tasks open."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.applications import domain, prefill, workflow
from yiwang.applications.constants import (
    ApplicationStatus,
    CaseStatus,
    TaskStatus,
)
from yiwang.applications.models import (
    Application,
    Case,
    MaterialUpload,
    Task,
)
from yiwang.applications.services._common import (
    case_context,
    current_language,
    notify,
    record,
    subjects_of,
)
from yiwang.applications.types import (
    AlreadySubmitted,
    IllegalTransition,
    SubmissionIncomplete,
)
from yiwang.core import calendar, clock
from yiwang.core.db import bulk, rows
from yiwang.notifications.constants import Event

logger = logging.getLogger(__name__)


# Submissions tried before a receipt number collision is given up on.
_RECEIPT_ATTEMPTS = 5


def _missing_materials(
    app: Application, spec: domain.FormSpec, data: Mapping[str, Any]
) -> list[str]:
    # Registry data the person confirmed stands in for these: nobody uploads them.
    provided = prefill.satisfied_materials(app)
    needed = [
        m.code for m in spec.materials_needed(data) if not m.optional and m.code not in provided
    ]
    if not needed:
        return []
    have = _uploaded(app.pk, needed)
    return [code for code in needed if code not in have]


def _uploaded(application_id: int, codes: list[str]) -> set[str]:
    """Which of these materials have a current upload (SQL written directly: every
    submission asks)."""
    sql = (
        f"SELECT material_code FROM {rows.table(MaterialUpload)} "  # noqa: S608
        f"WHERE application_id = %s AND superseded = %s "
        f"AND material_code IN ({rows.placeholders(len(codes))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [application_id, False, *codes])
        return {code for (code,) in cursor.fetchall()}


def _receipt_taken(exc: IntegrityError) -> bool:
    text = str(exc)
    return "app_receipt_number_unique" in text or "receipt_number" in text


def submit_application(
    *, actor: Any, application: Application | int, idempotency_key: str | None = None
) -> Application:
    """Submit a draft (the application or its id) once; return it with its receipt number.

    Idempotent: a double click, a retry or a replay of the same draft finds it already submitted
    and returns it unchanged (one set of cases, one receipt). A replay with a *different*
    ``idempotency_key`` raises :class:`~yiwang.applications.types.AlreadySubmitted`.

    Checks the whole form and the required materials (raises
    :class:`~yiwang.applications.types.SubmissionIncomplete`), then creates one case per service
    that applies, and the tasks of each case: the first stage's steps open at once in their
    departments' queues, later stages wait, and steps whose condition does not hold are skipped.
    """
    # A receipt number is drawn at random; on the rare collision with one already given, the
    # whole submission runs again with another (no savepoint on every submission for it).
    for attempt in range(_RECEIPT_ATTEMPTS):
        try:
            return _submit(actor, application, idempotency_key)
        except IntegrityError as exc:
            if not _receipt_taken(exc) or attempt == _RECEIPT_ATTEMPTS - 1:
                raise
            logger.warning("receipt number was taken; submitting again with another")
    raise AssertionError("unreachable")


def _submit(actor: Any, application: Application | int, idempotency_key: str | None) -> Application:
    key = (idempotency_key or "")[:100]
    with transaction.atomic():
        # The row lock makes a second submission of the same draft wait for the first and then
        # find it submitted (on SQLite the write transaction itself serialises them).
        app = workflow.lock_application(
            application if isinstance(application, int) else application.pk
        )
        workflow.require_applicant(actor, app, own_only=True)
        if app.status != ApplicationStatus.DRAFT:
            if app.status == ApplicationStatus.WITHDRAWN or not app.receipt_number:
                raise IllegalTransition(_("This application was withdrawn."))
            if key and app.idempotency_key and key != app.idempotency_key:
                raise AlreadySubmitted(
                    _("This application was already submitted as %(receipt)s.")
                    % {"receipt": app.receipt_number},
                    app.receipt_number,
                )
            return app

        spec, pinned = workflow.form_of(app)
        data = app.form_data
        errors = domain.validate_answers(spec, data, required=spec.required_fields(data))
        missing = _missing_materials(app, spec, data)
        if errors or missing:
            raise SubmissionIncomplete(
                _("The application is not complete yet."), errors, missing_materials=missing
            )

        now = clock.now()
        day = timezone.localdate(now)
        typed = spec.condition_data(data)
        services = [pinned[code] for code in spec.services_applying(data)]
        plans = {s.code: domain.plan_tasks(s.definition, typed) for s in services}
        codes = {s.department_code for s in services} | {
            str(p.step["department"]) for plan in plans.values() for p in plan
        }
        departments = workflow.departments_by_code(codes)
        calendars = workflow.calendars_for((chain for _pk, chain in departments.values()), day)

        def cal(code: str) -> calendar.WorkingCalendar:
            return calendars[departments[code][1]]

        cases: list[Case] = []
        for position, service in enumerate(services):
            limits = service.definition.get("time_limits", {})
            promised = int(limits.get("promised_days", 0))
            statutory = int(limits.get("statutory_days", promised))
            dates = domain.case_dates(now, promised, statutory, cal(service.department_code))
            cases.append(
                Case(
                    application=app,
                    service_version_id=service.pk,
                    service_code=service.code,
                    name_zh=service.name_zh,
                    name_en=service.name_en,
                    department_id=departments[service.department_code][0],
                    position=position,
                    status=CaseStatus.IN_PROGRESS,
                    accepted_at=now,
                    promised_days=promised,
                    statutory_days=statutory,
                    due_date=dates.due_date,
                    statutory_due_date=dates.statutory_due_date,
                    warning_date=dates.warning_date,
                    overdue_date=dates.overdue_date,
                    deadline_state=domain.deadline_state_on(dates, day),
                )
            )

        transition = workflow.transition
        transition(app, "submit")
        app.submitted_by = actor
        app.idempotency_key = key
        app.language = current_language()
        app.updated_at = now
        app.receipt_number = domain.make_receipt_number(day)
        app.save(
            update_fields=[
                "receipt_number",
                "status",
                "submitted_at",
                "submitted_by",
                "idempotency_key",
                "language",
                "updated_at",
            ]
        )

        # Bulk inserts: a bundle of five services makes about a dozen tasks, and submission must
        # stay a bounded number of queries however many there are.
        bulk.insert(cases)
        tasks: list[Task] = []
        for case, service in zip(cases, services, strict=True):
            plan = plans[service.code]
            statuses = domain.initial_statuses(service.definition, plan)
            for planned in plan:
                step = planned.step
                status = statuses[planned.position]
                department = str(step["department"])
                promised = int(step.get("promised_days", 0))
                is_open = status == TaskStatus.OPEN
                tasks.append(
                    Task(
                        case=case,
                        service_code=service.code,
                        stage_id=planned.stage_id,
                        step_code=str(step["code"]),
                        position=planned.position,
                        department_id=departments[department][0],
                        role=str(step["role"]),
                        name_zh=str(step["name"]["zh"]),
                        name_en=str(step["name"]["en"]),
                        promised_days=promised,
                        status=status,
                        opened_at=now if is_open else None,
                        due_date=(
                            calendar.add_working_days(now, promised, cal(department))
                            if is_open
                            else None
                        ),
                    )
                )
        bulk.insert(tasks)

        # A case none of whose steps applies is approved at once (its definition made every step
        # conditional and none held); it is rare, so it does not cost the bulk path anything.
        by_case: dict[int, list[Task]] = {c.pk: [] for c in cases}
        for task in tasks:
            by_case[task.case_id].append(task)
        empty = [c for c in cases if all(t.status == TaskStatus.SKIPPED for t in by_case[c.pk])]
        for case in empty:
            logger.warning("case %s has no step that applies; approved without a task", case.pk)
            workflow.sync_case(case, by_case[case.pk])
        if empty:
            workflow.sync_application(app)

        # One audit event for the whole submission, naming every case and task it created:
        # the cases and tasks are consequences of this one act, and an event per row would
        # multiply the log (and the submission's cost) by the number of tasks.
        record(
            actor=actor,
            action="applications.application_submitted",
            obj=app,
            subjects=subjects_of(app),
            data={
                "receipt_number": app.receipt_number,
                "kind": app.kind,
                "cases": [
                    {
                        "id": c.pk,
                        "service": c.service_code,
                        "version": c.service_version_id,
                        "department": c.department_id,
                        "tasks": [t.pk for t in by_case[c.pk]],
                        "due_date": c.due_date.isoformat(),
                    }
                    for c in cases
                ],
            },
        )
        notify(
            event=Event.RECEIVED,
            application=app,
            context={"cases": [case_context(c) for c in cases]},
        )
    return app
