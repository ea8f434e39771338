"""What a correction (补正) may change: the fields it opens (:func:`correction_scope`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yiwang.applications.domain.forms import FormSpec, clean_answers

# The clerk chooses the answers to correct. A changed answer can make another field required (the
# form's if/then and dependentRequired rules): a card now to be posted needs a postal address. If
# that field was never answered, the person could not finish the correction without it, so it
# may be answered too. Nothing else opens: an answered field stays as it is, and a field the
# changed answers no longer need is not asked for.


@dataclass(frozen=True)
class CorrectionScope:
    """What a person may answer in a correction, given what they send.

    ``asked``: the fields the clerk chose. ``required``: fields outside them that the changed
    answers now require and that had no answer, in the order the form's rules name them.
    ``because``: for each of those, the changed answers that require it. ``answers``: the stored
    answers with the changes to both applied (as they would be stored).
    """

    asked: tuple[str, ...]
    required: tuple[str, ...]
    because: Mapping[str, tuple[str, ...]]
    answers: dict[str, Any]

    @property
    def fields(self) -> tuple[str, ...]:
        """Every field the person may answer: the clerk's choice, then those the rules add."""
        return (*self.asked, *self.required)


def correction_scope(
    spec: FormSpec,
    stored: Mapping[str, Any],
    asked: Sequence[str],
    data: Mapping[str, Any],
) -> CorrectionScope:
    """The fields a correction opens for these answers (see :class:`CorrectionScope`).

    ``data`` may hold answers for any field; only those for the fields opened are applied (an
    empty one removes the answer). A field opened by the rules may itself require another: that
    opens too, until nothing more does.
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
    because: dict[str, tuple[str, ...]] = {}
    for name in opened:
        others = [c for c in changed if c != name]
        causes = []
        for cause in others:
            undone = dict(answers)
            if clean_answers({cause: stored.get(cause)}):
                undone[cause] = stored[cause]
            else:
                undone.pop(cause, None)
            if name not in spec.required_fields(undone):
                causes.append(cause)
        because[name] = tuple(causes or others)
    return CorrectionScope(
        asked=tuple(asked), required=tuple(opened), because=because, answers=answers
    )
