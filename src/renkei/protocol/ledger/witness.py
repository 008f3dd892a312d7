"""Witnessing record logs: the witness side (tlog-witness add-checkpoint) and the log side (publish a checkpoint).

A component that witnesses other logs declares two tables with `WitnessHeadMixin` (the newest checkpoint it
cosigned per origin) and `WitnessSeenMixin` (every checkpoint it was shown, accepted or refused — evidence of a
fork is kept), and one `Witness`. A component whose log is witnessed adds a table with `LedgerCosignatureMixin`
and passes it to `Ledger(..., cosignature_model=...)`; `Ledger.publish` then sends its newest head to each witness
with an RFC 9162 consistency proof from the size that witness last cosigned and stores the cosignatures.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.orm import Mapped, Session, mapped_column

from renkei.core import clock
from renkei.core.db import UTCDateTime
from renkei.protocol import merkle, tlog

_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class WitnessHeadMixin:
    """The newest checkpoint this witness cosigned for one origin (what add-checkpoint compares against)."""

    origin: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    tree_size: Mapped[int] = mapped_column(_BIGINT, nullable=False)
    root_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)
    checkpoint: Mapped[str] = mapped_column(sa.Text, nullable=False)
    cosigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class WitnessSeenMixin:
    """Every checkpoint shown to this witness with a valid log signature: status 200 (cosigned) or the refusal."""

    id: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=True)
    origin: Mapped[str] = mapped_column(sa.String(200), nullable=False, index=True)
    old_size: Mapped[int] = mapped_column(_BIGINT, nullable=False)
    tree_size: Mapped[int] = mapped_column(_BIGINT, nullable=False)
    root_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)
    status: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    checkpoint: Mapped[str] = mapped_column(sa.Text, nullable=False)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


class LedgerCosignatureMixin:
    """One witness's cosignature on one of this log's checkpoints."""

    tree_size: Mapped[int] = mapped_column(_BIGINT, primary_key=True, autoincrement=False)
    witness: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    root_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), nullable=False)
    cosignature: Mapped[str] = mapped_column(sa.Text, nullable=False)
    cosigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)


H = TypeVar("H", bound=WitnessHeadMixin)
S = TypeVar("S", bound=WitnessSeenMixin)
C = TypeVar("C", bound=LedgerCosignatureMixin)

# Reasons stored with refusals (and shown by `renkei records verify`).
FORK = "fork: same size, another root"
INCONSISTENT = "consistency proof fails"
OLD_ABOVE_NEW = "old size above the checkpoint size"
NOT_LAST = "old size is not the last cosigned size"


def lock_key(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode()) & 0x7FFFFFFF


def _answer(status: int, body: str, content_type: str = tlog.NOTE_CONTENT_TYPE) -> tlog.AddCheckpointResponse:
    return tlog.AddCheckpointResponse(status=status, content_type=content_type, body=body)


class Witness(Generic[H, S]):
    """A witness over its two tables. `add_checkpoint` only flushes; the caller commits (one transaction)."""

    def __init__(self, head_model: type[H], seen_model: type[S]) -> None:
        self.head_model = head_model
        self.seen_model = seen_model

    def _lock(self, session: Session, origin: str) -> None:
        """Check-and-update must be atomic per origin (tlog-witness): serialise on the origin."""
        table: str = self.head_model.__tablename__  # type: ignore[attr-defined]
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(lock_key(table, origin))))
        else:  # SQLite: take the write lock before reading, so no other writer can slip in between
            session.execute(
                sa.update(self.head_model)
                .where(self.head_model.origin == origin)
                .values(origin=self.head_model.origin)
            )

    def add_checkpoint(
        self,
        session: Session,
        body: str,
        *,
        trusted: Callable[[str], Sequence[Ed25519PublicKey] | None],
        name: str,
        key: Ed25519PrivateKey,
        now: dt.datetime | None = None,
    ) -> tlog.AddCheckpointResponse:
        """tlog-witness add-checkpoint: check, store and cosign (or refuse with the status the spec names)."""
        try:
            request = tlog.parse_add_checkpoint(body)
            text, signatures = tlog.split_note(request.note)
            checkpoint = tlog.parse_checkpoint(text)
        except tlog.NoteError as exc:
            return _answer(400, f"malformed request: {exc}\n")
        keys = trusted(checkpoint.origin)
        if keys is None:
            return _answer(404, f"unknown origin: {checkpoint.origin}\n")
        if not any(tlog.verify_note_signature(text, sig, k) for sig in signatures for k in keys):
            return _answer(403, "no signature verifies against a key trusted for this origin\n")
        at = (now or clock.now()).astimezone(dt.UTC)

        def seen(status: int, reason: str) -> None:
            values: dict[str, Any] = {
                "origin": checkpoint.origin,
                "old_size": request.old_size,
                "tree_size": checkpoint.size,
                "root_hash": checkpoint.root_hash,
                "status": status,
                "reason": reason,
                "checkpoint": request.note,
                "seen_at": at,
            }
            session.add(self.seen_model(**values))
            session.flush()

        if request.old_size > checkpoint.size:
            seen(400, OLD_ABOVE_NEW)
            return _answer(
                400, f"old size {request.old_size} is above the checkpoint size {checkpoint.size}\n"
            )
        self._lock(session, checkpoint.origin)
        head = session.get(self.head_model, checkpoint.origin, populate_existing=True)
        current = head.tree_size if head is not None else 0
        if request.old_size != current:
            seen(409, NOT_LAST)
            return _answer(409, f"{current}\n", tlog.SIZE_CONTENT_TYPE)
        if head is not None and checkpoint.size == head.tree_size:
            if bytes(head.root_hash) != checkpoint.root_hash or request.proof:
                seen(422, FORK if bytes(head.root_hash) != checkpoint.root_hash else INCONSISTENT)
                return _answer(422, "checkpoint has the cosigned size but another root (fork)\n")
        elif head is not None:
            if not merkle.verify_consistency(
                head.tree_size, checkpoint.size, bytes(head.root_hash), checkpoint.root_hash, request.proof
            ):
                seen(422, INCONSISTENT)
                return _answer(422, "consistency proof does not verify\n")
        elif request.proof:
            seen(422, INCONSISTENT)
            return _answer(422, "a checkpoint from size 0 takes no consistency proof\n")
        if head is None:
            fresh: dict[str, Any] = {"origin": checkpoint.origin}
            head = self.head_model(**fresh)
            session.add(head)
        head.tree_size = checkpoint.size
        head.root_hash = checkpoint.root_hash
        head.checkpoint = request.note
        head.cosigned_at = at
        seen(200, "cosigned")
        return _answer(200, tlog.cosign(text, name, key, timestamp=int(at.timestamp())))

    def checkpoints(self, session: Session, *, origin: str, witness: str) -> tlog.WitnessedCheckpoints:
        """Every checkpoint cosigned for `origin`, oldest first, and every refusal (forks among them)."""
        seen = self.seen_model
        rows = list(session.scalars(sa.select(seen).where(seen.origin == origin).order_by(seen.id)))
        return tlog.WitnessedCheckpoints(
            witness=witness,
            checkpoints=[
                tlog.WitnessedCheckpoint(
                    origin=r.origin,
                    tree_size=r.tree_size,
                    root_hash=bytes(r.root_hash).hex(),
                    cosigned_at=r.seen_at,
                )
                for r in rows
                if r.status == 200
            ],
            refused=[
                {
                    "status": r.status,
                    "reason": r.reason,
                    "old_size": r.old_size,
                    "tree_size": r.tree_size,
                    "root_hash": bytes(r.root_hash).hex(),
                    "seen_at": r.seen_at.isoformat(),
                }
                for r in rows
                if r.status != 200
            ],
        )


# -- the log side ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WitnessTarget:
    """A witness a log publishes to: its service name, its key name and its cosigning public key."""

    service: str
    name: str
    public_key: Ed25519PublicKey


@dataclass
class PublishResult:
    origin: str
    tree_size: int
    quorum: int
    cosigned_by: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.tree_size == 0 or len(self.cosigned_by) >= self.quorum

    def as_dict(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "quorum": self.quorum,
            "cosigned_by": self.cosigned_by,
            "failures": [{"witness": w, "reason": r} for w, r in self.failures],
            "accepted": self.accepted,
        }


@dataclass(frozen=True)
class WitnessedHead:
    """A head a witness holds for this log, as `verify` compares it with the recomputed tree."""

    witness: str
    tree_size: int
    root_hash: bytes
