"""The plan of a case: a task for every step, which of them apply, and the status each starts in;
which stages may start, and when a stage is complete."""

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
    """Every step of a service as a task to create, and whether its condition holds."""
    form = definition.get("form")
    out: list[PlannedTask] = []
    for stage in catalogue.stages(definition):
        for step in stage.get("steps", []):
            applies = catalogue.condition_holds(step.get("condition"), data, form)
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
