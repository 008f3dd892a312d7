"""`Ledger`: append, sign tree heads, prove and verify one component's log over its two tables."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, Generic

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.protocol import merkle, signing
from renkei.protocol.ledger.entries import GENESIS, E, R, chain_hash, tree_head_payload
from renkei.protocol.ledger.proofs import InclusionProof, Problem, Report


class Ledger(Generic[E, R]):
    """One component's log over its two tables. Methods take the caller's session and only flush."""

    def __init__(
        self,
        log_id: str,
        entry_model: type[E],
        root_model: type[R],
        *,
        index_columns: tuple[str, ...] = (),
        root_every: int = 100,
    ) -> None:
        self.log_id = log_id
        self.entry_model = entry_model
        self.root_model = root_model
        self.index_columns = index_columns
        self.root_every = root_every

    # -- writing -------------------------------------------------------------------------------------
    def _lock(self, session: Session) -> None:
        # Appends must see the true last entry; PostgreSQL serialises appenders on a per-log advisory lock
        # (SQLite already allows a single writer).
        if session.get_bind().dialect.name == "postgresql":
            table = self.entry_model.__tablename__  # type: ignore[attr-defined]
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(zlib.crc32(table.encode()))))

    def _head(self, session: Session) -> tuple[int, bytes]:
        model = self.entry_model
        row = session.execute(
            sa.select(model.seq, model.entry_hash).order_by(model.seq.desc()).limit(1)
        ).first()
        return (0, GENESIS) if row is None else (int(row[0]), bytes(row[1]))

    def append(
        self,
        session: Session,
        body: Mapping[str, Any],
        *,
        key: signing.Ed25519PrivateKey | None = None,
        at: dt.datetime | None = None,
    ) -> int:
        """Append one entry; returns its sequence number."""
        return self.append_many(session, [body], key=key, at=at)[0]

    def append_many(
        self,
        session: Session,
        bodies: Iterable[Mapping[str, Any]],
        *,
        key: signing.Ed25519PrivateKey | None = None,
        at: dt.datetime | None = None,
    ) -> list[int]:
        """Append entries in order (one bulk insert); sign a tree head each time the size crosses a multiple of `root_every`."""
        self._lock(session)
        seq, prev = self._head(session)
        recorded_at = (at or clock.now()).astimezone(dt.UTC)
        rows: list[dict[str, Any]] = []
        due = False
        for raw in bodies:
            body = json.loads(signing.canonical_json(raw))  # store exactly what is hashed
            seq += 1
            entry_hash = chain_hash(prev, seq, recorded_at, body)
            values = {c: body.get(c) for c in self.index_columns}
            rows.append(
                {
                    "seq": seq,
                    "recorded_at": recorded_at,
                    "body": body,
                    "prev_hash": prev,
                    "entry_hash": entry_hash,
                }
                | values
            )
            prev = entry_hash
            due = due or seq % self.root_every == 0
        if rows:
            session.execute(sa.insert(self.entry_model), rows)
        if key is not None and due:
            self.sign_root(session, key=key, at=recorded_at)
        return [row["seq"] for row in rows]

    def sign_root(
        self, session: Session, *, key: signing.Ed25519PrivateKey, at: dt.datetime | None = None
    ) -> R | None:
        """Sign the head of the log as it stands (None when no entry was added since the last head)."""
        roots, entries = self.root_model, self.entry_model
        last = session.scalars(sa.select(roots).order_by(roots.tree_size.desc()).limit(1)).first()
        frontier = merkle.Frontier.load(last.frontier) if last else merkle.Frontier()
        hashes = session.scalars(
            sa.select(entries.entry_hash).where(entries.seq > frontier.size).order_by(entries.seq)
        )
        for entry_hash in hashes:
            frontier.append(merkle.leaf_hash(bytes(entry_hash)))
        if frontier.size == 0 or (last is not None and frontier.size == last.tree_size):
            return None
        signed_at = (at or clock.now()).astimezone(dt.UTC)
        root_hash = frontier.root()
        values: dict[str, Any] = {
            "tree_size": frontier.size,
            "root_hash": root_hash,
            "signed_at": signed_at,
            "key_id": signing.key_id(key),
            "signature": signing.sign(
                key, tree_head_payload(self.log_id, frontier.size, root_hash, signed_at)
            ),
            "frontier": frontier.dump(),
        }
        head = self.root_model(**values)
        session.add(head)
        session.flush()
        return head

    # -- reading ---------------------------------------------------------------------------------------
    def latest_root(self, session: Session) -> R | None:
        roots = self.root_model
        return session.scalars(sa.select(roots).order_by(roots.tree_size.desc()).limit(1)).first()

    def _leaves(self, session: Session, tree_size: int) -> list[bytes]:
        entries = self.entry_model
        hashes = session.scalars(
            sa.select(entries.entry_hash).where(entries.seq <= tree_size).order_by(entries.seq)
        ).all()
        if len(hashes) != tree_size:
            raise Invalid(
                f"記録が欠落しているため証明を作れません（{len(hashes)}/{tree_size}件）", record=self.log_id
            )
        return [merkle.leaf_hash(bytes(h)) for h in hashes]

    def inclusion_proof(self, session: Session, *, seq: int, tree_size: int | None = None) -> InclusionProof:
        """Proof that entry `seq` is in the tree of a signed head (the latest that covers it, by default)."""
        entries, roots = self.entry_model, self.root_model
        entry = session.get(entries, seq)
        if entry is None:
            raise NotFound(f"記録 seq {seq} がありません", record=self.log_id, field="seq")
        query = sa.select(roots).where(roots.tree_size >= seq)
        query = (
            query.where(roots.tree_size == tree_size) if tree_size else query.order_by(roots.tree_size.desc())
        )
        head = session.scalars(query.limit(1)).first()
        if head is None:
            raise NotFound(
                f"記録 seq {seq} を含む署名付きツリーヘッドがまだありません",
                record=self.log_id,
                field="tree_size",
            )
        leaves = self._leaves(session, head.tree_size)
        return InclusionProof(
            log_id=self.log_id,
            seq=seq,
            recorded_at=entry.recorded_at,
            body=entry.body,
            prev_hash=bytes(entry.prev_hash),
            path=merkle.inclusion_path(leaves, seq - 1),
            tree_size=head.tree_size,
            root_hash=bytes(head.root_hash),
            signed_at=head.signed_at,
            signature=head.signature,
        )

    def inclusion_proofs(self, session: Session, *, seqs: list[int]) -> dict[int, InclusionProof]:
        """Proofs of many entries against the latest signed head, reading the leaves and hashing the tree once.

        One proof alone costs a read of every leaf and O(n) hashes; a person's history of m entries costs that m
        times. Here the levels of the tree are built once (O(n)), then each path is read off them (O(log n)).
        """
        if not seqs:
            return {}
        head = self.latest_root(session)
        if head is None or head.tree_size < max(seqs):
            raise NotFound(
                f"記録 seq {max(seqs)} を含む署名付きツリーヘッドがまだありません",
                record=self.log_id,
                field="tree_size",
            )
        levels = [self._leaves(session, head.tree_size)]
        while len(levels[-1]) > 1:
            below = levels[-1]
            levels.append([merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
        entries = {
            e.seq: e
            for e in session.scalars(sa.select(self.entry_model).where(self.entry_model.seq.in_(seqs)))
        }
        proofs = {}
        for seq in seqs:
            entry = entries.get(seq)
            if entry is None:
                raise NotFound(f"記録 seq {seq} がありません", record=self.log_id, field="seq")
            proofs[seq] = InclusionProof(
                log_id=self.log_id,
                seq=seq,
                recorded_at=entry.recorded_at,
                body=entry.body,
                prev_hash=bytes(entry.prev_hash),
                path=_path_from_levels(levels, seq - 1, head.tree_size),
                tree_size=head.tree_size,
                root_hash=bytes(head.root_hash),
                signed_at=head.signed_at,
                signature=head.signature,
            )
        return proofs

    def consistency_proof(self, session: Session, *, first: int, second: int) -> list[bytes]:
        """RFC 9162 consistency proof between two tree sizes of this log."""
        leaves = self._leaves(session, second)
        return merkle.consistency_path(leaves, first)

    # -- verification ----------------------------------------------------------------------------------
    def verify(
        self, session: Session, *, public_key: signing.Ed25519PublicKey | str, batch: int = 10_000
    ) -> Report:
        """Recompute every chain hash and every signed head; name the entries that were edited or deleted."""
        report = Report(self.log_id)
        key = signing.load_signing_public_key(public_key) if isinstance(public_key, str) else public_key
        roots = {r.tree_size: r for r in session.scalars(sa.select(self.root_model))}
        report.roots = len(roots)
        for head in roots.values():
            try:
                signing.verify(
                    key,
                    tree_head_payload(self.log_id, head.tree_size, bytes(head.root_hash), head.signed_at),
                    head.signature,
                )
            except Invalid:
                report.problems.append(
                    Problem(None, "ツリーヘッドの署名が検証できません", tree_size=head.tree_size)
                )
        model = self.entry_model
        columns = [model.seq, model.recorded_at, model.body, model.prev_hash, model.entry_hash]
        columns += [getattr(model, c) for c in self.index_columns]
        rows = session.execute(sa.select(*columns).order_by(model.seq).execution_options(yield_per=batch))
        frontier = merkle.Frontier()
        expected, prev, prev_stored = 1, GENESIS, GENESIS
        last_signed_ok = 0
        for found in rows:
            row: Any = found
            seq: int = row[0]
            recorded_at: dt.datetime = row[1]
            body: dict[str, Any] = row[2]
            stored_prev, stored_hash = row[3], row[4]
            stored_prev, stored_hash = bytes(stored_prev), bytes(stored_hash)
            if seq > expected:
                report.problems.append(
                    Problem(
                        expected, "記録が削除されています", last_seq=seq - 1 if seq - 1 > expected else None
                    )
                )
                while expected < seq:  # the deleted leaves are unknown; later heads cannot match
                    frontier.append(merkle.leaf_hash(b"deleted"))
                    expected += 1
                prev = prev_stored = stored_prev
            actual = chain_hash(stored_prev, seq, recorded_at, body)
            if actual != stored_hash:
                report.problems.append(Problem(seq, "記録の内容が改ざんされています（ハッシュ不一致）"))
            elif stored_prev != prev and seq > 1 and prev_stored == prev:
                report.problems.append(
                    Problem(
                        seq - 1, "記録が書き換えられ、ハッシュが再計算されています（次の記録と連鎖しません）"
                    )
                )
            elif stored_prev != prev and seq == 1:
                report.problems.append(Problem(seq, "先頭の記録の連鎖が不正です"))
            for offset, name in enumerate(self.index_columns):
                if row[5 + offset] != body.get(name):
                    report.problems.append(Problem(seq, f"索引列 {name} が記録の内容と一致しません"))
            frontier.append(merkle.leaf_hash(actual))
            prev, prev_stored = actual, stored_hash
            expected = seq + 1
            report.entries += 1
            signed = roots.get(seq)
            if signed is not None:
                # Once a leaf differs every later head differs; report a head only when no entry explains it.
                if frontier.root() != bytes(signed.root_hash) and not any(
                    p.seq is not None and p.seq <= seq for p in report.problems
                ):
                    report.problems.append(
                        Problem(
                            last_signed_ok + 1,
                            "署名付きツリーヘッドと一致しません（この範囲の記録が改ざんされています）",
                            last_seq=seq,
                            tree_size=seq,
                        )
                    )
                last_signed_ok = seq
        last = expected - 1
        missing_tail = [size for size in roots if size > last]
        if missing_tail:
            report.problems.append(
                Problem(
                    last + 1,
                    "末尾の記録が削除されています",
                    last_seq=max(missing_tail),
                    tree_size=max(missing_tail),
                )
            )
        report.unsigned_tail = last - max((s for s in roots if s <= last), default=0)
        return report


def _path_from_levels(levels: list[list[bytes]], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1) read from complete levels, each of which pairs from the left.

    RFC 9162's tree splits at the largest power of two below n, which is exactly the left-paired levels with a
    lone last node promoted; a sibling at a level is either the paired node or, past the right edge, the root of
    the remaining right part (computed from the level below).
    """
    path: list[bytes] = []
    lo, hi, m = 0, size, index
    # Walk down as inclusion_path does, but take subtree roots from the levels when the subtree is perfect.
    while hi - lo > 1:
        k = merkle._split(hi - lo)
        if m < k:
            path.append(_subtree(levels, lo + k, hi))
            hi = lo + k
        else:
            path.append(_subtree(levels, lo, lo + k))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def _subtree(levels: list[list[bytes]], lo: int, hi: int) -> bytes:
    """MTH of leaves lo..hi: from the levels when [lo, hi) is a perfect, aligned subtree, else by splitting."""
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        return levels[n.bit_length() - 1][lo // n]
    k = merkle._split(n)
    return merkle.node_hash(_subtree(levels, lo, lo + k), _subtree(levels, lo + k, hi))
