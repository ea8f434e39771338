"""What a verification reports: the kinds of problem, why a record is one (in English, marked
for the translation catalogues), the problem itself and the report of a whole run.

Pure Python, no Django, like the verifier that writes them: the offline check uses both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

CHANGED = "changed"
REMOVED = "removed"
INSERTED = "inserted"
REORDERED = "reordered"
FORGED = "forged"
KINDS = (CHANGED, REMOVED, INSERTED, REORDERED, FORGED)


def gettext_noop(message: str) -> str:
    """Marks text for the translation catalogues, without importing Django."""
    return message


# Why a record is a problem, by reason, in English: the report and the command line give it as
# it is; the back office translates the same text for its reader (yiwang.audit.wording).
DETAILS = {
    "event_gone": gettext_noop(
        "sealed at position %(position)s, but the event is no longer in the log"
    ),
    "out_of_order": gettext_noop(
        "sealed at position %(position)s after event %(previous)s; one seal always writes events "
        "in increasing id order"
    ),
    "beyond_checkpoint": gettext_noop(
        "sealing event %(event)s, beyond the last signed checkpoint (tree size %(signed)s)"
    ),
    "positions_missing": gettext_noop("position(s) missing before event %(event)s"),
    "duplicate_position": gettext_noop("duplicate position for event %(event)s"),
    "leaf_unreadable": gettext_noop("its event id is not a number"),
    "content_changed": gettext_noop(
        "its content no longer matches what was sealed at position %(position)s"
    ),
    "content_of_other": gettext_noop("it carries the content sealed for event %(other)s"),
    "content_moved": gettext_noop("its sealed content is now found under event %(other)s"),
    "positions_missing_at_end": gettext_noop(
        "position(s) missing at the end of the log; the signed checkpoint of tree size "
        "%(size)s covers them"
    ),
    "index_ahead": gettext_noop(
        "the search index has read %(indexed)s sealed entries, but the last checkpoint signs "
        "only %(signed)s: checkpoints were removed"
    ),
    "gone_since_export": gettext_noop(
        "an earlier export holds this signed checkpoint, but the log no longer does"
    ),
    "differs_from_export": gettext_noop(
        "it is not the checkpoint of this tree size that an earlier export holds, signed"
    ),
    "size_not_growing": gettext_noop("tree sizes must grow from one checkpoint to the next"),
    "unknown_key": gettext_noop("signed by an unknown key, %(key)s"),
    "bad_signature": gettext_noop("the signature does not verify"),
    "root_mismatch": gettext_noop(
        "the sealed entries at positions %(first)s-%(last)s no longer hash to the signed root"
    ),
    "frontier_mismatch": gettext_noop("its stored frontier does not match the sealed entries"),
    "sealed_too_old": gettext_noop(
        "sealed after checkpoint %(previous)s (%(sealed_at)s), yet written before that "
        "checkpoint less the longest transaction allowed: no seal takes such an event"
    ),
    "unsealed_too_old": gettext_noop(
        "not sealed, yet older than the last checkpoint (%(sealed_at)s) less the longest "
        "transaction allowed"
    ),
}


@dataclass(frozen=True)
class Problem:
    kind: str
    subject: str  # event, leaf, checkpoint or export
    ref: str
    detail: str = ""
    action: str = ""
    timestamp: str = ""
    # One of DETAILS and the values its wording names ("" and none for a free-form detail).
    reason: str = ""
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def because(
        cls,
        kind: str,
        subject: str,
        ref: str,
        reason: str,
        *,
        action: str = "",
        timestamp: str = "",
        **params: object,
    ) -> Problem:
        """A problem for one of the :data:`DETAILS` reasons, its detail worded from them."""
        values = {name: str(value) for name, value in params.items()}
        detail = DETAILS[reason] % values
        return cls(kind, subject, ref, detail, action, timestamp, reason, values)

    def __str__(self) -> str:
        if self.subject == "event" and (self.action or self.timestamp):
            text = f"event {self.ref} {self.kind} (action {self.action} at {self.timestamp})"
        else:
            text = f"{self.subject} {self.ref} {self.kind}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class Report:
    events: int = 0
    sealed: int = 0
    awaiting: int = 0
    checkpoints: int = 0
    tree_size: int = 0
    problems: int = 0
    problem: Problem | None = None
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def add(self, problem: Problem) -> None:
        self.problems += 1
        if self.problem is None:
            self.problem = problem

    def summary(self) -> str:
        if self.problem is not None:
            others = self.problems - 1
            more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
            return f"FAIL: {self.problem}{more}"
        return (
            f"OK: {self.events} events, {self.sealed} sealed, {self.awaiting} awaiting seal, "
            f"{self.checkpoints} checkpoints"
        )

    def as_dict(self) -> dict[str, object]:
        problem = None
        if self.problem is not None:
            problem = dataclasses.asdict(self.problem) | {"message": str(self.problem)}
        return {
            "ok": self.ok,
            "events": self.events,
            "sealed": self.sealed,
            "awaiting_seal": self.awaiting,
            "checkpoints": self.checkpoints,
            "tree_size": self.tree_size,
            "problems": self.problems,
            "problem": problem,
        }
