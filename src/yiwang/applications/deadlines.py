"""Deadline states of cases: on time → due soon (80 % of the promised working days) → overdue.

The days on which a case turns *due soon* and *overdue* are computed from the working-day
calendar when the case is accepted, and again when a correction ends (the paused working days
push them back). So the periodic job needs no calendar arithmetic: it asks for the cases whose
day has come — an indexed query, however many cases there are — and moves them on.

A case waiting for a correction is left alone: its clock stands still.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction

from yiwang.applications import workflow
from yiwang.applications.constants import CaseStatus, DeadlineState
from yiwang.applications.models import Case
from yiwang.notifications.constants import Event

BATCH = 500

_STEPS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    # Overdue first: a case that jumps from on time straight to overdue gets one message.
    (
        DeadlineState.OVERDUE,
        "overdue_date",
        (DeadlineState.ON_TIME, DeadlineState.WARNING),
        Event.DEADLINE_OVERDUE,
    ),
    (DeadlineState.WARNING, "warning_date", (DeadlineState.ON_TIME,), Event.DEADLINE_WARNING),
)


def _team_leads(department_ids: set[int]) -> dict[int, list[Any]]:
    # Identity offers no selector for "the team leads of these departments"; the membership rows
    # are read for that alone.
    from yiwang.identity.constants import AccountKind, Role
    from yiwang.identity.models import Membership

    leads: dict[int, list[Any]] = defaultdict(list)
    for membership in Membership.objects.filter(
        department_id__in=department_ids,
        role=Role.TEAM_LEAD,
        is_active=True,
        account__is_active=True,
        account__kind=AccountKind.STAFF,
    ).select_related("account"):
        leads[membership.department_id].append(membership.account)
    return leads


def update_deadline_states(*, today: dt.date | None = None, batch: int = BATCH) -> dict[str, int]:
    """Move every case whose day has come to its new state; returns how many moved to each."""
    from yiwang.audit.actors import system_actor
    from yiwang.audit.services import record_event
    from yiwang.notifications import services as notifications

    day = today or workflow.today()
    actor = system_actor("scheduler")
    changed = {str(state): 0 for state, *_rest in _STEPS}
    for state, date_field, sources, event in _STEPS:
        while True:
            with transaction.atomic():
                # skip_locked: a case a clerk is deciding right now is taken on the next run.
                cases = list(
                    Case.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(
                        status=CaseStatus.IN_PROGRESS,
                        deadline_state__in=sources,
                        **{f"{date_field}__lte": day},
                    )
                    .select_related(
                        "application",
                        "application__applicant",
                        "application__service_version",
                        "application__bundle_version",
                    )
                    .order_by(date_field, "pk")[:batch]
                )
                if not cases:
                    break
                Case.objects.filter(pk__in=[c.pk for c in cases]).update(deadline_state=state)
                leads = _team_leads({c.department_id for c in cases})
                for case in cases:
                    notifications.notify(
                        event=event,
                        application=case.application,
                        accounts=leads.get(case.department_id, []),
                        # With the due date in the key, a case that went back on time after a
                        # correction and runs late again is reported again.
                        discriminator=f"case{case.pk}:{case.due_date.isoformat()}",
                        context={
                            "case": {
                                "name": {"zh": case.name_zh, "en": case.name_en},
                                "due_date": case.due_date,
                                "statutory_due_date": case.statutory_due_date,
                            }
                        },
                    )
                record_event(
                    actor=actor,
                    action="applications.deadline_states_updated",
                    data={"state": state, "cases": [c.pk for c in cases], "day": day.isoformat()},
                )
            changed[str(state)] += len(cases)
            if len(cases) < batch:
                break
    return changed
