"""The verifier: runs the checks over the three streams, in log order, into one report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from yiwang.audit.report import Report
from yiwang.audit.streams import CheckpointRecord, Event
from yiwang.audit.verifier._common import Progress
from yiwang.audit.verifier.sealed import SealedRun
from yiwang.audit.verifier.unsealed import check_unsealed


class Verifier:
    def __init__(
        self,
        *,
        public_keys: Mapping[str, Ed25519PublicKey],
        max_transaction_seconds: int,
        progress: Progress | None = None,
        earlier: Iterable[CheckpointRecord] = (),
    ) -> None:
        """``earlier``: checkpoints kept from an earlier export, already known to be signed by
        a trusted key; the log must still hold each of them, unchanged."""
        self.public_keys = dict(public_keys)
        self.max_transaction = dt.timedelta(seconds=max_transaction_seconds)
        self.progress = progress
        self.earlier = list(earlier)

    def run(
        self,
        *,
        leaves: Iterable[tuple[int, int, bytes]],
        events: Iterable[Event],
        checkpoints: Iterable[CheckpointRecord],
    ) -> Report:
        report = Report()
        state = SealedRun(self, report, iter(checkpoints))
        rest = state.sealed(leaves, iter(events))
        state.finish_checkpoints()
        state.classify_first_mismatch()
        check_unsealed(state, rest)
        report.tree_size = state.count
        return report
