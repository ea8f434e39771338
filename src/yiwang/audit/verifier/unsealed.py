"""The check of the events not sealed yet, after the last checkpoint."""

from __future__ import annotations

from collections.abc import Iterable

from yiwang.audit import domain
from yiwang.audit.report import INSERTED
from yiwang.audit.streams import Event
from yiwang.audit.verifier._common import event_problem
from yiwang.audit.verifier.checkpoints import RunState

_PROGRESS_EVERY = 10_000


def check_unsealed(state: RunState, events: Iterable[Event]) -> None:
    """The events not sealed yet: each must be young enough to be sealed by the next seal."""
    report = state.report
    progress = state.verifier.progress
    threshold = None
    if state.last_checkpoint is not None:
        try:
            sealed_at = domain.parse_timestamp(state.last_checkpoint.timestamp)
        except ValueError:
            sealed_at = None
        if sealed_at is not None:
            threshold = domain.canonical_timestamp(sealed_at - state.verifier.max_transaction)
    seen = 0
    for event_id, text in events:
        report.events += 1
        seen += 1
        created = domain.text_field(text, domain.CREATED_AT_INDEX) if text else ""
        if threshold is not None and created < threshold:
            report.add(
                event_problem(
                    INSERTED,
                    event_id,
                    text,
                    "unsealed_too_old",
                    sealed_at=state.last_checkpoint.timestamp if state.last_checkpoint else "",
                )
            )
        else:
            report.awaiting += 1
        if progress is not None and seen % _PROGRESS_EVERY == 0:
            progress(_PROGRESS_EVERY)
    if progress is not None:
        progress(seen % _PROGRESS_EVERY)
