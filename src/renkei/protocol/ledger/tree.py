"""Stored interior hashes of a log's Merkle tree, so that a proof reads O(log n) hashes instead of every leaf.

Every perfect subtree of two or more leaves is hashed once, when the head that completes it is signed, and kept
in the component's node table (`LedgerNodeMixin`) at a *position* that grows with the log: the hashes of a tree
are numbered in the order they become known as leaves are appended (leaf j, then each subtree that j completes,
smallest first), so leaf j sits at 2j − popcount(j) and the subtree (level L, index n), completed by leaf
(n + 1)·2^L − 1, sits L places after that leaf. Writes always append at the end of the index, and the hashes are
exactly those C2SP tlog-tiles serves (a tile of level L is the row of level-8L hashes here). The leaves
themselves (level 0) are not copied: a leaf hash is `leaf_hash(entry_hash)` of the entry table's row.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from renkei.core.errors import Invalid
from renkei.protocol import merkle

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _rows_with_keys(
    session: Session, model: type, key: str, value: str, keys: Iterable[int]
) -> Iterable[tuple[int, bytes]]:
    """(key, value) of the rows whose integer key is in `keys`, with the keys bound as ONE parameter (a JSON array
    on SQLite, an array on PostgreSQL): thousands of bound parameters cost more to compile than to look up."""
    wanted = sorted(keys)
    if not wanted:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        condition = f"{key} = ANY(:keys)"
        params: dict[str, object] = {"keys": wanted}
    else:
        condition = f"{key} IN (SELECT value FROM json_each(:keys))"
        params = {"keys": json.dumps(wanted)}
    statement = sa.text(f"SELECT {key}, {value} FROM {table.name} WHERE {condition}")
    return [(int(row[0]), bytes(row[1])) for row in session.execute(statement, params)]


class LedgerNodeMixin:
    """One interior hash of the log's Merkle tree (a perfect subtree of 2^level leaves), by its position."""

    position: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)


def position(level: int, index: int) -> int:
    """Where the hash of subtree (level, index) is stored (see the module's docstring)."""
    leaf = ((index + 1) << level) - 1
    return 2 * leaf - leaf.bit_count() + level


def last_position(size: int) -> int | None:
    """The position of the newest interior hash of a tree of `size` leaves (None below two leaves)."""
    if size < 2:
        return None
    leaf = size - 1 if size % 2 == 0 else size - 2  # the last leaf that completed a subtree (odd index)
    completed = ((leaf + 1) & -(leaf + 1)).bit_length() - 1  # subtrees of levels 1..completed end at it
    return 2 * leaf - leaf.bit_count() + completed


def new_nodes(leaf: int, made: list[bytes]) -> Iterable[tuple[int, bytes]]:
    """(position, hash) of the subtrees completed by appending leaf index `leaf` (what `Frontier.append` made)."""
    base = 2 * leaf - leaf.bit_count()
    for level, digest in enumerate(made, start=1):
        yield base + level, digest


class StoredTree:
    """Reads the hashes a set of proofs needs in two queries (interior nodes, then leaves) and builds the proofs.

    `need(lo, hi)` is called while planning; `mth(lo, hi)` once the hashes are loaded. Every range the RFC 9162
    path and consistency algorithms ask for decomposes into at most log n perfect subtrees (`perfect_pieces`).
    """

    def __init__(self, session: Session, *, entry_model: type, node_model: type, log_id: str) -> None:
        self.session = session
        self.entry_model = entry_model
        self.node_model = node_model
        self.log_id = log_id
        self.wanted: set[tuple[int, int]] = set()
        self.hashes: dict[tuple[int, int], bytes] = {}

    def need(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:  # most of a path: one perfect subtree
            level = n.bit_length() - 1
            self.wanted.add((level, lo >> level))
        else:
            self.wanted.update(merkle.perfect_pieces(lo, hi))
        return b""

    def load(self) -> None:
        todo = self.wanted - self.hashes.keys()
        nodes = {position(level, index): (level, index) for level, index in todo if level > 0}
        for pos, digest in _rows_with_keys(self.session, self.node_model, "position", "hash", nodes):
            self.hashes[nodes[pos]] = bytes(digest)
        seqs = [index + 1 for level, index in todo if level == 0]
        for seq, entry_hash in _rows_with_keys(self.session, self.entry_model, "seq", "entry_hash", seqs):
            self.hashes[(0, int(seq) - 1)] = merkle.leaf_hash(bytes(entry_hash))
        missing = todo - self.hashes.keys()
        if missing:
            level, index = min(missing)
            raise Invalid(
                f"Merkle木の内部ハッシュが欠けています（level {level}, index {index}）。"
                "`renkei records publish` で署名し直すと作り直されます",
                record=self.log_id,
            )

    def mth(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            level = n.bit_length() - 1
            return self.hashes[(level, lo >> level)]
        return merkle.mth_from_pieces(lo, hi, lambda level, index: self.hashes[(level, index)])

    def inclusion_paths(
        self, indexes: Iterable[int], size: int, frontier: merkle.Frontier
    ) -> dict[int, list[bytes]]:
        """RFC 9162 audit paths of many leaves in the tree of `size` leaves whose right edge is `frontier`.

        The tree of n leaves is its perfect subtrees left to right (the frontier the signed head keeps). A leaf's
        path is the plain path inside its perfect subtree (the sibling at each level: stored hashes), then the
        hash of everything right of that subtree, then the subtrees left of it, nearest first (RFC 9162 §2.1.3.1
        unrolled): only the first part is read, each shared hash once.
        """
        pieces: list[tuple[int, int, bytes]] = []  # (first leaf, level, hash), left to right
        start = 0
        for width, digest in frontier.nodes:
            pieces.append((start, width.bit_length() - 1, digest))
            start += width
        if start != size:
            raise Invalid(f"ツリーヘッドの右端が木の大きさ {size} と一致しません", record=self.log_id)
        rights: list[bytes | None] = [None] * len(pieces)  # MTH of every piece right of piece j
        for j in range(len(pieces) - 2, -1, -1):
            after = rights[j + 1]
            rights[j] = pieces[j + 1][2] if after is None else merkle.node_hash(pieces[j + 1][2], after)
        starts = [first for first, _, _ in pieces]
        placed: dict[int, int] = {}
        for index in indexes:
            j = bisect.bisect_right(starts, index) - 1
            placed[index] = j
            for level in range(pieces[j][1]):
                self.wanted.add((level, (index >> level) ^ 1))
        self.load()
        paths: dict[int, list[bytes]] = {}
        for index, j in placed.items():
            path = [self.hashes[(level, (index >> level) ^ 1)] for level in range(pieces[j][1])]
            if rights[j] is not None:
                path.append(rights[j])  # type: ignore[arg-type]
            path.extend(pieces[t][2] for t in range(j - 1, -1, -1))
            paths[index] = path
        return paths

    def consistency_path(self, first: int, size: int) -> list[bytes]:
        merkle.consistency_path_by(self.need, first, size)
        self.load()
        return merkle.consistency_path_by(self.mth, first, size)
