"""core.bulk: driver-level inserts and set-based lookups, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from renkei.core.bulk import insert_rows, select_in
from renkei.intermediate.models import IntermediateCopy
from renkei.runtime import Runtime

LG, OTHER = "131016", "131121"
_TABLE: sa.Table = IntermediateCopy.__table__  # type: ignore[assignment]
_COLUMNS = (
    "lg_code",
    "record_id",
    "segment",
    "integrated_number",
    "tm_code",
    "dataset_no",
    "dataset_record_key",
    "version",
    "data",
    "content_hash",
    "registered_at",
    "superseded_at",
)


def test_lookups_honour_equal_and_null_conditions_over_many_values(runtime: Runtime) -> None:
    now = dt.datetime(2026, 1, 5, 1, 2, 3, tzinfo=dt.UTC)
    rows = [
        (
            lg,
            f"R{lg}{i:05d}",
            "1",
            f"{i:015d}",
            "TM1",
            "0101",
            "2025",
            "0001",
            '{"items": {}}',
            "h",
            now,
            now if i % 3 == 0 else None,
        )
        for lg in (LG, OTHER)
        for i in range(1200)
    ]
    with runtime.municipal_session(LG) as session:
        insert_rows(session, _TABLE, _COLUMNS, rows)
    wanted = [f"{i:015d}" for i in range(0, 1200, 2)] + ["999999999999999"]
    with runtime.municipal_session(LG) as session:
        found = select_in(
            session,
            _TABLE,
            ("integrated_number", "lg_code"),
            "integrated_number",
            wanted,
            equal={"lg_code": LG},
            null=("superseded_at",),
        )
        assert {lg for _, lg in found} == {LG}
        assert sorted(n for n, _ in found) == [f"{i:015d}" for i in range(0, 1200, 2) if i % 3]
        assert select_in(session, _TABLE, ("id",), "record_id", []) == []
        (stamp,) = session.scalars(sa.select(IntermediateCopy.registered_at).limit(1))
        assert stamp == now


def test_sealing_never_repeats_a_nonce_also_across_a_fork() -> None:
    import os

    from renkei.core.crypto import NONCE_BYTES, Sealer

    sealer = Sealer(b"k" * 32)
    nonces = {sealer.encrypt(b"x")[1 : 1 + NONCE_BYTES] for _ in range(3000)}
    assert len(nonces) == 3000
    assert sealer.decrypt(sealer.encrypt(b"secret", b"aad"), b"aad") == b"secret"
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child's next nonce must not be the one the parent's buffer holds next
        os.write(write, sealer.encrypt(b"x")[1 : 1 + NONCE_BYTES])
        os._exit(0)
    os.waitpid(child, 0)
    in_child = os.read(read, NONCE_BYTES)
    assert in_child != sealer.encrypt(b"x")[1 : 1 + NONCE_BYTES]
