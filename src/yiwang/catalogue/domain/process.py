"""The process: which stage waits for which, in what order stages run, the longest chain, and
what applies to one application (the steps and materials whose conditions hold)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yiwang.catalogue.domain.form_data import condition_applies
from yiwang.catalogue.domain.versions import Definition


def stages(definition: Definition) -> list[Mapping[str, Any]]:
    process = definition.get("process")
    items = process.get("stages") if isinstance(process, Mapping) else None
    return [s for s in items if isinstance(s, Mapping)] if isinstance(items, list) else []


def stage_predecessors(definition: Definition) -> dict[str, tuple[str, ...]]:
    """For each stage, the stages it waits for.

    A stage without ``after`` waits for the stage listed just before it (the first stage starts
    when the case is accepted); ``after: [a, b]`` waits for both; ``after: []`` starts at once.
    """
    out: dict[str, tuple[str, ...]] = {}
    previous: str | None = None
    for stage in stages(definition):
        sid = str(stage.get("id"))
        after = stage.get("after")
        if isinstance(after, list):
            out[sid] = tuple(str(a) for a in after)
        else:
            out[sid] = (previous,) if previous is not None else ()
        previous = sid
    return out


def find_cycle(predecessors: Mapping[str, Sequence[str]]) -> list[str] | None:
    """One circle of stages waiting on each other (``[a, b, a]``), or ``None``."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for before in predecessors.get(node, ()):
            if before not in predecessors:
                continue
            if state.get(before) == 1:
                return [*path[path.index(before) :], before]
            if before not in state:
                found = visit(before)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in predecessors:
        if node not in state:
            found = visit(node)
            if found:
                # Report it in the order things happen: a waits for b means b runs first.
                return list(reversed(found))
    return None


def stage_layers(definition: Definition) -> list[list[str]]:
    """Stages grouped by when they can start: every stage of a layer waits only for earlier layers.

    Raises ``ValueError`` on a circle (the loader never stores one).
    """
    preds = stage_predecessors(definition)
    if find_cycle(preds):
        raise ValueError("the stages wait on each other in a circle")
    remaining = dict(preds)
    done: set[str] = set()
    layers: list[list[str]] = []
    while remaining:
        ready = [s for s, before in remaining.items() if all(b in done for b in before)]
        if not ready:
            raise ValueError("a stage waits for a stage that does not exist")
        layers.append(ready)
        done.update(ready)
        for s in ready:
            del remaining[s]
    return layers


def stage_days(stage: Mapping[str, Any]) -> int:
    """A stage lasts as long as its slowest step, since its steps run side by side."""
    days: list[int] = [
        s["promised_days"]
        for s in stage.get("steps", [])
        if isinstance(s, Mapping) and isinstance(s.get("promised_days"), int)
    ]
    return max(days, default=0)


def longest_chain(definition: Definition) -> tuple[int, list[str]]:
    """The working days of the slowest chain of stages, and that chain (every step applying)."""
    preds = stage_predecessors(definition)
    if find_cycle(preds):
        return 0, []
    days = {str(s.get("id")): stage_days(s) for s in stages(definition)}
    best: dict[str, tuple[int, list[str]]] = {}
    for layer in stage_layers(definition):
        for sid in layer:
            before = [best[b] for b in preds[sid] if b in best]
            total, chain = max(before, key=lambda t: t[0], default=(0, []))
            best[sid] = (total + days.get(sid, 0), [*chain, sid])
    return max(best.values(), key=lambda t: t[0], default=(0, []))


def steps_applying(
    definition: Definition, form_data: Mapping[str, Any]
) -> list[tuple[Mapping[str, Any], list[Mapping[str, Any]]]]:
    """Each stage with the steps whose conditions hold for this form data (stages may be empty).
    A condition that cannot be evaluated counts as true (see :func:`condition_applies`)."""
    form, code = definition.get("form"), str(definition.get("code"))
    out = []
    for stage in stages(definition):
        steps = [
            step
            for step in stage.get("steps", [])
            if condition_applies(step.get("condition"), form_data, form, service=code)
        ]
        out.append((stage, steps))
    return out


@dataclass(frozen=True)
class MaterialNeed:
    material: Mapping[str, Any]
    optional: bool


def materials_needed(definition: Definition, form_data: Mapping[str, Any]) -> list[MaterialNeed]:
    """The materials to ask for, given the form data: those without a condition or whose holds
    (or cannot be evaluated: see :func:`condition_applies`)."""
    form, code = definition.get("form"), str(definition.get("code"))
    return [
        MaterialNeed(m, bool(m.get("optional", False)))
        for m in definition.get("materials", [])
        if condition_applies(m.get("condition"), form_data, form, service=code)
    ]
