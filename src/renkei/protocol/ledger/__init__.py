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

from renkei.protocol.ledger.entries import (
    GENESIS,
    LedgerEntryMixin,
    LedgerRootMixin,
    chain_hash,
    entry_bytes,
    tree_head_payload,
)
from renkei.protocol.ledger.log import Ledger
from renkei.protocol.ledger.proofs import InclusionProof, Problem, Report, verify_inclusion_proof
from renkei.protocol.ledger.tree import LedgerNodeMixin
from renkei.protocol.ledger.witness import (
    LedgerCosignatureMixin,
    PublishResult,
    Witness,
    WitnessedHead,
    WitnessHeadMixin,
    WitnessSeenMixin,
    WitnessTarget,
)

__all__ = [
    "GENESIS",
    "InclusionProof",
    "Ledger",
    "LedgerCosignatureMixin",
    "LedgerEntryMixin",
    "LedgerNodeMixin",
    "LedgerRootMixin",
    "Problem",
    "PublishResult",
    "Report",
    "Witness",
    "WitnessHeadMixin",
    "WitnessSeenMixin",
    "WitnessTarget",
    "WitnessedHead",
    "chain_hash",
    "entry_bytes",
    "tree_head_payload",
    "verify_inclusion_proof",
]
