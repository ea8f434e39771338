"""One verification run's state, and the checks of each checkpoint as the run reaches it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from yiwang.audit import domain
from yiwang.audit.merkle import CompactRange
from yiwang.audit.report import CHANGED, FORGED, REMOVED, Problem, Report
from yiwang.audit.streams import CheckpointRecord, Text

if TYPE_CHECKING:
    from yiwang.audit.verifier.engine import Verifier


class RunState:
    """One verification run, split out so the hot loop reads local variables: what every part
    of the run reads and writes, and the checks made at each checkpoint."""

    def __init__(
        self, verifier: Verifier, report: Report, checkpoints: Iterator[CheckpointRecord]
    ) -> None:
        self.verifier = verifier
        self.report = report
        self.checkpoints = checkpoints
        self.next_checkpoint = next(checkpoints, None)
        self.last_checkpoint: CheckpointRecord | None = None
        self.range = CompactRange()
        self.buffer: list[bytes] = []
        self.count = 0
        self.range_start = 0
        self.prev_event_id: int | None = None
        # The sealer takes only events written after the previous checkpoint less the longest
        # transaction allowed; an older event in a later checkpoint was slipped in. The bound as
        # canonical timestamp text and as its bytes, None before the first checkpoint.
        self.window: str | None = None
        self.window_bytes: bytes | None = None
        self.pending: dict[int, Text] = {}
        # The first content mismatch, kept to decide at the end whether it was a swap.
        self.first_mismatch: tuple[Problem, bytes, bytes | None] | None = None
        self.later_expected: dict[bytes, int] = {}
        self.later_actual: dict[bytes, int] = {}
        self.earlier = {cp.tree_size: cp for cp in verifier.earlier}

    def flush(self) -> None:
        if self.buffer:
            self.range.extend(self.buffer)
            self.buffer.clear()

    def close_checkpoints(self) -> None:
        """Check every checkpoint whose tree size is the number of leaves read so far."""
        while self.next_checkpoint is not None and self.next_checkpoint.tree_size <= self.count:
            self.check_checkpoint(self.next_checkpoint)
            self.next_checkpoint = next(self.checkpoints, None)

    def finish_checkpoints(self) -> None:
        self.close_checkpoints()
        # Checkpoints left sign more entries than the log holds. A genuine one means sealed
        # entries were removed from the end of the log, named first; a forged one is named too.
        report = self.report
        signed = self.count
        previous = self.last_checkpoint.tree_size if self.last_checkpoint else 0
        beyond: list[Problem] = []
        while self.next_checkpoint is not None:
            cp = self.next_checkpoint
            kept = self.earlier.pop(cp.tree_size, None)  # the checkpoint itself is still here
            if kept is not None and kept.signed != cp.signed:
                beyond.append(
                    Problem.because(CHANGED, "checkpoint", str(cp.tree_size), "differs_from_export")
                )
            forged = self._forgery(cp, previous)
            if forged is not None:
                beyond.append(forged)
            else:
                signed = max(signed, cp.tree_size)
            previous = max(previous, cp.tree_size)
            self.next_checkpoint = next(self.checkpoints, None)
        if signed > self.count:
            missing = str(self.count) if signed == self.count + 1 else f"{self.count}-{signed - 1}"
            report.add(
                Problem.because(REMOVED, "leaf", missing, "positions_missing_at_end", size=signed)
            )
        for problem in beyond:
            report.add(problem)
        for size in sorted(self.earlier):
            report.add(Problem.because(REMOVED, "checkpoint", str(size), "gone_since_export"))
        self.earlier.clear()

    def _forgery(self, cp: CheckpointRecord, previous: int) -> Problem | None:
        """Why a checkpoint cannot be the platform's (None if its signature holds)."""
        ref = str(cp.tree_size)
        if cp.tree_size <= previous:
            return Problem.because(FORGED, "checkpoint", ref, "size_not_growing")
        key = self.verifier.public_keys.get(cp.key_id)
        if key is None:
            return Problem.because(FORGED, "checkpoint", ref, "unknown_key", key=cp.key_id)
        try:
            body = domain.checkpoint_body(
                tree_size=cp.tree_size, root=cp.root, timestamp=cp.timestamp, key_id=cp.key_id
            )
        except (UnicodeEncodeError, AttributeError):
            body = b""
        if not body or not domain.signature_valid(key, cp.signature, body):
            return Problem.because(FORGED, "checkpoint", ref, "bad_signature")
        return None

    def check_checkpoint(self, cp: CheckpointRecord) -> None:
        self.flush()
        report = self.report
        ref = str(cp.tree_size)
        kept = self.earlier.pop(cp.tree_size, None)
        if kept is not None and kept.signed != cp.signed:
            report.add(Problem.because(CHANGED, "checkpoint", ref, "differs_from_export"))
        previous = self.last_checkpoint.tree_size if self.last_checkpoint else 0
        self.last_checkpoint = cp
        self.prev_event_id = None
        self.window = self.window_bytes = None
        with contextlib.suppress(ValueError, TypeError):
            start_of_window = domain.parse_timestamp(cp.timestamp) - self.verifier.max_transaction
            self.window = domain.canonical_timestamp(start_of_window)
            self.window_bytes = self.window.encode("ascii")
        start, self.range_start = self.range_start, cp.tree_size
        forged = self._forgery(cp, previous)
        if forged is not None:
            report.add(forged)
            return
        if self.range.root() != cp.root:
            report.add(
                Problem.because(
                    CHANGED,
                    "checkpoint",
                    ref,
                    "root_mismatch",
                    first=start,
                    last=cp.tree_size - 1,
                )
            )
            return
        if self.range.to_bytes() != cp.frontier:
            report.add(Problem.because(CHANGED, "checkpoint", ref, "frontier_mismatch"))
            return
        report.checkpoints += 1
