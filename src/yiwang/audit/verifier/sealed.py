"""The walk over the sealed part: each leaf merged with its event, checked in runs or one by one."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from hashlib import sha256
from itertools import chain, islice
from operator import itemgetter, methodcaller
from typing import cast

from yiwang.audit import domain
from yiwang.audit.report import CHANGED, INSERTED, REMOVED, REORDERED, Problem
from yiwang.audit.streams import Event, Lookahead, Text
from yiwang.audit.verifier._common import event_problem
from yiwang.audit.verifier.checkpoints import RunState

_FLUSH_EVERY = 1 << 16
_BATCH = 4096
_FAST_MIN = 16
_SLOW_RUN = 64
_SEPARATORS = domain.SEPARATORS_IN_VALID_TEXT
_EVENT_ID = struct.Struct(">q")  # the event id in a leaf: 8 bytes, big-endian, signed
# Mismatched leaves remembered to tell a swap from a change; more than this is not a subtle attack.
_MISMATCH_MEMORY = 100_000
# How every event's canonical text starts, and where its time stands (fixed width).
_PREFIX = domain.EVENT_VERSION + domain.SEPARATOR
_PREFIX_BYTES = _PREFIX.encode("ascii")
_CREATED_AT = itemgetter(
    slice(len(_PREFIX), len(_PREFIX) + len("2026-01-01T00:00:00.000000+00:00"))
)


class SealedRun(RunState):
    """The sealed part of one run: leaves, in position order, against the events they seal."""

    def sealed(
        self, leaves: Iterable[tuple[int, int, bytes]], events: Iterator[Event]
    ) -> Iterator[Event]:
        stream = Lookahead(events)
        progress = self.verifier.progress
        leaves_iter = iter(leaves)
        slow_left = 0  # after an irregular leaf, a few are checked one by one before trying again
        while batch := list(islice(leaves_iter, _BATCH)):
            while batch:
                done = 0 if slow_left else self._fast(batch, stream)
                if not done:
                    self._one(*batch[0], stream)
                    done = 1
                    slow_left = slow_left - 1 if slow_left else _SLOW_RUN
                batch = batch[done:]
                if progress is not None:
                    progress(done)
        self.close_checkpoints()
        return chain(sorted(self.pending.items()), stream.rest())

    def _fast(self, batch: list[tuple[int, int, bytes]], stream: Lookahead) -> int:
        """Check the longest run at the head of ``batch`` that is in perfect order in one go.

        The common case — consecutive positions, each leaf's event next in the events stream,
        inside one checkpoint's range, content unchanged — costs a few list comprehensions.
        Anything unusual returns 0 and is looked at leaf by leaf.
        """
        nxt = self.next_checkpoint
        if nxt is not None and nxt.tree_size <= self.count:
            self.close_checkpoints()
            nxt = self.next_checkpoint
        if nxt is None:
            return 0
        n = min(len(batch), nxt.tree_size - self.count)
        if n < _FAST_MIN:
            return 0
        if n < len(batch):
            batch = batch[:n]
        first_index, first_id = batch[0][0], batch[0][1]
        if first_index != self.count or batch[-1][0] != first_index + n - 1:
            return 0
        if not isinstance(first_id, int) or (
            self.prev_event_id is not None and first_id <= self.prev_event_id
        ):
            return 0
        events = stream.take(n)
        ids = [leaf[1] for leaf in batch]
        if [event[0] for event in events] != ids:
            # Keep the part where the leaves and the events line up.
            n = next(
                (
                    i
                    for i, (e, leaf_id) in enumerate(zip(events, ids, strict=False))
                    if e[0] != leaf_id
                ),
                len(events),
            )
            stream.unread(events[n:])
            del events[n:], ids[n:]
            if n < _FAST_MIN:
                stream.unread(events)
                return 0
        texts = [text for _, text in events if text is not None]
        # Every text has at least the separators its fields are joined with, and a valid one has
        # exactly those; so one count over the whole run proves every text in it is valid.
        if len(texts) != n:
            stream.unread(events)
            return 0
        actual: list[bytes | None]
        try:
            if isinstance(texts[0], bytes):  # one stream always delivers one type
                as_bytes = cast(list[bytes], texts)
                whole = b"".join(as_bytes)  # TypeError if a str slipped in
                actual = [sha256(text).digest() for text in as_bytes]
            else:
                as_str = cast(list[str], texts)
                whole = "".join(as_str).encode()
                actual = [sha256(text.encode()).digest() for text in as_str]
        except (TypeError, UnicodeEncodeError):
            stream.unread(events)
            return 0
        if whole.count(domain.SEPARATOR_BYTE) != _SEPARATORS * n:
            stream.unread(events)
            return 0
        if self.window is not None and not self._in_window(texts):
            stream.unread(events)
            return 0
        expected = [leaf[2] for leaf in batch[:n]]
        if actual != expected:
            n = next(
                (i for i, (a, b) in enumerate(zip(actual, expected, strict=True)) if a != b), n
            )
            stream.unread(events[n:])
            if n < _FAST_MIN:
                stream.unread(events[:n])
                return 0
            del ids[n:], expected[n:]
        prefix = b"\x00" + domain.LEAF_VERSION
        pack = _EVENT_ID.pack
        self.buffer.extend(
            sha256(prefix + pack(event_id) + digest).digest()
            for event_id, digest in zip(ids, expected, strict=True)
        )
        if len(self.buffer) >= _FLUSH_EVERY:
            self.flush()
        self.count += n
        self.report.events += n
        self.report.sealed += n
        self.prev_event_id = ids[-1]
        return n

    def _in_window(self, texts: list[str | bytes]) -> bool:
        """Whether every text of a run starts as the platform writes it and was written inside
        the sealing window (a few C-level passes; the slow path names the one that was not)."""
        prefix: str | bytes
        low: str | bytes | None
        if isinstance(texts[0], bytes):
            prefix, low = _PREFIX_BYTES, self.window_bytes
        else:
            prefix, low = _PREFIX, self.window
        return all(map(methodcaller("startswith", prefix), texts)) and (
            min(map(_CREATED_AT, texts)) >= low
        )

    def _one(self, leaf_index: int, event_id: int, expected: bytes, stream: Lookahead) -> None:
        """One leaf, with every check spelled out; also what names the problems."""
        report = self.report
        pending = self.pending
        nxt = self.next_checkpoint
        if nxt is not None and nxt.tree_size <= self.count:
            self.close_checkpoints()
        if leaf_index != self.count:
            self._leaf_position_problem(leaf_index, event_id)
        if not isinstance(event_id, int):  # SQLite keeps whatever is written into a column
            report.add(Problem.because(CHANGED, "leaf", str(leaf_index), "leaf_unreadable"))
            self.buffer.append(b"")
            self.count += 1
            return
        # Merge with the events stream (ordered by id); events passed over wait in `pending`.
        current = stream.next()
        while current is not None and current[0] < event_id:
            pending[current[0]] = current[1]
            current = stream.next()
        if current is not None and current[0] == event_id:
            found, text = True, current[1]
        else:
            if current is not None:
                stream.unread([current])
            found = event_id in pending
            text = pending.pop(event_id, None)
        if not found:
            report.add(
                Problem.because(REMOVED, "event", str(event_id), "event_gone", position=leaf_index)
            )
        else:
            report.events += 1
            report.sealed += 1
            if domain.text_hash(text) != expected:
                self._mismatch(leaf_index, event_id, expected, text)
            elif self.window is not None:
                self._check_window(event_id, text)
        if self.prev_event_id is not None and event_id <= self.prev_event_id:
            report.add(
                event_problem(
                    REORDERED,
                    event_id,
                    text,
                    "out_of_order",
                    position=leaf_index,
                    previous=self.prev_event_id,
                )
            )
        self.prev_event_id = event_id
        if self.next_checkpoint is None:
            signed = self.last_checkpoint.tree_size if self.last_checkpoint else 0
            report.add(
                Problem.because(
                    INSERTED,
                    "leaf",
                    str(leaf_index),
                    "beyond_checkpoint",
                    event=event_id,
                    signed=signed,
                )
            )
        try:
            data = b"\x00" + domain.LEAF_VERSION + event_id.to_bytes(8, "big", signed=True)
            data += expected
        except (OverflowError, TypeError):
            data = b""
        self.buffer.append(sha256(data).digest())
        self.count += 1
        if len(self.buffer) >= _FLUSH_EVERY:
            self.flush()

    def _check_window(self, event_id: int, text: Text) -> None:
        """An event sealed as it was written, but older than the seal that took it could take."""
        assert text is not None and self.window is not None and self.last_checkpoint is not None
        created = domain.text_field(text, domain.CREATED_AT_INDEX)
        try:
            canonical = domain.canonical_timestamp(domain.parse_timestamp(created)) == created
        except ValueError:
            canonical = False
        if canonical and created >= self.window:
            return
        self.report.add(
            event_problem(
                INSERTED,
                event_id,
                text,
                "sealed_too_old",
                previous=self.last_checkpoint.tree_size,
                sealed_at=self.last_checkpoint.timestamp,
            )
        )

    def _leaf_position_problem(self, leaf_index: int, event_id: int) -> None:
        if leaf_index > self.count:
            missing = (
                f"{self.count}"
                if leaf_index == self.count + 1
                else (f"{self.count}-{leaf_index - 1}")
            )
            self.report.add(
                Problem.because(REMOVED, "leaf", missing, "positions_missing", event=event_id)
            )
            # Carry on from the position found, so that one gap is one problem (plus the roots
            # of the checkpoints that cover it, which cannot match any more).
            self.count = leaf_index
        else:
            self.report.add(
                Problem.because(
                    INSERTED, "leaf", str(leaf_index), "duplicate_position", event=event_id
                )
            )

    def _mismatch(self, leaf_index: int, event_id: int, expected: bytes, text: Text) -> None:
        actual = domain.text_hash(text)
        if self.first_mismatch is None and self.report.problem is None:
            problem = event_problem(CHANGED, event_id, text, "content_changed", position=leaf_index)
            self.first_mismatch = (problem, expected, actual)
            self.report.add(problem)
            return
        self.report.problems += 1
        if self.first_mismatch is not None and len(self.later_expected) < _MISMATCH_MEMORY:
            self.later_expected[expected] = event_id
            if actual is not None:
                self.later_actual[actual] = event_id

    def classify_first_mismatch(self) -> None:
        """A changed event whose content was sealed for another event id was moved, not edited."""
        if self.first_mismatch is None:
            return
        problem, expected, actual = self.first_mismatch
        other = self.later_expected.get(actual) if actual is not None else None
        reason = "content_of_other"
        if other is None:
            other = self.later_actual.get(expected)
            reason = "content_moved"
        if other is None:
            return
        if self.report.problem is problem:
            self.report.problem = Problem.because(
                REORDERED,
                problem.subject,
                problem.ref,
                reason,
                action=problem.action,
                timestamp=problem.timestamp,
                other=other,
            )
