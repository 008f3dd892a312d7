"""`Ledger`: append, sign tree heads, prove and verify one component's log over its two tables."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, Generic

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound, RenkeiError
from renkei.protocol import merkle, signing, tlog
from renkei.protocol.ledger.entries import GENESIS, E, R, chain_hash, entry_bytes_of, tree_head_payload
from renkei.protocol.ledger.proofs import InclusionProof, Problem, Report
from renkei.protocol.ledger.tree import LedgerNodeMixin, StoredTree, last_position, new_nodes
from renkei.protocol.ledger.witness import (
    LedgerCosignatureMixin,
    PublishResult,
    WitnessedHead,
    WitnessTarget,
)

_PENDING = "renkei_ledger_unsigned"
_LOCKED = "renkei_ledger_locked"
ARCHIVED = "_archived"  # the body of an entry moved to an archive file: {"_archived": "<sha256 of the file>"}
ARCHIVE_FORMAT = "renkei-ledger-archive/1"


def _remember(cache_key: tuple[str, str], size: int, frontier: list[Any]) -> None:
    with _HEADS_LOCK:
        known = _HEADS.get(cache_key)
        if known is None or known[0] < size:
            _HEADS[cache_key] = (size, frontier)


def is_archived(body: Mapping[str, Any]) -> bool:
    return len(body) == 1 and ARCHIVED in body


# Above this many entries `verify` compares the witnessed roots only and builds no consistency proof (which
# needs every leaf hash in memory).
PROOF_LEAVES_LIMIT = 2_000_000


def _sign_pending(session: Session) -> None:
    """before_commit: sign the head of every log this transaction appended to (one head per batch)."""
    pending: dict[int, _Appended] = session.info.pop(_PENDING, {})
    for appended in pending.values():
        appended.ledger.sign_root(session, key=appended.key, appended=appended)


class _Appended:
    """What a transaction appended to one log: the hashes of its entries from `first` on (so signing the head
    at commit need not read them back)."""

    __slots__ = ("first", "hashes", "key", "ledger")

    def __init__(self, ledger: Ledger[Any, Any], key: signing.Ed25519PrivateKey, first: int) -> None:
        self.ledger, self.key, self.first = ledger, key, first
        self.hashes: list[bytes] = []


# The newest head this process signed or read for each log (by database and table): its size and the tree's
# right edge. A signer checks the newest size in the table (one indexed read) and, when it is still this one,
# extends the cached edge instead of reading the head row back; anything else takes the full path.
_HEADS: dict[tuple[str, str], tuple[int, list[Any]]] = {}
_HEADS_LOCK = threading.Lock()


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
        cosignature_model: type[LedgerCosignatureMixin] | None = None,
        node_model: type[LedgerNodeMixin] | None = None,
    ) -> None:
        self.log_id = log_id
        self.entry_model = entry_model
        self.root_model = root_model
        self.index_columns = index_columns
        self.root_every = root_every
        self.cosignature_model = cosignature_model
        self.node_model = node_model  # stored interior hashes: proofs read O(log n) hashes (tree.py)

    # -- writing -------------------------------------------------------------------------------------
    def lock(self, session: Session) -> None:
        """Take this log's append lock now (held to the end of the transaction; taking it again is free).

        A transaction that locks rows and then appends must take this first, so that every writer takes the
        log lock before its row locks and two of them can never wait for each other (PostgreSQL deadlock)."""
        self._lock(session)

    def _lock(self, session: Session) -> None:
        # Appends must see the true last entry; PostgreSQL serialises appenders on a per-log advisory lock
        # (SQLite already allows a single writer). Taken once per transaction.
        if session.get_bind().dialect.name == "postgresql":
            table = self.entry_model.__tablename__  # type: ignore[attr-defined]
            held = session.info.setdefault(_LOCKED, set())
            marker = (table, id(session.get_transaction()))
            if marker not in held:
                session.execute(sa.select(sa.func.pg_advisory_xact_lock(zlib.crc32(table.encode()))))
                held.add(marker)

    def _cache_key(self, session: Session) -> tuple[str, str]:
        return (str(session.get_bind().engine.url), self.root_model.__tablename__)  # type: ignore[attr-defined]

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
        """Append entries in order (one bulk insert).

        With a key, the head is signed once per batch: when the caller's transaction commits (so a loop of
        appends in one transaction signs one head), and also each time the size crosses `root_every`.
        """
        self._lock(session)
        seq, prev = self._head(session)
        recorded_at = (at or clock.now()).astimezone(dt.UTC)
        stamp = signing.canonical_json(recorded_at.isoformat())
        rows: list[dict[str, Any]] = []
        due = False
        first = seq + 1
        for raw in bodies:
            data = signing.canonical_json(raw)
            body = orjson.loads(data)  # store exactly what is hashed
            seq += 1
            entry_hash = hashlib.sha256(prev + entry_bytes_of(data, seq, stamp)).digest()
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
            session.execute(sa.insert(self.entry_model.__table__), rows)  # type: ignore[attr-defined]
        if key is not None and due:
            self.sign_root(session, key=key, at=recorded_at)
        elif key is not None and rows:
            pending = session.info.setdefault(_PENDING, {})
            if not pending and not event.contains(session, "before_commit", _sign_pending):
                event.listen(session, "before_commit", _sign_pending)
            appended = pending.get(id(self))
            if appended is None or appended.first + len(appended.hashes) != first:
                appended = pending[id(self)] = _Appended(self, key, first)
            appended.hashes.extend(row["entry_hash"] for row in rows)
        return [row["seq"] for row in rows]

    def sign_root(
        self,
        session: Session,
        *,
        key: signing.Ed25519PrivateKey,
        at: dt.datetime | None = None,
        appended: _Appended | None = None,
    ) -> R | None:
        """Sign the head of the log as it stands (None when no entry was added since the last head).

        With a node table, every perfect subtree the new entries complete is stored as it is hashed; a table that
        lags behind the last head (a log older than the table) is rebuilt from the first entry, once. Given what
        this transaction `appended`, a head this process knows is extended without reading entries back."""
        self._lock(session)  # two signers must not store the same interior hashes twice
        roots, entries = self.root_model, self.entry_model
        cache_key = self._cache_key(session)
        newest = session.scalar(sa.select(sa.func.max(roots.tree_size)))
        with _HEADS_LOCK:
            known = _HEADS.get(cache_key)
        hashes: Iterable[bytes]
        if (
            appended is not None
            and known is not None
            and newest == known[0]
            and appended.first == known[0] + 1
            and appended.hashes
        ):
            last_size: int | None = known[0]
            frontier = merkle.Frontier.load(known[1])
            hashes = (
                appended.hashes
            )  # exactly the entries after the head: this transaction holds the log's lock
        else:
            last = session.execute(
                sa.select(roots.tree_size, roots.frontier).where(roots.tree_size == newest)
            ).first()
            last_size = None if last is None else int(last[0])
            frontier = merkle.Frontier.load(last[1]) if last else merkle.Frontier()
            if self.node_model is not None and not self._nodes_in_step(session, frontier.size):
                session.execute(sa.delete(self.node_model))
                frontier = merkle.Frontier()
            hashes = (
                bytes(h)
                for h in session.scalars(
                    sa.select(entries.entry_hash).where(entries.seq > frontier.size).order_by(entries.seq)
                )
            )
        nodes: list[dict[str, Any]] = []
        node_table = None if self.node_model is None else self.node_model.__table__  # type: ignore[attr-defined]
        for entry_hash in hashes:
            made = frontier.append(merkle.leaf_hash(entry_hash))
            if made and node_table is not None:
                nodes.extend({"position": p, "hash": h} for p, h in new_nodes(frontier.size - 1, made))
                if len(nodes) >= 10_000:
                    session.execute(sa.insert(node_table), nodes)
                    nodes = []
        if nodes and node_table is not None:
            session.execute(sa.insert(node_table), nodes)
        if frontier.size in (0, last_size):
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
        session.execute(sa.insert(roots.__table__), [values])  # type: ignore[attr-defined]
        # Remembered only once the transaction commits (a rolled-back head must not be extended).
        event.listen(
            session,
            "after_commit",
            lambda _s: _remember(cache_key, frontier.size, values["frontier"]),
            once=True,
        )
        return self.root_model(**values)

    def _nodes_in_step(self, session: Session, size: int) -> bool:
        """Whether the node table holds exactly the interior hashes of the tree of `size` leaves."""
        assert self.node_model is not None
        newest = session.scalar(sa.select(sa.func.max(self.node_model.position)))
        return newest == last_position(size)

    def _tree(self, session: Session) -> StoredTree:
        assert self.node_model is not None
        return StoredTree(
            session, entry_model=self.entry_model, node_model=self.node_model, log_id=self.log_id
        )

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
        if is_archived(entry.body):
            raise NotFound(
                f"記録 seq {seq} はアーカイブ済みです（アーカイブファイルで検証してください）",
                record=self.log_id,
                field="seq",
            )
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
        if self.node_model is not None:
            path = self._tree(session).inclusion_paths(
                [seq - 1], head.tree_size, merkle.Frontier.load(head.frontier)
            )[seq - 1]
        else:
            path = merkle.inclusion_path(self._leaves(session, head.tree_size), seq - 1)
        return InclusionProof(
            log_id=self.log_id,
            seq=seq,
            recorded_at=entry.recorded_at,
            body=entry.body,
            prev_hash=bytes(entry.prev_hash),
            path=path,
            tree_size=head.tree_size,
            root_hash=bytes(head.root_hash),
            signed_at=head.signed_at,
            signature=head.signature,
        )

    def inclusion_proofs(self, session: Session, *, seqs: list[int]) -> dict[int, InclusionProof]:
        """Proofs of many entries against the latest signed head, reading the leaves and hashing the tree once.

        With a node table each path reads O(log n) stored hashes (shared ones once): O(m log n) for m entries.
        Without one, the levels of the tree are built once from every leaf (O(n)), then each path read off them.
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
        if self.node_model is not None:
            paths = self._tree(session).inclusion_paths(
                [s - 1 for s in seqs], head.tree_size, merkle.Frontier.load(head.frontier)
            )
        else:
            levels = [self._leaves(session, head.tree_size)]
            while len(levels[-1]) > 1:
                below = levels[-1]
                levels.append([merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
            paths = {s - 1: _path_from_levels(levels, s - 1, head.tree_size) for s in seqs}
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
                path=paths[seq - 1],
                tree_size=head.tree_size,
                root_hash=bytes(head.root_hash),
                signed_at=head.signed_at,
                signature=head.signature,
            )
        return proofs

    def consistency_proof(self, session: Session, *, first: int, second: int) -> list[bytes]:
        """RFC 9162 consistency proof between two tree sizes of this log."""
        if self.node_model is not None and first < second:
            return self._tree(session).consistency_path(first, second)
        leaves = self._leaves(session, second)
        return merkle.consistency_path(leaves, first)

    # -- witnessing -------------------------------------------------------------------------------------
    def checkpoint(self, session: Session, *, origin: str) -> tlog.Checkpoint | None:
        """The newest signed head as a C2SP checkpoint (None while no head is signed)."""
        head = self.latest_root(session)
        return None if head is None else tlog.Checkpoint(origin, head.tree_size, bytes(head.root_hash))

    def _cosignatures(self) -> type[LedgerCosignatureMixin]:
        if self.cosignature_model is None:
            raise Invalid("この記録には証人の副署を保存する表がありません", record=self.log_id)
        return self.cosignature_model

    def last_cosigned(self, session: Session, *, witness: str) -> LedgerCosignatureMixin | None:
        model = self._cosignatures()
        return session.scalars(
            sa.select(model).where(model.witness == witness).order_by(model.tree_size.desc()).limit(1)
        ).first()

    def cosigned_sizes(self, session: Session, *, quorum: int) -> list[int]:
        """Tree sizes holding at least `quorum` cosignatures (the heads this log has accepted)."""
        model = self._cosignatures()
        rows = session.execute(
            sa.select(model.tree_size)
            .group_by(model.tree_size)
            .having(sa.func.count() >= quorum)
            .order_by(model.tree_size)
        )
        return [int(r[0]) for r in rows]

    def publish(
        self,
        session: Session,
        *,
        origin: str,
        key: signing.Ed25519PrivateKey,
        witnesses: Sequence[WitnessTarget],
        client: tlog.WitnessClient,
        quorum: int,
    ) -> PublishResult:
        """Sign the head (if entries are unsigned), send it to every witness and store their cosignatures.

        Each witness gets a consistency proof from the size it last cosigned; when it answers 409 with another
        size the proof is rebuilt once from that size. The head counts as accepted with `quorum` cosignatures.
        """
        self.sign_root(session, key=key)
        checkpoint = self.checkpoint(session, origin=origin)
        if checkpoint is None:
            return PublishResult(origin, 0, quorum)
        result = PublishResult(origin, checkpoint.size, quorum)
        note = checkpoint.signed(key)
        model = self._cosignatures()
        for target in witnesses:
            last = self.last_cosigned(session, witness=target.name)
            if last is not None and last.tree_size == checkpoint.size:
                result.cosigned_by.append(target.name)
                continue
            old = last.tree_size if last is not None else 0
            answer: str | None = None
            for _attempt in range(2):
                proof = (
                    self.consistency_proof(session, first=old, second=checkpoint.size)
                    if 0 < old < checkpoint.size
                    else []
                )
                try:
                    answer = client.add_checkpoint(target.service, tlog.AddCheckpoint(old, proof, note))
                    break
                except tlog.WitnessRefused as refused:
                    size = refused.size
                    if size is None or size == old:
                        result.failures.append((target.name, str(refused)))
                        break
                    if size > checkpoint.size:
                        result.failures.append(
                            (
                                target.name,
                                f"証人は {size} 件の記録を確認済みですが、記録は {checkpoint.size} 件です",
                            )
                        )
                        break
                    old = size
                except RenkeiError as exc:
                    result.failures.append((target.name, exc.message))
                    break
            if answer is None:
                continue
            try:
                lines = tlog.parse_signature_lines(answer)
            except tlog.NoteError as exc:
                result.failures.append((target.name, f"副署の形式が不正です: {exc}"))
                continue
            text = checkpoint.text()
            good = [
                (line, ts)
                for line in lines
                if line.name == target.name
                and (ts := tlog.verify_cosignature(text, line, target.public_key)) is not None
            ]
            if not good:
                result.failures.append((target.name, "証人の副署が検証できません"))
                continue
            line, ts = good[0]
            values: dict[str, Any] = {
                "tree_size": checkpoint.size,
                "witness": target.name,
                "root_hash": checkpoint.root_hash,
                "cosignature": line.line(),
                "cosigned_at": dt.datetime.fromtimestamp(ts, dt.UTC),
            }
            session.add(model(**values))
            session.flush()
            result.cosigned_by.append(target.name)
        return result

    # -- archiving (7-year retention) --------------------------------------------------------------------
    def archive(self, session: Session, *, through: int, handle: IO[str]) -> dict[str, Any]:
        """Move entries up to the newest signed head at or below `through` to an archive file (JSON lines).

        The file starts with a header naming the log, the range, the hash before its first entry, the Merkle
        frontier before it and the signed head at its end; then one line per entry as hashed. In the live log
        the archived entries keep seq, time and both hashes (so the chain, the tree, every later head and the
        witnesses' heads still verify) and their body becomes {"_archived": sha256 of the file}.
        """
        roots, entries = self.root_model, self.entry_model
        head = session.scalars(
            sa.select(roots).where(roots.tree_size <= through).order_by(roots.tree_size.desc()).limit(1)
        ).first()
        if head is None:
            raise Invalid(
                f"seq {through} 以前に署名付きツリーヘッドがありません", record=self.log_id, field="through"
            )
        rows = list(
            session.scalars(sa.select(entries).where(entries.seq <= head.tree_size).order_by(entries.seq))
        )
        todo = [r for r in rows if not is_archived(r.body)]
        if not todo:
            raise Invalid(f"seq {head.tree_size} までの記録はアーカイブ済みです", record=self.log_id)
        first = todo[0].seq
        before = session.get(roots, first - 1) if first > 1 else None
        if first > 1 and before is None:
            raise Invalid("前回のアーカイブの境界に署名付きツリーヘッドがありません", record=self.log_id)
        header = {
            "format": ARCHIVE_FORMAT,
            "log": self.log_id,
            "first_seq": first,
            "last_seq": head.tree_size,
            "prev_hash": bytes(todo[0].prev_hash).hex(),
            "start_frontier": before.frontier if before is not None else [],
            "head": {
                "tree_size": head.tree_size,
                "root_hash": bytes(head.root_hash).hex(),
                "signed_at": head.signed_at.astimezone(dt.UTC).isoformat(),
                "key_id": head.key_id,
                "signature": head.signature,
            },
        }
        digest = hashlib.sha256()
        for item in [header] + [
            {
                "seq": r.seq,
                "recorded_at": r.recorded_at.astimezone(dt.UTC).isoformat(),
                "body": r.body,
                "prev_hash": bytes(r.prev_hash).hex(),
                "entry_hash": bytes(r.entry_hash).hex(),
            }
            for r in todo
        ]:
            line = json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n"
            digest.update(line.encode())
            handle.write(line)
        handle.flush()
        marker = {ARCHIVED: digest.hexdigest()}
        session.execute(
            sa.update(entries)
            .where(entries.seq >= first, entries.seq <= head.tree_size)
            .values(body=marker, **dict.fromkeys(self.index_columns))
        )
        session.flush()
        return {
            "first_seq": first,
            "last_seq": head.tree_size,
            "entries": len(todo),
            "sha256": digest.hexdigest(),
        }

    def verify_archive(
        self,
        lines: Iterable[str],
        *,
        public_key: signing.Ed25519PublicKey | str,
        session: Session | None = None,
    ) -> Report:
        """Check an archive file alone (chain, tree, signed head) and, with a session, its link to the live log."""
        report = Report(self.log_id)
        key = signing.load_signing_public_key(public_key) if isinstance(public_key, str) else public_key
        digest = hashlib.sha256()
        iterator = iter(lines)
        try:
            first_line = next(iterator)
            header = json.loads(first_line)
            digest.update(first_line.encode())
            head = header["head"]
            first, last = int(header["first_seq"]), int(header["last_seq"])
            prev = bytes.fromhex(header["prev_hash"])
            frontier = merkle.Frontier.load(header["start_frontier"])
            root_hash = bytes.fromhex(head["root_hash"])
            signed_at = dt.datetime.fromisoformat(head["signed_at"])
        except (StopIteration, ValueError, KeyError, TypeError) as exc:
            raise Invalid(f"アーカイブの見出しが不正です: {exc}", record=self.log_id) from None
        if header.get("format") != ARCHIVE_FORMAT or header.get("log") != self.log_id:
            raise Invalid("このログのアーカイブではありません", record=self.log_id, field="log")
        if frontier.size != first - 1:
            report.problems.append(Problem(first, "アーカイブの開始位置とMerkle木の境界が一致しません"))
        try:
            signing.verify(key, tree_head_payload(self.log_id, last, root_hash, signed_at), head["signature"])
        except Invalid:
            report.problems.append(
                Problem(None, "アーカイブのツリーヘッドの署名が検証できません", tree_size=last)
            )
        hashes: dict[int, bytes] = {}
        expected = first
        for text in iterator:
            digest.update(text.encode())
            item = json.loads(text)
            seq = int(item["seq"])
            if seq != expected:
                report.problems.append(
                    Problem(expected, "アーカイブの記録が欠落しています", last_seq=seq - 1)
                )
            actual = chain_hash(prev, seq, dt.datetime.fromisoformat(item["recorded_at"]), item["body"])
            if bytes.fromhex(item["prev_hash"]) != prev or actual != bytes.fromhex(item["entry_hash"]):
                report.problems.append(Problem(seq, "アーカイブの記録が改ざんされています（ハッシュ不一致）"))
            frontier.append(merkle.leaf_hash(actual))
            hashes[seq] = actual
            prev, expected = actual, seq + 1
            report.entries += 1
        if expected != last + 1:
            report.problems.append(Problem(expected, "アーカイブの末尾の記録が欠落しています", last_seq=last))
        elif frontier.root() != root_hash:
            report.problems.append(
                Problem(
                    first, "アーカイブが署名付きツリーヘッドと一致しません", last_seq=last, tree_size=last
                )
            )
        if session is not None:
            entries = self.entry_model
            live = session.execute(
                sa.select(entries.seq, entries.entry_hash, entries.prev_hash, entries.body).where(
                    entries.seq >= first, entries.seq <= last + 1
                )
            )
            marker = {ARCHIVED: digest.hexdigest()}
            for seq, entry_hash, prev_hash, body in live:
                if seq <= last and (hashes.get(seq) != bytes(entry_hash) or body != marker):
                    report.problems.append(Problem(seq, "アーカイブと現用の記録がつながりません"))
                if seq == last + 1 and hashes.get(last) != bytes(prev_hash):
                    report.problems.append(Problem(seq, "現用の記録がアーカイブの最後の記録と連鎖しません"))
            live_head = session.get(self.root_model, last)
            if live_head is None or bytes(live_head.root_hash) != root_hash:
                report.problems.append(
                    Problem(None, "アーカイブの末尾のツリーヘッドが現用の記録にありません", tree_size=last)
                )
        report.roots = 1
        return report

    # -- verification ----------------------------------------------------------------------------------
    def verify(
        self,
        session: Session,
        *,
        public_key: signing.Ed25519PublicKey | str,
        batch: int = 10_000,
        witnessed: Sequence[WitnessedHead] = (),
    ) -> Report:
        """Recompute every chain hash and every signed head; name the entries that were edited or deleted.

        `witnessed` are the heads the log's witnesses hold: the recomputed tree must have each one's root at
        its size (what a rewrite re-signed with the log's own key cannot fake), the log must reach each size
        (else its newest entries were deleted), and an RFC 9162 consistency proof from each witness's newest
        head to the log's newest signed head, built from the recomputed leaves, must verify.
        """
        report = Report(self.log_id)
        by_size: dict[int, list[WitnessedHead]] = {}
        for held in witnessed:
            by_size.setdefault(held.tree_size, []).append(held)
        report.witnessed = len(witnessed)
        leaves: list[bytes] | None = [] if witnessed else None
        contradicted: set[str] = set()  # report the first witnessed head each witness contradicts
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
        in_archive = True
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
            if is_archived(body):
                # Moved to an archive file (`archive`): the hash is taken as stored, the chain still checked.
                if not in_archive:
                    report.problems.append(Problem(seq, "先頭以外の記録にアーカイブ済みの印があります"))
                actual = stored_hash
                report.archived += 1
            else:
                in_archive = False
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
            leaf = merkle.leaf_hash(actual)
            frontier.append(leaf)
            if leaves is not None:
                leaves.append(leaf)
                if len(leaves) > PROOF_LEAVES_LIMIT:
                    leaves = None
            for held in by_size.get(seq, ()):
                if held.witness not in contradicted and frontier.root() != held.root_hash:
                    contradicted.add(held.witness)
                    report.problems.append(
                        Problem(
                            None,
                            f"証人 {held.witness} が副署したツリーヘッドと一致しません"
                            f"（この範囲までの記録が書き換えられ、ハッシュの再計算や再署名がされています）",
                            tree_size=seq,
                        )
                    )
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
        if report.archived and report.archived not in roots:
            report.problems.append(
                Problem(report.archived, "アーカイブの境界に署名付きツリーヘッドがありません")
            )
        beyond = [held for held in witnessed if held.tree_size > last]
        if beyond:
            far = max(beyond, key=lambda h: h.tree_size)
            report.problems.append(
                Problem(
                    last + 1,
                    f"末尾の記録が削除されています（証人 {far.witness} は {far.tree_size} 件の記録に副署済み）",
                    last_seq=far.tree_size,
                    tree_size=far.tree_size,
                )
            )
        newest = max((s for s in roots if s <= last), default=0)
        if leaves is not None and newest and not report.problems:
            newest_root = bytes(roots[newest].root_hash)
            latest_by_witness: dict[str, WitnessedHead] = {}
            for held in witnessed:
                if held.tree_size <= newest and (
                    held.witness not in latest_by_witness
                    or held.tree_size > latest_by_witness[held.witness].tree_size
                ):
                    latest_by_witness[held.witness] = held
            for held in latest_by_witness.values():
                proof = merkle.consistency_path(leaves[:newest], held.tree_size)
                if not merkle.verify_consistency(held.tree_size, newest, held.root_hash, newest_root, proof):
                    report.problems.append(
                        Problem(
                            None,
                            f"証人 {held.witness} のツリーヘッドから最新のツリーヘッドへの整合性証明が成り立ちません",
                            tree_size=newest,
                        )
                    )
                report.consistency_proofs += 1
        report.unsigned_tail = last - newest
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
