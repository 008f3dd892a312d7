"""RFC 9162 Merkle trees: roots, inclusion and consistency proofs against a direct reading of the definition."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from renkei.protocol import merkle


def _mth(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1 (the recursive definition)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@given(st.integers(min_value=0, max_value=70))
def test_the_root_and_the_frontier_agree_with_the_definition(n: int) -> None:
    leaves = _leaves(n)
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    assert merkle.root(leaves) == _mth(leaves) == frontier.root()
    assert merkle.Frontier.load(frontier.dump()).root() == frontier.root()


@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_inclusion_proof_verifies_and_a_wrong_one_fails(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    root = merkle.root(leaves)
    path = merkle.inclusion_path(leaves, index)
    assert merkle.verify_inclusion(leaves[index], index, n, path, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"other"), index, n, path, root)
    if index ^ 1 < n:  # the same leaf claimed at its sibling's position
        assert not merkle.verify_inclusion(leaves[index], index ^ 1, n, path, root)
    if path:
        broken = [bytes(32), *path[1:]]
        assert not merkle.verify_inclusion(leaves[index], index, n, broken, root)


@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_consistency_proof_verifies_and_a_forked_history_fails(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    proof = merkle.consistency_path(leaves, m)
    assert merkle.verify_consistency(m, n, merkle.root(leaves[:m]), merkle.root(leaves), proof)
    forked = [*leaves[: m - 1], merkle.leaf_hash(b"rewritten"), *leaves[m:]]
    assert not merkle.verify_consistency(m, n, merkle.root(forked[:m]), merkle.root(leaves), proof)


def test_all_inclusion_paths_at_once_are_the_rfc_paths() -> None:
    for n in (1, 2, 3, 5, 8, 13, 100):
        leaves = [merkle.leaf_hash(str(i).encode()) for i in range(n)]
        root, paths = merkle.inclusion_paths(leaves)
        assert root == merkle.root(leaves)
        for i in range(n):
            assert paths[i] == merkle.inclusion_path(leaves, i)
            assert merkle.root_from_inclusion(leaves[i], i, n, paths[i]) == root
        if n > 1:  # another leaf's place does not lead to the root
            assert merkle.root_from_inclusion(leaves[0], 1, n, paths[0]) != root
        assert merkle.root_from_inclusion(leaves[0], n, n, paths[0]) is None
