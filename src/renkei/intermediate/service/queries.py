"""情報照会: 宛名番号 → 統合宛名番号 → 符号, a signed request to the hub, then polling by 処理通番 (ARCHITECTURE §5)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound, RenkeiError
from renkei.core.ids import validate_agency_code, validate_jm, validate_jt, validate_tm
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateQuery
from renkei.intermediate.schemas import (
    DETAIL_ERROR,
    DETAIL_OK,
    DETAIL_PENDING,
    TM_NO_DATA,
    TM_NONE,
    TM_OK,
    TM_REFUSED,
    QueryOutcome,
    QueryRequest,
)
from renkei.intermediate.service import people, records
from renkei.intermediate.service.node import NodeKeys, node_keys
from renkei.intermediate.service.signs import sign_of
from renkei.protocol import messages
from renkei.protocol.answers import open_answer
from renkei.protocol.hub import HubClient

PENDING, ANSWERED, REFUSED, ERROR = "pending", "answered", "refused", "error"
QUEUED = "queued"  # signed and stored, not yet accepted by the hub (bulk: sent in batches after commit)
# Providers' signing keys as the hub published them (機関コード → PEM), kept for the process.
_PROVIDER_KEYS: dict[str, str] = {}


def _row_for(session: Session, lg_code: str, request: QueryRequest, batch: str | None) -> IntermediateQuery:
    return IntermediateQuery(
        lg_code=lg_code,
        batch=batch,
        source=request.source[:200],
        atena=request.atena,
        system=request.system,
        integrated_number=request.integrated_number,
        jm_code=request.jm_code,
        jt_code=request.jt_code,
        provider=request.provider,
        tm_code=request.tm_code,
        request={},
        status=ERROR,
        message="",
        requested_at=clock.now(),
    )


def submit_query(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    request: QueryRequest,
    batch: str | None = None,
    raw_fields: list[str] | None = None,
) -> QueryOutcome:
    """Submit one query. A person without a 統合宛名番号 or 符号 raises (single) — in a batch the line is kept
    with the error, as the real result file reports it. Returns at once with the hub's 処理通番."""
    validate_jm(request.jm_code)
    validate_jt(request.jt_code)
    validate_tm(request.tm_code)
    validate_agency_code(request.provider, field="情報提供者機関コード")
    if request.client_request_id:
        earlier = session.scalar(
            sa.select(IntermediateQuery).where(
                IntermediateQuery.lg_code == lg_code,
                IntermediateQuery.client_request_id == request.client_request_id,
            )
        )
        if earlier is not None:  # a business system's retry: the first query, never a second one
            return outcome(earlier)
    row = _row_for(session, lg_code, request, batch)
    row.client_request_id = request.client_request_id
    row.request = {"fields": raw_fields or [], "department": request.department, "user_id": request.user_id}
    try:
        integrated = people.integrated_number_for(
            session, integrated_number=request.integrated_number, system=request.system, atena=request.atena
        )
        row.integrated_number = integrated
        sign = sign_of(session, lg_code=lg_code, integrated_number=integrated)
    except RenkeiError as error:
        if batch is None:
            raise
        row.message = error.message
        session.add(row)
        session.flush()
        return outcome(row)
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    signed = messages.QueryRequest(
        request_id=uuid.uuid4().hex,
        requester_agency_code=keys.agency_code,
        requester_sign=sign,
        jimu_code=request.jm_code,
        procedure_code=request.jt_code,
        provider_agency_code=request.provider,
        tm_code=request.tm_code,
        period_from=request.date_from,
        period_to=request.date_to,
        non_disclosure=request.nondisclosure
        == "2",  # "1", what real files carry, is read as 開示 (decision 0041)
        non_disclosure_until=request.nondisclosure_until if request.nondisclosure == "2" else None,
        requested_at=row.requested_at,
    ).signed(keys.signing_key)
    accepted = hub.submit_query(signed)
    row.process_number = accepted.processing_number
    row.status = PENDING if accepted.status == "pending" else REFUSED
    row.message = accepted.refusal_reason or ""
    session.add(row)
    session.flush()
    if row.status == REFUSED:
        row.answered_at = accepted.accepted_at
        records.record_query(session, query=row, requester=keys.agency_code, key=keys.signing_key)
    return outcome(row)


def poll_query(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    process_number: str,
    provider_keys: dict[str, str] | None = None,
) -> QueryOutcome:
    """Fetch the result of a query by 処理通番; an answer is opened, its signature checked, and recorded once."""
    row = session.scalar(
        sa.select(IntermediateQuery).where(
            IntermediateQuery.lg_code == lg_code, IntermediateQuery.process_number == process_number
        )
    )
    if row is None:
        raise NotFound(
            f"処理通番「{process_number}」の照会はありません", record=process_number, field="処理通番"
        )
    if row.status != PENDING:
        return outcome(row)
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    result = hub.poll(
        messages.PollRequest(
            processing_number=process_number, requester_agency_code=keys.agency_code, requested_at=clock.now()
        ).signed(keys.signing_key)
    )
    _apply(session, row, result, keys=keys, hub=hub, provider_keys=provider_keys)
    return outcome(row)


