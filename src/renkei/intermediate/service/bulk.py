"""Bulk 情報照会: every line of a request file submitted under one batch id, then polled into result lines."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateQuery
from renkei.intermediate.schemas import QueryOutcome, QueryRequest
from renkei.intermediate.service.queries import ERROR, PENDING, outcome, poll_query, submit_query
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
