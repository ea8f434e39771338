"""The plan of a case: a task for every step, which of them apply, and the status each starts in;
which stages may start, when a stage is complete, and what changes when a correction changes the
answers a step's condition reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yiwang.applications.constants import TaskStatus
from yiwang.catalogue import domain as catalogue


@dataclass(frozen=True)
class PlannedTask:
    stage_id: str
    step: Mapping[str, Any]
    position: int
    applies: bool


def plan_tasks(definition: Mapping[str, Any], data: Mapping[str, Any]) -> list[PlannedTask]:
    """Every step of a service as a task to create, and whether its condition holds (one that
    cannot be evaluated counts as true: the step runs)."""
    form, code = definition.get("form"), str(definition.get("code"))
    out: list[PlannedTask] = []
    for stage in catalogue.stages(definition):
        for step in stage.get("steps", []):
            applies = catalogue.condition_applies(step.get("condition"), data, form, service=code)
            out.append(PlannedTask(str(stage.get("id")), step, len(out), applies))
    return out


def stages_ready(
    predecessors: Mapping[str, Sequence[str]],
    complete: set[str],
    started: set[str],
) -> list[str]:
    """Stages not yet started whose every predecessor is complete, in definition order."""
    return [
        stage
        for stage, before in predecessors.items()
        if stage not in started and all(b in complete for b in before)
    ]


def initial_statuses(
    definition: Mapping[str, Any], planned: Sequence[PlannedTask]
) -> dict[int, str]:
    """The status each planned task starts in: open, waiting or skipped.

    Steps whose condition fails are skipped. A stage starts when the stages it waits for are
    complete; a stage with no step applying is complete at once, so the stages after it may start
    at submission too.
    """
    preds = catalogue.stage_predecessors(definition)
    by_stage: dict[str, list[PlannedTask]] = {}
    for task in planned:
        by_stage.setdefault(task.stage_id, []).append(task)
    statuses: dict[int, str] = {t.position: TaskStatus.SKIPPED for t in planned if not t.applies}
    complete: set[str] = set()
    started: set[str] = set()
    while True:
        ready = stages_ready(preds, complete, started)
        if not ready:
            break
        for stage in ready:
            started.add(stage)
            applying = [t for t in by_stage.get(stage, []) if t.applies]
            for task in applying:
                statuses[task.position] = TaskStatus.OPEN
            if not applying:
                complete.add(stage)
    for task in planned:
        statuses.setdefault(task.position, TaskStatus.WAITING)
    return statuses


def stage_complete(statuses: Iterable[str]) -> bool:
    """A stage is complete when each of its tasks is done (approved) or skipped."""
    return all(s in (TaskStatus.DONE, TaskStatus.SKIPPED) for s in statuses)


# Tasks no one has decided yet, that a correction may re-plan. A task on hold waits for another
# correction of its own case and is re-planned when that one is answered.
_UNDECIDED = (TaskStatus.WAITING, TaskStatus.OPEN, TaskStatus.CLAIMED)


@dataclass(frozen=True)
class Replan:
    """What changed answers do to a case's tasks (positions in the plan)."""

    # Skipped, and the step's condition now holds: the task is needed after all.
    required: tuple[int, ...] = ()
    # Not yet decided, and the step's condition no longer holds: the task is not needed.
    not_needed: tuple[int, ...] = ()
    # Open or claimed in a stage that waits for a stage with a task needed again: it goes back
    # to waiting, as it would have had the answers been these from the start.
    held_back: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.required or self.not_needed or self.held_back)


def replan(
    definition: Mapping[str, Any], planned: Sequence[PlannedTask], statuses: Mapping[int, str]
) -> Replan:
    """The tasks of a running case to change after its answers changed.

    ``planned`` is :func:`plan_tasks` for the new answers, ``statuses`` each task's status now.
    Decided tasks (done, cancelled) never change; neither do tasks on hold.
    """
    required = [
        t.position for t in planned if t.applies and statuses[t.position] == TaskStatus.SKIPPED
    ]
    not_needed = [
        t.position for t in planned if not t.applies and statuses[t.position] in _UNDECIDED
    ]
    later = _stages_after(definition, {planned[p].stage_id for p in required})
    held_back = [
        t.position
        for t in planned
        if t.applies
        and t.stage_id in later
        and statuses[t.position] in (TaskStatus.OPEN, TaskStatus.CLAIMED)
    ]
    return Replan(tuple(required), tuple(not_needed), tuple(held_back))


def _stages_after(definition: Mapping[str, Any], stages: set[str]) -> set[str]:
    """The stages that wait, directly or through others, for any of ``stages``."""
    preds = catalogue.stage_predecessors(definition)
    after: set[str] = set()
    changed = True
    while changed:
        changed = False
        for stage, before in preds.items():
            if stage not in after and any(b in stages or b in after for b in before):
                after.add(stage)
                changed = True
    return after