def accept_results(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    results: list[messages.PollResult],
) -> int:
    """Results the hub pushed: each pending query they close is opened, checked and recorded once (a result
    for a query already closed, or another agency's, changes nothing). Returns how many were taken."""
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    numbers = [r.processing_number for r in results if r.requester_agency_code == keys.agency_code]
    if not numbers:
        return 0
    rows = {
        row.process_number: row
        for row in session.scalars(
            sa.select(IntermediateQuery).where(
                IntermediateQuery.lg_code == lg_code, IntermediateQuery.process_number.in_(numbers)
            )
        )
    }
    taken = 0
    for result in results:
        row = rows.get(result.processing_number)
        if row is None or row.status != PENDING or result.status == "pending":
            continue
        _apply(session, row, result, keys=keys, hub=hub, provider_keys=None)
        taken += 1
    return taken


def _apply(
    session: Session,
    row: IntermediateQuery,
    result: messages.PollResult,
    *,
    keys: NodeKeys,
    hub: HubClient,
    provider_keys: dict[str, str] | None,
) -> None:
    """Close a pending query with the hub's result: open the sealed answer, check its signature, record."""
    if result.status == "pending":
        return
    # The hub's push and a business system's poll may close the same query at once: only one records it. On
    # PostgreSQL the row lock decides; a served SQLite node runs one transaction at a time anyway. The log's
    # append lock comes first, before any row lock, so a push and a bulk poll cannot deadlock each other.
    records.RECORDS.lock(session)
    current = session.scalar(
        sa.select(IntermediateQuery.status)
        .where(IntermediateQuery.id == row.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if current != PENDING:
        session.refresh(row)
        return
    row.answered_at = result.answered_at or clock.now()
    if result.status == "refused" or result.answer is None:
        row.status = REFUSED
        row.message = result.refusal_reason or "照会は拒否されました"
    else:
        cache = provider_keys if provider_keys is not None else _PROVIDER_KEYS
        public = cache.get(row.provider)
        if public is None:
            public = cache[row.provider] = hub.agency(row.provider).signing_public_key
        try:
            payload = open_answer(
                result.answer,
                requester_agency_code=keys.agency_code,
                sealing_key=keys.sealing_key,
                provider_signing_public_key=public,
            )
        except Invalid:
            # The provider may have registered a new key since it was cached: ask the hub once more.
            public = cache[row.provider] = hub.agency(row.provider).signing_public_key
            payload = open_answer(
                result.answer,
                requester_agency_code=keys.agency_code,
                sealing_key=keys.sealing_key,
                provider_signing_public_key=public,
            )
        row.status = ANSWERED
        row.message = result.answer.message
        row.answered_at = result.answer.provided_at
        row.answer = {
            "status": result.answer.status,
            "copies": [c.model_dump(mode="json") for c in payload.copies] if payload else [],
        }
    session.flush()
    records.record_query(session, query=row, requester=keys.agency_code, key=keys.signing_key)


def outcome(row: IntermediateQuery) -> QueryOutcome:
    answer: dict[str, Any] = row.answer or {}
    copies: list[dict[str, Any]] = list(answer.get("copies", []))
    if row.status == ANSWERED:
        detail, tm = DETAIL_OK, (TM_OK if copies else TM_NO_DATA)
    elif row.status in (PENDING, QUEUED):
        detail, tm = DETAIL_PENDING, TM_NONE
    elif row.status == REFUSED:
        detail, tm = DETAIL_ERROR, TM_REFUSED
    else:
        detail, tm = DETAIL_ERROR, TM_NONE
    return QueryOutcome(
        query_id=row.id,
        process_number=row.process_number,
        status=row.status,
        message=row.message,
        detail_status=detail,
        tm_status=tm,
        integrated_number=row.integrated_number,
        atena=row.atena,
        provider=row.provider,
        tm_code=row.tm_code,
        requested_at=row.requested_at,
        answered_at=row.answered_at,
        copies=copies,
        source=row.source,
    )


def recent_queries(session: Session, *, lg_code: str, limit: int = 50) -> list[QueryOutcome]:
    rows = session.scalars(
        sa.select(IntermediateQuery)
        .where(IntermediateQuery.lg_code == lg_code)
        .order_by(IntermediateQuery.id.desc())
        .limit(limit)
    )
    return [outcome(r) for r in rows]


def find_query(session: Session, *, lg_code: str, process_number: str) -> QueryOutcome:
    row = session.scalar(
        sa.select(IntermediateQuery).where(
            IntermediateQuery.lg_code == lg_code, IntermediateQuery.process_number == process_number
        )
    )
    if row is None:
        raise NotFound(
            f"処理通番「{process_number}」の照会はありません", record=process_number, field="処理通番"
        )
    return outcome(row)
