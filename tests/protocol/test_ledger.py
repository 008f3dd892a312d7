"""The ledger: edits and deletions are caught with their sequence numbers; proofs verify and wrong ones fail.

It runs on the hub's own record tables in the test database (SQLite or PostgreSQL), as every component's log does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid, NotFound
from renkei.hub.models import HubRecord, HubRecordRoot
from renkei.protocol import ledger, merkle, signing
from renkei.protocol.ledger import InclusionProof, Ledger
from renkei.runtime import Runtime

KEY = signing.signing_key_from_seed(bytes(range(32)))
LOG: Ledger[HubRecord, HubRecordRoot] = Ledger(
    "test", HubRecord, HubRecordRoot, index_columns=("processing_number",), root_every=4
)


def body(n: int) -> dict[str, object]:
    return {"processing_number": f"{n:020d}", "result": "provided", "tm_code": "TM00000000000002"}


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.session("hub") as s:
        yield s


def filled(session: Session, n: int = 10) -> None:
    for i in range(1, n + 1):
        LOG.append(session, body(i), key=KEY)


def verify(session: Session) -> ledger.Report:
    return LOG.verify(session, public_key=signing.public_key_pem(KEY))


def test_an_untouched_log_verifies_and_heads_are_signed_periodically(session: Session) -> None:
    filled(session, 10)
    report = verify(session)
    assert report.ok and report.entries == 10
    assert sorted(session.scalars(sa.select(HubRecordRoot.tree_size))) == [4, 8]
    assert report.unsigned_tail == 2
    assert LOG.sign_root(session, key=KEY) is not None and LOG.sign_root(session, key=KEY) is None


def test_an_edited_entry_is_caught_with_its_sequence_number(session: Session) -> None:
    filled(session)
    session.execute(sa.update(HubRecord).where(HubRecord.seq == 6).values(body=body(99)))
    report = verify(session)
    assert report.bad_sequences == [6]


def test_an_edited_entry_whose_hash_was_recomputed_is_caught(session: Session) -> None:
    filled(session)
    entry = session.get(HubRecord, 3)
    assert entry is not None
    forged = {**entry.body, "result": "refused"}
    entry.body = forged
    entry.entry_hash = ledger.chain_hash(entry.prev_hash, 3, entry.recorded_at, forged)
    session.flush()
    assert verify(session).bad_sequences == [3]


def test_a_rewritten_chain_is_caught_by_the_signed_heads(session: Session) -> None:
    filled(session)
    prev = ledger.GENESIS
    for entry in session.scalars(sa.select(HubRecord).order_by(HubRecord.seq)):
        if entry.seq == 5:
            entry.body = {**entry.body, "result": "refused"}
        entry.prev_hash = prev
        entry.entry_hash = prev = ledger.chain_hash(prev, entry.seq, entry.recorded_at, entry.body)
    session.flush()
    report = verify(session)
    assert not report.ok and 5 in report.bad_sequences
    assert report.bad_sequences == [5, 6, 7, 8]  # between the last good head (4) and the first bad one (8)


def test_a_deleted_entry_is_caught_with_its_sequence_number(session: Session) -> None:
    filled(session)
    session.execute(sa.delete(HubRecord).where(HubRecord.seq == 7))
    assert verify(session).bad_sequences == [7]


def test_deleted_entries_at_the_end_are_caught_by_the_last_signed_head(session: Session) -> None:
    filled(session, 8)
    session.execute(sa.delete(HubRecord).where(HubRecord.seq >= 7))
    assert verify(session).bad_sequences == [7, 8]


def test_an_index_column_that_disagrees_with_the_entry_is_caught(session: Session) -> None:
    filled(session, 4)
    session.execute(sa.update(HubRecord).where(HubRecord.seq == 2).values(processing_number="x"))
    report = verify(session)
    assert report.bad_sequences == [2] and "processing_number" in report.problems[0].reason


def test_a_forged_tree_head_signature_is_caught(session: Session) -> None:
    filled(session, 4)
    session.execute(
        sa.update(HubRecordRoot).values(signature=signing.sign(signing.generate_signing_key(), b"x"))
    )
    report = verify(session)
    assert not report.ok and report.problems[0].tree_size == 4


def test_an_inclusion_proof_verifies_and_a_wrong_one_fails(session: Session) -> None:
    filled(session, 10)
    LOG.sign_root(session, key=KEY)
    proof = LOG.inclusion_proof(session, seq=7)
    assert proof.tree_size == 10
    public = signing.public_key_pem(KEY)
    ledger.verify_inclusion_proof(InclusionProof.from_dict(proof.as_dict()), public_key=public)

    wrong_body = InclusionProof.from_dict({**proof.as_dict(), "body": body(8)})
    wrong_path = InclusionProof.from_dict(
        {**proof.as_dict(), "path": [bytes(32).hex(), *proof.as_dict()["path"][1:]]}
    )
    wrong_seq = InclusionProof.from_dict({**proof.as_dict(), "seq": 8})
    for bad in (wrong_body, wrong_path, wrong_seq):
        with pytest.raises(Invalid):
            ledger.verify_inclusion_proof(bad, public_key=public)
    with pytest.raises(Invalid):
        ledger.verify_inclusion_proof(proof, public_key=signing.generate_signing_key().public_key())


def test_a_proof_needs_a_signed_head_covering_the_entry(session: Session) -> None:
    filled(session, 2)
    with pytest.raises(NotFound):
        LOG.inclusion_proof(session, seq=2)
    with pytest.raises(NotFound):
        LOG.inclusion_proof(session, seq=99)


def test_the_log_at_one_head_is_a_prefix_of_the_log_at_a_later_head(session: Session) -> None:
    filled(session, 10)
    heads = {h.tree_size: bytes(h.root_hash) for h in session.scalars(sa.select(HubRecordRoot))}
    proof = LOG.consistency_proof(session, first=4, second=8)
    assert merkle.verify_consistency(4, 8, heads[4], heads[8], proof)
    assert not merkle.verify_consistency(4, 8, hashlib.sha256(b"x").digest(), heads[8], proof)


def test_an_entry_is_hashed_over_the_same_bytes_as_its_canonical_form() -> None:
    """The append path builds an entry's bytes from the body's canonical JSON directly; they must be the
    canonical JSON of {"seq", "recorded_at", "body"} that verification recomputes."""
    import datetime as dt

    from renkei.protocol import signing
    from renkei.protocol.ledger.entries import entry_bytes, entry_bytes_of

    at = dt.datetime(2026, 12, 7, 10, 0, 0, 123456, tzinfo=dt.UTC)
    for body in ({}, {"a": "日本", "n": 12, "none": None, "l": [1, {"z": True}]}, {"processing_number": "1"}):
        fast = entry_bytes_of(signing.canonical_json(body), 42, signing.canonical_json(at.isoformat()))
        assert fast == entry_bytes(42, at, body)
