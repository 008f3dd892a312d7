"""Proofs from stored interior hashes: the same RFC 9162 proofs as from every leaf, at O(log n) reads.

It runs on the hub's record tables with their node table (decision 0097), on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid
from renkei.hub.models import HubRecord, HubRecordNode, HubRecordRoot
from renkei.protocol import merkle, signing
from renkei.protocol.ledger import InclusionProof, Ledger, verify_inclusion_proof
from renkei.runtime import Runtime

KEY = signing.signing_key_from_seed(bytes(range(32)))
PUBLIC = signing.public_key_pem(KEY)
STORED: Ledger[HubRecord, HubRecordRoot] = Ledger(
    "test",
    HubRecord,
    HubRecordRoot,
    index_columns=("processing_number",),
    root_every=7,
    node_model=HubRecordNode,
)
PLAIN: Ledger[HubRecord, HubRecordRoot] = Ledger(
    "test", HubRecord, HubRecordRoot, index_columns=("processing_number",), root_every=7
)


def ok(proof: InclusionProof) -> bool:
    try:
        verify_inclusion_proof(proof, public_key=PUBLIC)
    except Invalid:
        return False
    return True


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    with runtime.session("hub") as s:
        yield s


def fill(session: Session, first: int, last: int) -> None:
    STORED.append_many(
        session,
        [{"processing_number": f"{n:020d}", "result": "provided"} for n in range(first, last + 1)],
        key=KEY,
    )


def test_stored_hashes_give_the_same_proofs_as_every_leaf_at_every_head(session: Session) -> None:
    for last in (1, 2, 3, 9, 16, 17, 30, 37):
        fill(session, session.scalar(sa.select(sa.func.count()).select_from(HubRecord)) + 1, last)
        STORED.sign_root(session, key=KEY)
        seqs = list(range(1, last + 1))
        stored, plain = (
            STORED.inclusion_proofs(session, seqs=seqs),
            PLAIN.inclusion_proofs(session, seqs=seqs),
        )
        assert {s: p.path for s, p in stored.items()} == {s: p.path for s, p in plain.items()}
        assert all(ok(p) for p in stored.values())
        for first in range(1, last):
            assert STORED.consistency_proof(session, first=first, second=last) == PLAIN.consistency_proof(
                session, first=first, second=last
            )
    # an older head: its proofs read the same stored hashes
    assert ok(STORED.inclusion_proof(session, seq=5, tree_size=9))
    assert session.scalar(sa.select(sa.func.count()).select_from(HubRecordNode)) == 37 - (37).bit_count()


def test_a_node_table_that_lags_behind_its_log_is_rebuilt_at_the_next_head(session: Session) -> None:
    fill(session, 1, 20)
    STORED.sign_root(session, key=KEY)
    session.execute(
        sa.delete(HubRecordNode).where(HubRecordNode.position > 10)
    )  # e.g. a log older than the table
    fill(session, 21, 25)
    STORED.sign_root(session, key=KEY)
    assert session.scalar(sa.select(sa.func.count()).select_from(HubRecordNode)) == 25 - (25).bit_count()
    proofs = STORED.inclusion_proofs(session, seqs=list(range(1, 26)))
    assert all(ok(p) for p in proofs.values())


def test_a_forged_stored_hash_makes_the_proofs_through_it_fail(session: Session) -> None:
    fill(session, 1, 16)
    STORED.sign_root(session, key=KEY)
    session.execute(
        sa.update(HubRecordNode)
        .where(HubRecordNode.position == 2)  # the subtree of leaves 1 and 2 (level 1, index 0)
        .values(hash=merkle.leaf_hash(b"forged"))
    )
    proofs = STORED.inclusion_proofs(session, seqs=list(range(1, 17)))
    failing = sorted(s for s, p in proofs.items() if not ok(p))
    assert failing == [3, 4]  # the entries whose audit path holds that subtree


def test_a_proof_reads_a_logarithmic_number_of_stored_hashes(session: Session) -> None:
    fill(session, 1, 1000)
    STORED.sign_root(session, key=KEY)
    read: list[int] = []

    def count(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if "hub_record_node" in statement or "hub_record.seq IN" in statement.replace('"', ""):
            read.append(len(params) if isinstance(params, (list, tuple, dict)) else 1)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        proof = STORED.inclusion_proof(session, seq=500)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert ok(proof)
    assert len(proof.path) == 10 and sum(read) <= 2 * len(proof.path)
