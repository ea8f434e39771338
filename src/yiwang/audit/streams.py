"""What the verification engine reads: its three streams' records, and a way to read ahead in
the events stream. Pure Python, no Django, like the engine (:mod:`yiwang.audit.verifier`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

# An event as the engine sees it: its id and its canonical text, as str or as UTF-8 bytes
# (whichever its source delivers more cheaply), or None if the record could not be read.
Text = str | bytes | None
Event = tuple[int, Text]


@dataclass(frozen=True)
class CheckpointRecord:
    tree_size: int
    root: bytes
    timestamp: str
    key_id: str
    signature: bytes
    frontier: bytes

    @property
    def signed(self) -> tuple[int, bytes, str, str, bytes]:
        """What the signature covers (the frontier is the platform's own bookkeeping)."""
        return self.tree_size, self.root, self.timestamp, self.key_id, self.signature


class Lookahead:
    """An iterator one can take several items from at once, and give some back."""

    def __init__(self, items: Iterator[Event]) -> None:
        self.items = items
        self.back: list[Event] = []  # given back, last one first

    def next(self) -> Event | None:
        if self.back:
            return self.back.pop()
        return next(self.items, None)

    def take(self, n: int) -> list[Event]:
        taken: list[Event] = []
        while self.back and len(taken) < n:
            taken.append(self.back.pop())
        taken.extend(islice(self.items, n - len(taken)))
        return taken

    def unread(self, items: list[Event]) -> None:
        self.back.extend(reversed(items))

    def rest(self) -> Iterator[Event]:
        while self.back:
            yield self.back.pop()
        yield from self.items
