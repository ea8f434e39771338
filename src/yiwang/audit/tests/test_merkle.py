from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.audit import merkle

# RFC 6962 reference vectors (the inputs used by Certificate Transparency's own tests).
INPUTS = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
LEAVES = [merkle.leaf_hash(bytes.fromhex(x)) for x in INPUTS]


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_reference_roots(size: int) -> None:
    assert merkle.tree_root(LEAVES[:size]).hex() == ROOTS[size]
    compact = merkle.CompactRange()
    for leaf in LEAVES[:size]:
        compact.append(leaf)
    assert compact.root().hex() == ROOTS[size]


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.CompactRange().root() == hashlib.sha256(b"").digest() == merkle.tree_root([])


@given(total=st.integers(0, 300), cuts=st.lists(st.integers(0, 300), max_size=6))
def test_compact_range_matches_the_definition_however_it_is_fed(
    total: int, cuts: list[int]
) -> None:
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(total)]
    compact = merkle.CompactRange()
    bounds = sorted({0, total, *(c for c in cuts if c <= total)})
    for start, end in itertools.pairwise(bounds):
        compact.extend(leaves[start:end])
        assert compact.size == end
        assert compact.root() == merkle.tree_root(leaves[:end])
        # What the sealer stores is enough to carry on later.
        restored = merkle.CompactRange.from_bytes(compact.size, compact.to_bytes())
        assert restored.root() == compact.root()
        compact = restored
    assert compact.root() == merkle.tree_root(leaves)


def test_frontier_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="frontier hashes"):
        merkle.CompactRange.from_bytes(3, b"\x00" * 32)
    with pytest.raises(ValueError, match="multiple of 32"):
        merkle.CompactRange.from_bytes(1, b"\x00" * 31)
