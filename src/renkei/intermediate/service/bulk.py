"""Bulk 情報照会: every line of a request file submitted under one batch id, then polled into result lines."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, RenkeiError
from renkei.core.ids import validate_agency_code, validate_jm, validate_jt, validate_tm
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateQuery
from renkei.intermediate.schemas import QueryOutcome, QueryRequest
from renkei.intermediate.service import people, records
from renkei.intermediate.service.node import node_keys
from renkei.intermediate.service.queries import (
    ERROR,
    PENDING,
    QUEUED,
    REFUSED,
    outcome,
    poll_query,
    submit_query,
)
from renkei.intermediate.service.signs import sign_of
from renkei.protocol import messages
from renkei.protocol.hub import HubClient


@dataclass(slots=True)
class BulkLine:
    """A parsed request line (raw fields kept to echo them into the result file) or the error that line had."""

    fields: list[str]
    request: QueryRequest | None
    error: Invalid | None = None


@dataclass(slots=True)
class BulkSubmitted:
    batch: str
    submitted: int
    refused: int
    errors: int


def submit_bulk(
    session: Session, *, lg_code: str, settings: Settings, hub: HubClient, lines: Iterable[BulkLine]
) -> BulkSubmitted:
    """Submit every good line; bad lines and people without 符号 are kept with their message for the result."""
    batch = uuid.uuid4().hex
    submitted = refused = errors = 0
    for line in lines:
        if line.request is None:
            errors += 1
            session.add(
                IntermediateQuery(
                    lg_code=lg_code,
                    batch=batch,
                    source=(line.error.record or "") if line.error else "",
                    jm_code="",
                    jt_code="",
                    provider="",
                    tm_code="",
                    request={"fields": line.fields},
                    status=ERROR,
                    message=str(line.error) if line.error else "",
                    requested_at=clock.now(),
                )
            )
            continue
        result = submit_query(
            session,
            lg_code=lg_code,
            settings=settings,
            hub=hub,
            request=line.request,
            batch=batch,
            raw_fields=line.fields,
        )
        if result.status == PENDING:
            submitted += 1
        elif result.status == ERROR:
            errors += 1
        else:
            refused += 1
    session.flush()
    return BulkSubmitted(batch, submitted, refused, errors)


def poll_bulk(session: Session, *, lg_code: str, settings: Settings, hub: HubClient, batch: str) -> int:
    """Poll every pending query of the batch once; returns how many are still pending."""
    pending = list(
        session.scalars(
            sa.select(IntermediateQuery.process_number).where(
                IntermediateQuery.lg_code == lg_code,
                IntermediateQuery.batch == batch,
                IntermediateQuery.status == PENDING,
            )
        )
    )
    still = 0
    keys: dict[str, str] = {}
    for number in pending:
        assert number is not None
        result = poll_query(
            session, lg_code=lg_code, settings=settings, hub=hub, process_number=number, provider_keys=keys
        )
        still += result.status == PENDING
    return still


def bulk_outcomes(session: Session, *, lg_code: str, batch: str) -> Iterator[tuple[list[str], QueryOutcome]]:
    """Each line of the batch in file order: its raw request fields and where it stands."""
    rows = session.scalars(
        sa.select(IntermediateQuery)
        .where(IntermediateQuery.lg_code == lg_code, IntermediateQuery.batch == batch)
        .order_by(IntermediateQuery.id)
        .execution_options(yield_per=1000)
    )
    for row in rows:
        yield list(row.request.get("fields", [])), outcome(row)


# --- batched submission: store, send in batches outside any transaction, settle ----------------------------
@dataclass(slots=True)
class Prepared:
    """A batch stored and signed, ready to send: the rows' ids and their signed requests, in file order."""

    batch: str
    row_ids: list[int]
    signed: list[messages.QueryRequest]
    errors: int


