"""What a correction (补正) may change: the fields and materials it opens
(:func:`correction_scope`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from yiwang.applications.constants import CorrectionStatus
from yiwang.applications.domain.forms import FormSpec, clean_answers
from yiwang.core.cel import ConditionEvaluationError

# The clerk chooses the answers to correct. A changed answer can make another field required (the
# form's if/then and dependentRequired rules): a card now to be posted needs a postal address. If
# that field was never answered, the person could not finish the correction without it, so it
# may be answered too. Nothing else opens: an answered field stays as it is, and a field the
# changed answers no longer need is not asked for. Materials (documents) follow the same rule: a
# changed answer can make a material needed (its condition now holds: more than 300 m² needs a
# fire escape plan). If no file or registry data stands for it, the person could not finish the
# correction without it and the application would go on without a required document, so the
# correction asks for it too.


@dataclass(frozen=True)
class CorrectionScope:
    """What a person may answer in a correction, given what they send.

    ``asked``: the fields the clerk chose. ``required``: fields outside them that the changed
    answers now require and that had no answer, in the order the form's rules name them.
    ``because``: for each of those, the changed answers that require it. ``answers``: the stored
    answers with the changes to both applied (as they would be stored). ``materials``: the
    required materials, other than the clerk's choice, that the changed answers make needed, that
    were not needed before and that have nothing on file, in the form's order.
    ``materials_because``: for each of those, the changed answers that make it needed.
    ``asked_materials``: the materials the clerk chose.
    """

    asked: tuple[str, ...]
    required: tuple[str, ...]
    because: Mapping[str, tuple[str, ...]]
    answers: dict[str, Any]
    materials: tuple[str, ...] = ()
    materials_because: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    asked_materials: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field the person may answer: the clerk's choice, then those the rules add."""
        return (*self.asked, *self.required)

    @property
    def files(self) -> tuple[str, ...]:
        """Every material the person must send a new file for: the clerk's choice, then those
        the changed answers now need."""
        return (*self.asked_materials, *self.materials)


def correction_scope(
    spec: FormSpec,
    stored: Mapping[str, Any],
    asked: Sequence[str],
    data: Mapping[str, Any],
    *,
    asked_materials: Collection[str] = (),
    on_file: Collection[str] = (),
) -> CorrectionScope:
    """The fields and materials a correction opens for these answers (see
    :class:`CorrectionScope`).

    ``data`` may hold answers for any field; only those for the fields opened are applied (an
    empty one removes the answer). A field opened by the rules may itself require another: that
    opens too, until nothing more does. ``asked_materials``: the materials the clerk chose;
    ``on_file``: materials that already have a file (other than one given in this correction) or
    registry data standing in for them: neither is opened by the rules.
    """
    answers = dict(stored)

    def apply(name: str) -> None:
        if name not in data:
            return
        value = data[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            answers.pop(name, None)
        else:
            answers[name] = spec.normalise(name, value)

    def unanswered(name: str) -> bool:
        return not clean_answers({name: stored.get(name)})

    for name in asked:
        apply(name)
    opened: list[str] = []
    while True:
        more = [
            name
            for name in spec.required_fields(answers)
            if name not in asked and name not in opened and unanswered(name)
        ]
        if not more:
            break
        opened += more
        for name in more:
            apply(name)

    changed = [
        name for name in (*asked, *opened) if name in data and answers.get(name) != stored.get(name)
    ]

    def required_materials(given: Mapping[str, Any]) -> list[str]:
        return [m.code for m in spec.materials_needed(given) if not m.optional]

    def causes(
        name: str, others: list[str], needed: Callable[[Mapping[str, Any]], Collection[str]]
    ) -> tuple[str, ...]:
        """The changed answers without which ``name`` would not be needed (else all of them)."""
        found = []
        for cause in others:
            undone = dict(answers)
            if clean_answers({cause: stored.get(cause)}):
                undone[cause] = stored[cause]
            else:
                undone.pop(cause, None)
            if name not in needed(undone):
                found.append(cause)
        return tuple(found or others)

    because = {
        name: causes(name, [c for c in changed if c != name], spec.required_fields)
        for name in opened
    }
    before: Collection[str] = ()
    now: list[str] = []
    if changed:  # unchanged answers need nothing new
        try:
            before, now = set(required_materials(stored)), required_materials(answers)
        except ConditionEvaluationError:
            # An answer of the wrong type ("abc" for a number) cannot be compared in a material's
            # condition: nothing opens until it is fixed (checking the answers says how).
            now = []
    materials = [
        code
        for code in now
        if code not in before and code not in asked_materials and code not in on_file
    ]
    materials_because = {code: causes(code, changed, required_materials) for code in materials}
    return CorrectionScope(
        asked=tuple(asked),
        required=tuple(opened),
        because=because,
        answers=answers,
        materials=tuple(materials),
        materials_because=materials_because,
        asked_materials=tuple(asked_materials),
    )


def correction_closed_message(status: str) -> str:
    """Why a correction that is no longer open cannot be answered, in the active language."""
    if status == CorrectionStatus.CANCELLED:
        return _(
            "This correction was cancelled (the application was withdrawn, or its case ended), "
            "so it can no longer be answered."
        )
    return _("This correction has already been answered.")
