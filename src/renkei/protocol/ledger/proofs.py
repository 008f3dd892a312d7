"""What verification reports (problems by sequence number) and inclusion proofs a third party can check alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from renkei.core.errors import Invalid
from renkei.protocol import merkle, signing
from renkei.protocol.ledger.entries import chain_hash, tree_head_payload


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
    witnessed: int = 0
    archived: int = 0
    consistency_proofs: int = 0
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