def prepare_bulk(
    session: Session, *, lg_code: str, settings: Settings, lines: Iterable[BulkLine]
) -> Prepared:
    """Store every line of a bulk request (bad lines and people without 符号 with their message, as the result
    file reports them) and sign a hub request for each good one; nothing is sent yet."""
    batch = uuid.uuid4().hex
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    row_ids: list[int] = []
    signed: list[messages.QueryRequest] = []
    errors = 0
    pending_rows: list[tuple[IntermediateQuery, messages.QueryRequest]] = []
    for line in lines:
        row = IntermediateQuery(
            lg_code=lg_code,
            batch=batch,
            source="",
            jm_code="",
            jt_code="",
            provider="",
            tm_code="",
            request={"fields": line.fields},
            status=ERROR,
            message="",
            requested_at=clock.now(),
        )
        session.add(row)
        if line.request is None:
            errors += 1
            row.source = (line.error.record or "") if line.error else ""
            row.message = str(line.error) if line.error else ""
            continue
        request = line.request
        row.source, row.atena, row.system = request.source[:200], request.atena, request.system
        row.jm_code, row.jt_code, row.provider, row.tm_code = (
            request.jm_code,
            request.jt_code,
            request.provider,
            request.tm_code,
        )
        try:
            validate_jm(request.jm_code)
            validate_jt(request.jt_code)
            validate_tm(request.tm_code)
            validate_agency_code(request.provider, field="情報提供者機関コード")
            row.integrated_number = people.integrated_number_for(
                session,
                integrated_number=request.integrated_number,
                system=request.system,
                atena=request.atena,
            )
            sign = sign_of(session, lg_code=lg_code, integrated_number=row.integrated_number)
        except RenkeiError as error:
            errors += 1
            row.message = error.message
            continue
        message = messages.QueryRequest(
            request_id=uuid.uuid4().hex,
            requester_agency_code=keys.agency_code,
            requester_sign=sign,
            jimu_code=request.jm_code,
            procedure_code=request.jt_code,
            provider_agency_code=request.provider,
            tm_code=request.tm_code,
            period_from=request.date_from,
            period_to=request.date_to,
            non_disclosure=request.nondisclosure == "2",  # decision 0041
            requested_at=row.requested_at,
        ).signed(keys.signing_key)
        row.status = QUEUED
        row.request = {"fields": line.fields, "user_id": request.user_id, "request_id": message.request_id}
        pending_rows.append((row, message))
    session.flush()
    for row, message in pending_rows:
        row_ids.append(row.id)
        signed.append(message)
    return Prepared(batch, row_ids, signed, errors)


def send_prepared(hub: HubClient, prepared: Prepared) -> list[messages.QueryAccepted]:
    """Send the signed requests to the hub, BATCH_LIMIT per call; touches no database. A retry after a failure
    sends the same request ids, which the hub answers with the 処理通番 it gave the first time."""
    accepted: list[messages.QueryAccepted] = []
    for start in range(0, len(prepared.signed), messages.BATCH_LIMIT):
        accepted += hub.submit_queries(prepared.signed[start : start + messages.BATCH_LIMIT])
    return accepted


def settle_bulk(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    prepared: Prepared,
    accepted: list[messages.QueryAccepted],
) -> BulkSubmitted:
    """Record the hub's 処理通番 on each queued row; refusals are closed and recorded at once."""
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    rows = {
        row.id: row
        for start in range(0, len(prepared.row_ids), 500)
        for row in session.scalars(
            sa.select(IntermediateQuery).where(
                IntermediateQuery.id.in_(prepared.row_ids[start : start + 500])
            )
        )
    }
    submitted = refused = 0
    for row_id, answer in zip(prepared.row_ids, accepted, strict=True):
        row = rows[row_id]
        row.process_number = answer.processing_number
        if answer.status == "pending":
            row.status = PENDING
            submitted += 1
            continue
        row.status, row.message = REFUSED, answer.refusal_reason or ""
        row.answered_at = answer.accepted_at
        session.flush()
        records.record_query(session, query=row, requester=keys.agency_code, key=keys.signing_key)
        refused += 1
    session.flush()
    return BulkSubmitted(prepared.batch, submitted, refused, prepared.errors)


def submit_bulk_batched(
    sessions: Callable[[], AbstractContextManager[Session]],
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    lines: Iterable[BulkLine],
) -> BulkSubmitted:
    """A bulk request in three steps, each its own transaction or none: store and sign; send in batches with no
    transaction open (CONVENTIONS §18); record the 処理通番. `sessions` opens one transaction on this node."""
    with sessions() as session:
        prepared = prepare_bulk(session, lg_code=lg_code, settings=settings, lines=lines)
    accepted = send_prepared(hub, prepared) if prepared.signed else []
    with sessions() as session:
        return settle_bulk(session, lg_code=lg_code, settings=settings, prepared=prepared, accepted=accepted)
