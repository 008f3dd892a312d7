"""Tamper-evident append-only logs (情報提供等記録): a hash chain per entry, a Merkle tree with signed tree heads.

Each component keeps its own log in its own tables, declared with the mixins here::

    class HubRecord(LedgerEntryMixin, Base):
        __tablename__ = "hub_record"
        processing_number: Mapped[str] = mapped_column(sa.String(20), index=True)   # optional index columns

    class HubRecordRoot(LedgerRootMixin, Base):
        __tablename__ = "hub_record_root"

    RECORDS = Ledger("hub", HubRecord, HubRecordRoot, index_columns=("processing_number",))
    RECORDS.append(session, {"processing_number": ..., ...}, key=hub_signing_key)

Entry n is the canonical JSON ``{"seq", "recorded_at", "body"}``; its ``entry_hash`` = SHA-256(prev_hash ‖ that
JSON) (prev_hash of entry 1 is 32 zero bytes), and its Merkle leaf is ``leaf_hash(entry_hash)`` (RFC 9162 §2.1.1),
so one leaf commits to the entry and the whole chain before it. Every `root_every` entries (and whenever a
component asks) the tree head — (log id, tree size, root hash, time) — is signed with Ed25519 and kept in the
roots table. `verify` recomputes everything and names the sequence numbers of edited or deleted entries; an
`InclusionProof` lets anyone (the portal, the person) check one entry against a signed head without the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from renkei.core import clock
from renkei.core.db import UTCDateTime
from renkei.core.errors import Invalid, NotFound
from renkei.protocol import merkle, signing

GENESIS = bytes(32)
_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class LedgerEntryMixin:
    """Columns of one log entry; a component adds index columns copied from the body (`Ledger.index_columns`)."""

    seq: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    prev_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)
    entry_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)


class LedgerRootMixin:
    """A signed tree head, with the tree's right edge so the next head is computed from new entries only."""

    tree_size: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    key_id: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    signature: Mapped[str] = mapped_column(sa.Text, nullable=False)
    frontier: Mapped[list[Any]] = mapped_column(sa.JSON, nullable=False)


E = TypeVar("E", bound=LedgerEntryMixin)
R = TypeVar("R", bound=LedgerRootMixin)


def entry_bytes(seq: int, recorded_at: dt.datetime, body: Mapping[str, Any]) -> bytes:
    return signing.canonical_json(
        {"seq": seq, "recorded_at": recorded_at.astimezone(dt.UTC).isoformat(), "body": body}
    )


def chain_hash(prev_hash: bytes, seq: int, recorded_at: dt.datetime, body: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(prev_hash + entry_bytes(seq, recorded_at, body)).digest()


def tree_head_payload(
    log_id: str, tree_size: int, root_hash: bytes, signed_at: dt.datetime
) -> dict[str, Any]:
    return {
        "log": log_id,
        "tree_size": tree_size,
        "root_hash": root_hash.hex(),
        "signed_at": signed_at.astimezone(dt.UTC).isoformat(),
    }


@dataclass(frozen=True)
class Problem:
    """One finding of `verify`: the entry (or first..last range) at fault, or a tree head (seq None)."""

    seq: int | None
    reason: str
    last_seq: int | None = None
    tree_size: int | None = None

    def __str__(self) -> str:
        where = "" if self.seq is None else f"seq {self.seq}" + (f"–{self.last_seq}" if self.last_seq else "")
        head = "" if self.tree_size is None else f"tree_size {self.tree_size}"
        return f"[{', '.join(p for p in (where, head) if p)}] {self.reason}"


@dataclass
class Report:
    log_id: str
    entries: int = 0
    roots: int = 0
    unsigned_tail: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_sequences(self) -> list[int]:
        found: set[int] = set()
        for p in self.problems:
            if p.seq is not None:
                found.update(range(p.seq, (p.last_seq or p.seq) + 1))
        return sorted(found)


@dataclass(frozen=True)
class InclusionProof:
    """One entry, its audit path and the signed tree head it leads to (JSON-ready through `as_dict`)."""

    log_id: str
    seq: int
    recorded_at: dt.datetime
    body: dict[str, Any]
    prev_hash: bytes
    path: list[bytes]
    tree_size: int
    root_hash: bytes
    signed_at: dt.datetime
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "log": self.log_id,
            "seq": self.seq,
            "recorded_at": self.recorded_at.isoformat(),
            "body": self.body,
            "prev_hash": self.prev_hash.hex(),
            "path": [p.hex() for p in self.path],
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "signed_at": self.signed_at.isoformat(),
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InclusionProof:
        return cls(
            log_id=str(data["log"]),
            seq=int(data["seq"]),
            recorded_at=dt.datetime.fromisoformat(str(data["recorded_at"])),
            body=dict(data["body"]),
            prev_hash=bytes.fromhex(str(data["prev_hash"])),
            path=[bytes.fromhex(str(p)) for p in data["path"]],
            tree_size=int(data["tree_size"]),
            root_hash=bytes.fromhex(str(data["root_hash"])),
            signed_at=dt.datetime.fromisoformat(str(data["signed_at"])),
            signature=str(data["signature"]),
        )


def verify_inclusion_proof(proof: InclusionProof, *, public_key: signing.Ed25519PublicKey | str) -> None:
    """Raise `Invalid` unless the entry is in the log whose signed head the proof carries."""
    record = f"{proof.log_id}#{proof.seq}"
    signing.verify(
        public_key,
        tree_head_payload(proof.log_id, proof.tree_size, proof.root_hash, proof.signed_at),
        proof.signature,
        record=record,
    )
    leaf = merkle.leaf_hash(chain_hash(proof.prev_hash, proof.seq, proof.recorded_at, proof.body))
    if not merkle.verify_inclusion(leaf, proof.seq - 1, proof.tree_size, proof.path, proof.root_hash):
        raise Invalid("包含証明が署名付きツリーヘッドと一致しません", record=record, field="path")


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
