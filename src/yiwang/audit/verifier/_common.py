"""What the verifier's parts share: the progress callback, and problems named after an event."""

from __future__ import annotations

from collections.abc import Callable

from yiwang.audit import domain
from yiwang.audit.report import Problem
from yiwang.audit.streams import Text

Progress = Callable[[int], None]


def event_problem(kind: str, event_id: int, text: Text, reason: str, **params: object) -> Problem:
    action = timestamp = ""
    if text is not None:
        action = domain.text_field(text, domain.ACTION_INDEX)
        timestamp = domain.text_field(text, domain.CREATED_AT_INDEX)
    return Problem.because(
        kind, "event", str(event_id), reason, action=action, timestamp=timestamp, **params
    )
