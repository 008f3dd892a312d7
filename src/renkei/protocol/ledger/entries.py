"""Ledger tables (mixins a component puts on its own tables) and the hashes that chain and sign its entries."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from renkei.core.db import UTCDateTime
from renkei.protocol import signing

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


def entry_bytes_of(body_json: bytes, seq: int, recorded_at_json: bytes) -> bytes:
    """`entry_bytes` from the body's canonical JSON as it is (no second serialisation): the canonical object
    {"body", "recorded_at", "seq"}, whose keys sort in that order."""
    return (
        b'{"body":'
        + body_json
        + b',"recorded_at":'
        + recorded_at_json
        + b',"seq":'
        + str(seq).encode()
        + b"}"
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
