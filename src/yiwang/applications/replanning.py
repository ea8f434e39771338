"""Re-planning running cases after a correction changed the answers their steps' conditions read.

A step with a condition (a fire-safety check only for more than 300 m²) gets a task at submission
either way, skipped when the condition does not hold. When a correction changes the answers, the
platform plans every running case of the application again, as if the answers had been these
from the start, without undoing anything decided (:func:`yiwang.applications.domain.replan`):

- a skipped task whose step now applies is needed again: it opens at once if the stages before
  its own are complete, otherwise it waits for them;
- an undecided task (waiting, open or claimed) whose step no longer applies is not needed: it is
  skipped, and leaves its clerk's list;
- an open or claimed task of a later stage than a task needed again goes back to waiting: a
  decision must not be taken before the check it depends on.

A claimed task taken out of its clerk's hands either way is :class:`Released`: the correction
service tells that clerk.

A case that a correction leaves with nothing to do is decided as at submission (approved when
every task is done or skipped). Which services a bundle application includes never changes
this way: see :func:`yiwang.applications.services.corrections.resubmit_correction`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from yiwang.applications import domain, workflow
from yiwang.applications.constants import CaseStatus, TaskStatus
from yiwang.applications.models import Application, Case, Task


@dataclass(frozen=True)
class Released:
    """A claimed task re-planning took from its clerk: no longer needed, or (``needed``) back to
    waiting for a check needed again before it."""

    task: Task
    clerk: Any
    needed: bool


@dataclass(frozen=True)
class CaseReplan:
    """What re-planning one case changed, for the audit event (None: nothing), and the claimed
    tasks it took from their clerks."""

    change: dict[str, Any] | None
    released: list[Released] = field(default_factory=list)


def replan_case(
    case: Case, tasks: list[Task], definition: Mapping[str, Any], typed: Mapping[str, Any]
) -> CaseReplan:
    """Re-plan one case for the answers ``typed`` (typed for conditions); ``tasks`` are its
    tasks in position order, changed in place."""
    planned = domain.plan_tasks(definition, typed)
    change = domain.replan(definition, planned, {t.position: str(t.status) for t in tasks})
    if not change:
        return CaseReplan(None)
    by_position = {t.position: t for t in tasks}
    released: list[Released] = []
    for positions, move in (
        (change.not_needed, "skip"),
        (change.held_back, "hold_back"),
        (change.required, "require"),
    ):
        for position in positions:
            task = by_position[position]
            if task.status == TaskStatus.CLAIMED and task.assignee_id is not None:
                released.append(Released(task, task.assignee, needed=move == "hold_back"))
            workflow.transition(task, move)
            task.save(update_fields=["status", "assignee", "claimed_at", "opened_at", "due_date"])
    opened = workflow.open_ready_stages(case, tasks, definition)

    def ids(positions: tuple[int, ...]) -> list[int]:
        return [by_position[p].pk for p in positions]

    return CaseReplan(
        {
            "case": case.pk,
            "required": ids(change.required),
            "not_needed": ids(change.not_needed),
            "held_back": ids(change.held_back),
            "opened": [t.pk for t in opened],
        },
        released,
    )


def replan_other_cases(
    application: Application,
    corrected: Case,
    pinned: Mapping[str, workflow.PinnedService],
    typed: Mapping[str, Any],
) -> list[CaseReplan]:
    """Re-plan the application's other running cases (a bundle's) for the corrected answers,
    bringing each one changed in line with its tasks. Their tasks are read in one query."""
    cases = (
        application.cases.filter(status=CaseStatus.IN_PROGRESS)
        .exclude(pk=corrected.pk)
        .prefetch_related(
            Prefetch("tasks", queryset=Task.objects.select_related("assignee").order_by("position"))
        )
    )
    plans: list[CaseReplan] = []
    for case in cases:
        tasks = list(case.tasks.all())
        plan = replan_case(case, tasks, pinned[case.service_code].definition, typed)
        if plan.change is not None:
            workflow.sync_case(case, tasks)
        plans.append(plan)
    return plans
