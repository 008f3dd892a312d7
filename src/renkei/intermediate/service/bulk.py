"""Bulk 情報照会: every line of a request file as one batch (stored, sent, settled; see `queries`), then its
results, in file order, for the result file."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateQuery
from renkei.intermediate.schemas import QueryOutcome
from renkei.intermediate.service.queries import Line, Sessions, Submitted, outcome, poll_pending, submit
from renkei.protocol.hub import HubClient

BulkLine = Line
BulkSubmitted = Submitted


def submit_bulk_batched(
    sessions: Sessions,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    lines: Iterable[Line],
    batch: str | None = None,
) -> Submitted:
    """A bulk request as one batch (a new batch id unless one is given): bad lines and people without 符号
    are kept with their message; the rest go to the hub BATCH_LIMIT per signed call."""
    return submit(
        sessions, lg_code=lg_code, settings=settings, hub=hub, lines=lines, batch=batch or uuid.uuid4().hex
    )


def poll_bulk(
    sessions: Sessions,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    batch: str,
    grace: dt.timedelta = dt.timedelta(0),
) -> int:
    """Ask the hub for the batch's queries still pending after `grace`; returns how many are still pending."""
    return poll_pending(sessions, lg_code=lg_code, settings=settings, hub=hub, batch=batch, grace=grace)


def outcomes_of(
    session: Session, *, lg_code: str, ids: Sequence[int]
) -> Iterator[tuple[list[str], QueryOutcome]]:
    """The queries of these rows in the order given (a row named twice comes twice): raw request fields and
    where each stands, read a thousand at a time."""
    for start in range(0, len(ids), 1000):
        part = ids[start : start + 1000]
        rows = {
            r.id: r
            for r in session.scalars(
                sa.select(IntermediateQuery).where(
                    IntermediateQuery.lg_code == lg_code, IntermediateQuery.id.in_(set(part))
                )
            )
        }
        for row_id in part:
            row = rows[row_id]
            yield list(row.request.get("fields", [])), outcome(row)


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
