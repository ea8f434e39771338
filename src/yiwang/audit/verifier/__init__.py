"""The verification engine, in pure Python without Django: import :class:`Verifier` from here.

The database check and the offline check of an export feed it the same three streams:

- ``leaves``: ``(leaf_index, event_id, content_hash)`` ordered by leaf index;
- ``events``: ``(event_id, canonical_text)`` ordered by event id (``text`` may be None when the
  record could not be read at all);
- ``checkpoints``: :class:`CheckpointRecord` ordered by tree size.

Leaves are mostly in event-id order, so the two streams are merged like a merge join; the few
events passed over (not sealed yet, or sealed later because their transaction committed late)
wait in a small dictionary. Memory stays bounded by that and by the compact range.

The report names the first problem in log order: sealed positions first, each checkpoint right
after its last leaf, then the unsealed events by id.
"""

from yiwang.audit.verifier.engine import Verifier

__all__ = ["Verifier"]
