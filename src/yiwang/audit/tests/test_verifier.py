"""The verification engine on large synthetic logs, without a database: the batched fast path
and the leaf-by-leaf path must agree, and tampering deep inside a batch is still named."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from yiwang.audit import domain
from yiwang.audit.merkle import CompactRange
from yiwang.audit.report import Report
from yiwang.audit.streams import CheckpointRecord
from yiwang.audit.verifier import Verifier

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def event_text(event_id: int) -> str:
    fields = [
        domain.canonical_timestamp(START + dt.timedelta(milliseconds=event_id)),
        "staff",
        str(event_id % 50),
        f"Clerk {event_id % 50}",
        "psb",
        "reviewer",
        "exchange.record_read",
        "applications.case",
        str(event_id),
        '["person:11010519491231002X"]',
        "prefill",
        f"req-{event_id}",
        domain.canonical_json({"n": event_id, "note": '例子 \\ "quoted"'}),
    ]
    return domain.event_text(fields)


@dataclass
class Log:
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    events: dict[int, str] = field(default_factory=dict)
    leaves: list[tuple[int, int, bytes]] = field(default_factory=list)
    checkpoints: list[CheckpointRecord] = field(default_factory=list)

    def seal(self, ids: list[int], at: dt.datetime) -> None:
        tree = CompactRange()
        for _, event_id, digest in self.leaves:
            tree.append(domain.event_leaf_hash(event_id, digest))
        for event_id in sorted(ids):
            digest = domain.text_hash(self.events[event_id])
            assert digest is not None
            self.leaves.append((len(self.leaves), event_id, digest))
            tree.append(domain.event_leaf_hash(event_id, digest))
        kid = domain.key_id(self.key.public_key())
        stamp = domain.canonical_timestamp(at)
        body = domain.checkpoint_body(
            tree_size=tree.size, root=tree.root(), timestamp=stamp, key_id=kid
        )
        self.checkpoints.append(
            CheckpointRecord(
                tree.size, tree.root(), stamp, kid, self.key.sign(body), tree.to_bytes()
            )
        )

    def verify(self, *, as_bytes: bool = False) -> Report:
        verifier = Verifier(
            public_keys={domain.key_id(self.key.public_key()): self.key.public_key()},
            max_transaction_seconds=600,
        )
        events: list[tuple[int, str | bytes | None]] = sorted(self.events.items())
        if as_bytes:  # as the PostgreSQL reader delivers them
            events = [(i, text.encode() if isinstance(text, str) else text) for i, text in events]
        return verifier.run(
            leaves=iter(self.leaves),
            events=iter(events),
            checkpoints=iter(self.checkpoints),
        )


@pytest.fixture
def log() -> Log:
    """10,000 events in three seals; 40 of them committed late and sealed one seal later;
    the last 25 not sealed yet."""
    log = Log()
    total = 10_000
    for event_id in range(1, total + 1):
        log.events[event_id] = event_text(event_id)
    late = set(range(2_990, 3_010)) | set(range(7_000, 7_020))
    first = [i for i in range(1, 3_001) if i not in late]
    second = [i for i in range(3_001, 7_001) if i not in late] + [i for i in late if i < 3_001]
    third = [i for i in range(7_001, total - 24) if i not in late] + [i for i in late if i >= 3_001]
    after = START + dt.timedelta(seconds=20)
    log.seal(first, after)
    log.seal(second, after + dt.timedelta(seconds=60))
    log.seal(third, after + dt.timedelta(seconds=120))
    return log


def test_large_log_with_late_commits_verifies(log: Log) -> None:
    report = log.verify()
    assert report.ok, report.summary()
    assert (report.events, report.sealed, report.awaiting, report.checkpoints) == (
        10_000,
        9_975,
        25,
        3,
    )


def test_progress_covers_every_entry(log: Log) -> None:
    seen: list[int] = []
    verifier = Verifier(
        public_keys={domain.key_id(log.key.public_key()): log.key.public_key()},
        max_transaction_seconds=600,
        progress=seen.append,
    )
    verifier.run(
        leaves=iter(log.leaves),
        events=iter(sorted(log.events.items())),
        checkpoints=iter(log.checkpoints),
    )
    assert sum(seen) == 10_000


def test_change_deep_inside_a_batch_is_named(log: Log) -> None:
    log.events[5_123] = log.events[5_123].replace("exchange.record_read", "exchange.nothing")
    report = log.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("changed", "5123")
    assert report.problem.action == "exchange.nothing"
    assert report.problems == 1


def test_removed_event_deep_inside_a_batch_is_named(log: Log) -> None:
    del log.events[6_001]
    report = log.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("removed", "6001")


def test_swapped_events_are_reordered(log: Log) -> None:
    log.events[4_100], log.events[4_200] = log.events[4_200], log.events[4_100]
    report = log.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("reordered", "4100")


def test_late_event_removed_from_a_later_seal_is_named(log: Log) -> None:
    del log.events[3_005]
    report = log.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("removed", "3005")


def test_control_character_smuggled_into_a_field_is_a_change(log: Log) -> None:
    text = log.events[8_000]
    log.events[8_000] = text.replace("Clerk", "Cl\x1ferk")
    report = log.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("changed", "8000")


def test_missing_leaf_position_is_named(log: Log) -> None:
    del log.leaves[4_500]
    report = log.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.subject, report.problem.ref) == (
        "removed",
        "leaf",
        "4500",
    )
    # One gap, and the root of each checkpoint covering it: not one problem per later leaf.
    assert report.problems == 3


@pytest.mark.parametrize(("removed", "ref"), [(1, "9974"), (30, "9945-9974")])
def test_leaves_missing_at_the_end_are_named_not_the_checkpoint(
    log: Log, removed: int, ref: str
) -> None:
    del log.leaves[-removed:]
    report = log.verify()
    assert report.problem is not None
    problem = report.problem
    assert (problem.kind, problem.subject, problem.ref, problem.reason) == (
        "removed",
        "leaf",
        ref,
        "positions_missing_at_end",
    )
    assert "tree size 9975" in problem.detail


def test_a_forged_checkpoint_beyond_the_end_is_named_forged(log: Log) -> None:
    last = log.checkpoints[-1]
    log.checkpoints.append(dataclasses.replace(last, tree_size=last.tree_size + 5))
    report = log.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref, report.problem.reason) == (
        "forged",
        str(last.tree_size + 5),
        "bad_signature",
    )
    assert report.problems == 1


def test_texts_as_utf8_bytes_verify_the_same(log: Log) -> None:
    report = log.verify(as_bytes=True)
    assert report.ok, report.summary()
    assert (report.events, report.sealed, report.awaiting) == (10_000, 9_975, 25)
    log.events[7_777] = log.events[7_777].replace("例子", "例外")
    report = log.verify(as_bytes=True)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref) == ("changed", "7777")
    assert report.problem.action == "exchange.record_read"


@pytest.mark.parametrize("as_bytes", [False, True])
def test_event_sealed_outside_its_seals_window_is_named(as_bytes: bool) -> None:
    # A forged event with a valid hash and a time hours before the previous checkpoint, deep
    # inside a batch, was sealed into the second checkpoint by a sealer that ignored the window.
    log = Log()
    for event_id in range(1, 3_001):
        log.events[event_id] = event_text(event_id)
    forged = event_text(2_500).replace(
        domain.canonical_timestamp(START + dt.timedelta(milliseconds=2_500)),
        domain.canonical_timestamp(START - dt.timedelta(hours=3)),
    )
    log.events[2_500] = forged
    log.seal(list(range(1, 1_001)), START + dt.timedelta(seconds=20))
    log.seal(list(range(1_001, 3_001)), START + dt.timedelta(seconds=80))
    report = log.verify(as_bytes=as_bytes)
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref, report.problem.reason) == (
        "inserted",
        "2500",
        "sealed_too_old",
    )
    assert report.problems == 1


def test_leaf_whose_event_id_is_not_a_number_is_named(log: Log) -> None:
    # SQLite keeps text in an integer column if it is told to.
    index, _, digest = log.leaves[4_000]
    log.leaves[4_000] = (index, "abc", digest)  # type: ignore[arg-type]
    report = log.verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.subject, report.problem.ref) == (
        "changed",
        "leaf",
        "4000",
    )


def test_a_checkpoint_kept_from_an_earlier_export_must_be_unchanged(log: Log) -> None:
    kept = log.checkpoints[1]

    def verify_with(earlier: list[CheckpointRecord]) -> Report:
        verifier = Verifier(
            public_keys={domain.key_id(log.key.public_key()): log.key.public_key()},
            max_transaction_seconds=600,
            earlier=earlier,
        )
        return verifier.run(
            leaves=iter(log.leaves),
            events=iter(sorted(log.events.items())),
            checkpoints=iter(log.checkpoints),
        )

    assert verify_with([kept]).ok
    changed = dataclasses.replace(kept, timestamp=domain.canonical_timestamp(START))
    report = verify_with([changed])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref, report.problem.reason) == (
        "changed",
        str(kept.tree_size),
        "differs_from_export",
    )
    beyond = dataclasses.replace(kept, tree_size=20_000)
    report = verify_with([beyond])
    assert report.problem is not None
    assert (report.problem.kind, report.problem.ref, report.problem.reason) == (
        "removed",
        "20000",
        "gone_since_export",
    )
