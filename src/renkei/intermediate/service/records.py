"""The municipality's 情報提供等記録: requester- and provider-side entries in a tamper-evident log.

Every entry carries what 番号法第23条 asks — 情報照会者, 情報提供者, 事務, 特定個人情報名, request and provision
times, the result — plus the 処理通番 that ties it to the hub's and the other side's entries. Never a My Number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import NotFound
from renkei.intermediate.models import (
    IntermediateNode,
    IntermediateRecord,
    IntermediateRecordCosignature,
    IntermediateRecordNode,
    IntermediateRecordRoot,
)
from renkei.protocol import signing
from renkei.protocol.ledger import InclusionProof, Ledger, Report

LOG_ID = "intermediate"
RECORDS: Ledger[IntermediateRecord, IntermediateRecordRoot] = Ledger(
    LOG_ID,
    IntermediateRecord,
    IntermediateRecordRoot,
    index_columns=("lg_code", "processing_number", "integrated_number"),
    cosignature_model=IntermediateRecordCosignature,
    node_model=IntermediateRecordNode,
)

RESULT_NAMES = {
    "answered": "回答あり",
    "provided": "提供済み",
    "not_found": "該当なし",
    "withheld": "不開示",
    "refused": "照会不許可",
    "pending": "照会中",
}


def append(
    session: Session, bodies: list[dict[str, Any]], key: signing.Ed25519PrivateKey | None
) -> list[int]:
    """Append records in one grouped append; the head is signed once when the transaction commits."""
    return RECORDS.append_many(session, bodies, key=key)


def query_body(query: Mapping[str, Any], *, requester: str) -> dict[str, Any]:
    """The requester's record of one query whose outcome is known (answered or refused), from its columns."""
    answer = query["answer"] or {}
    status = query["status"]
    result = answer.get("status", status) if status == "answered" else status
    answered_at = query["answered_at"]
    return {
        "lg_code": query["lg_code"],
        "role": "requester",
        "processing_number": query["process_number"],
        "integrated_number": query["integrated_number"],
        "requester": requester,
        "provider": query["provider"],
        "jm_code": query["jm_code"],
        "jt_code": query["jt_code"],
        "tm_code": query["tm_code"],
        "requested_at": query["requested_at"].isoformat(),
        "provided_at": answered_at.isoformat() if answered_at else None,
        "result": result,
        "message": query["message"],
    }


def provision_body(provision: Mapping[str, Any], *, provider: str) -> dict[str, Any]:
    """The provider's record of one answer (provided, not found, withheld), from the provision's columns."""
    return {
        "lg_code": provision["lg_code"],
        "role": "provider",
        "processing_number": provision["process_number"],
        "integrated_number": provision["integrated_number"],
        "requester": provision["requester"],
        "requester_name": provision["requester_name"],
        "provider": provider,
        "jm_code": provision["jm_code"],
        "jt_code": provision["jt_code"],
        "tm_code": provision["tm_code"],
        "requested_at": provision["requested_at"].isoformat(),
        "provided_at": provision["provided_at"].isoformat(),
        "result": provision["status"],
        "message": provision["message"],
        "copy_records": provision["copy_records"],
    }


def list_records(
    session: Session,
    *,
    lg_code: str,
    processing_number: str | None = None,
    integrated_number: str | None = None,
    limit: int = 200,
) -> list[IntermediateRecord]:
    query = sa.select(IntermediateRecord).where(IntermediateRecord.lg_code == lg_code)
    if processing_number is not None:
        query = query.where(IntermediateRecord.processing_number == processing_number)
    if integrated_number is not None:
        query = query.where(IntermediateRecord.integrated_number == integrated_number)
    return list(session.scalars(query.order_by(IntermediateRecord.seq.desc()).limit(limit)))


def sign_records(session: Session, *, key: signing.Ed25519PrivateKey) -> None:
    RECORDS.sign_root(session, key=key)


def verify_records(session: Session) -> list[tuple[str, Report]]:
    """Verify the log of this database against each hosted municipality's signing key (one report per key)."""
    nodes = list(session.scalars(sa.select(IntermediateNode)))
    if not nodes:
        count = session.scalar(sa.select(sa.func.count()).select_from(IntermediateRecord)) or 0
        if not count:
            return []
        raise NotFound("記録はありますが、署名鍵を持つ機関が登録されていません", record=LOG_ID)
    return [(node.lg_code, RECORDS.verify(session, public_key=node.signing_public_pem)) for node in nodes]


def inclusion_proof(session: Session, *, seq: int, key: signing.Ed25519PrivateKey) -> InclusionProof:
    """Proof that record `seq` is in the log, against a signed head (signed now if none covers it yet)."""
    latest = RECORDS.latest_root(session)
    if latest is None or latest.tree_size < seq:
        RECORDS.sign_root(session, key=key)
    return RECORDS.inclusion_proof(session, seq=seq)
