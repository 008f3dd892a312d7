"""Merkle tree hashing, inclusion and consistency proofs exactly as RFC 9162 §2.1 (Certificate Transparency v2).

Leaves and nodes are domain-separated (0x00 for leaves, 0x01 for interior nodes, RFC 9162 §2.1.1) so that a leaf
can never be passed off as an interior node. All hashes are SHA-256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()

Subtree = Callable[[int, int], bytes]  # MTH(D[lo:hi]) of a range of leaves


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    n = hi - lo
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[lo]
    k = _split(n)
    return node_hash(_mth(leaves, lo, lo + k), _mth(leaves, lo + k, hi))


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes (RFC 9162 §2.1.1)."""
    return _mth(leaves, 0, len(leaves))


def inclusion_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]) (RFC 9162 §2.1.3.1): the audit path of leaf `index` in the tree of all `leaves`."""
    if not 0 <= index < len(leaves):
        raise ValueError("leaf index outside the tree")
    return inclusion_path_by(lambda lo, hi: _mth(leaves, lo, hi), index, len(leaves))


def inclusion_path_by(mth: Subtree, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) with the subtree hashes MTH(D[lo:hi]) given by `mth` (e.g. read from storage)."""
    path: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(mth(lo + k, hi))
            hi = lo + k
        else:
            path.append(mth(lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def root_from_inclusion(leaf: bytes, index: int, tree_size: int, path: Sequence[bytes]) -> bytes | None:
    """The root that `path` leads to from leaf `index` of a tree of `tree_size` (RFC 9162 §2.1.3.2), or None
    when the path cannot belong to such a tree."""
    if index >= tree_size or index < 0:
        return None
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    return root_from_inclusion(leaf, index, tree_size, path) == expected_root


def inclusion_paths(leaves: Sequence[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """MTH of `leaves` and the audit path of every leaf, in O(n log n) hashes (one `inclusion_path` is O(n))."""
    if not leaves:
        return EMPTY_ROOT, []
    paths: list[list[bytes]] = [[] for _ in leaves]

    def build(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaves[lo]
        k = _split(hi - lo)
        left, right = build(lo, lo + k), build(lo + k, hi)
        # Siblings are appended bottom-up, which is the order of PATH (leaf to root).
        for i in range(lo, lo + k):
            paths[i].append(right)
        for i in range(lo + k, hi):
            paths[i].append(left)
        return node_hash(left, right)

    return build(0, len(leaves)), paths


def consistency_path(leaves: Sequence[bytes], first: int) -> list[bytes]:
    """PROOF(m, D[n]) (RFC 9162 §2.1.4.1) that the tree of the first `first` leaves is a prefix of all `leaves`."""
    return consistency_path_by(lambda lo, hi: _mth(leaves, lo, hi), first, len(leaves))


def consistency_path_by(mth: Subtree, first: int, size: int) -> list[bytes]:
    """PROOF(first, D[size]) with the subtree hashes MTH(D[lo:hi]) given by `mth`."""
    if not 0 < first <= size:
        raise ValueError("first tree size must be within 1..n")
    proof: list[bytes] = []

    def sub(m: int, lo: int, hi: int, complete: bool) -> None:
        if m == hi - lo:
            if not complete:
                proof.append(mth(lo, hi))
            return
        k = _split(hi - lo)
        if m <= k:
            sub(m, lo, lo + k, complete)
            proof.append(mth(lo + k, hi))
        else:
            sub(m - k, lo + k, hi, False)
            proof.append(mth(lo, lo + k))

    sub(first, 0, size, True)
    return proof


def perfect_pieces(lo: int, hi: int) -> list[tuple[int, int]]:
    """The perfect, aligned subtrees (level, index) whose hashes give MTH(D[lo:hi]) for a range the RFC 9162 split
    produces (its start aligned to its largest power of two): at most one per level, left to right."""
    pieces: list[tuple[int, int]] = []
    while hi > lo:
        n = hi - lo
        size = n if n & (n - 1) == 0 else _split(n)
        level = size.bit_length() - 1
        pieces.append((level, lo >> level))
        lo += size
    return pieces


def mth_from_pieces(lo: int, hi: int, piece: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[lo:hi]) from the hashes of its perfect pieces (`perfect_pieces`): the right part folds in first."""
    pieces = perfect_pieces(lo, hi)
    result = piece(*pieces[-1])
    for level, index in reversed(pieces[:-1]):
        result = node_hash(piece(level, index), result)
    return result


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if first < 1 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if not path:
        return False
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


class Frontier:
    """The right edge of a growing tree (its perfect subtrees), enough to give MTH of every prefix in O(log n)."""

    def __init__(self, nodes: Sequence[tuple[int, bytes]] = ()) -> None:
        self.nodes: list[tuple[int, bytes]] = list(nodes)
        self.size = sum(size for size, _ in self.nodes)

    def append(self, leaf: bytes) -> list[bytes]:
        """Add a leaf; returns the hashes of the perfect subtrees it completes, smallest (level 1) first."""
        self.nodes.append((1, leaf))
        self.size += 1
        made: list[bytes] = []
        while len(self.nodes) >= 2 and self.nodes[-1][0] == self.nodes[-2][0]:
            (size, right), (_, left) = self.nodes.pop(), self.nodes.pop()
            merged = node_hash(left, right)
            made.append(merged)
            self.nodes.append((size * 2, merged))
        return made

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        r = self.nodes[-1][1]
        for _, h in reversed(self.nodes[:-1]):
            r = node_hash(h, r)
        return r

    def dump(self) -> list[list[int | str]]:
        return [[size, h.hex()] for size, h in self.nodes]

    @classmethod
    def load(cls, data: Sequence[Sequence[int | str]]) -> Frontier:
        return cls([(int(size), bytes.fromhex(str(h))) for size, h in data])
