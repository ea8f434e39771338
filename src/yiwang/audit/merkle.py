"""RFC 6962 Merkle tree hashing with a compact range. Pure Python, no Django.

The log is a Merkle tree as in Certificate Transparency (RFC 6962 §2.1): a leaf hashes to
``SHA-256(0x00 || data)`` and an inner node to ``SHA-256(0x01 || left || right)``; the tree over
``n`` leaves splits at the largest power of two below ``n``.

A :class:`CompactRange` keeps only the roots of the perfect subtrees that make up a tree of
``size`` leaves (one per set bit of ``size``, largest first). That is all one needs to append more
leaves and to compute the root, so the sealer never re-reads old leaves and the verifier checks a
million leaves in memory bounded by ``log2(n)`` hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = sha256(b"").digest()
# Leaves are hashed in batches: a perfect subtree of this many leaves is reduced level by level,
# which is faster in Python than pushing leaves onto the range one at a time.
_MAX_BLOCK = 1 << 16


def leaf_hash(data: bytes) -> bytes:
    return sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(NODE_PREFIX + left + right).digest()


def tree_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The RFC 6962 root of a whole list of leaf hashes, by the recursive definition.

    Kept simple on purpose: it is the reference the compact range is tested against.
    """
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)  # largest power of two strictly below n
    return node_hash(tree_root(leaf_hashes[:k]), tree_root(leaf_hashes[k:]))


def _perfect_root(hashes: list[bytes]) -> bytes:
    """Root of a perfect subtree (``len(hashes)`` is a power of two), one level at a time."""
    level = hashes
    prefix = NODE_PREFIX
    while len(level) > 1:
        pairs = iter(level)
        level = [
            sha256(prefix + left + right).digest() for left, right in zip(pairs, pairs, strict=True)
        ]
    return level[0]


class CompactRange:
    """The frontier of a Merkle tree: enough to extend it and to compute its root."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ValueError("a tree cannot have a negative size")
        if len(hashes) != size.bit_count():
            raise ValueError(
                f"a tree of {size} leaves has {size.bit_count()} frontier hashes, got {len(hashes)}"
            )
        if any(len(h) != HASH_SIZE for h in hashes):
            raise ValueError(f"frontier hashes must be {HASH_SIZE} bytes")
        self.size = size
        self.hashes = list(hashes)

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> CompactRange:
        if len(blob) % HASH_SIZE:
            raise ValueError(f"frontier length {len(blob)} is not a multiple of {HASH_SIZE}")
        hashes = [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
        return cls(size, hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)

    def _push(self, subtree_root: bytes, height: int) -> None:
        """Append a perfect subtree of ``2**height`` leaves; ``size`` must be aligned to it."""
        h = subtree_root
        carry = self.size >> height
        stack = self.hashes
        while carry & 1:
            h = sha256(NODE_PREFIX + stack.pop() + h).digest()
            carry >>= 1
        stack.append(h)
        self.size += 1 << height

    def append(self, leaf: bytes) -> None:
        self._push(leaf, 0)

    def extend(self, leaves: Sequence[bytes]) -> None:
        """Append many leaf hashes, reducing aligned power-of-two blocks in one go."""
        i = 0
        n = len(leaves)
        while i < n:
            remaining = n - i
            align = self.size & -self.size if self.size else _MAX_BLOCK
            block = min(align, _MAX_BLOCK, 1 << (remaining.bit_length() - 1))
            if block == 1:
                self._push(leaves[i], 0)
            else:
                self._push(_perfect_root(list(leaves[i : i + block])), block.bit_length() - 1)
            i += block

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        stack = self.hashes
        h = stack[-1]
        for left in reversed(stack[:-1]):
            h = sha256(NODE_PREFIX + left + h).digest()
        return h
