"""Delivery of accepted queries to their providers, in batches, and of the results to the requesters.

One delivery model for every way of running the hub (CONVENTIONS §17–18), `deliver_round`:

1. claim: one short transaction leases up to BATCH_LIMIT due queries with one statement (the due rows are
   selected FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share the work and none takes a query
   another holds);
2. send: one `ForwardedBatch`, signed once by the hub, per provider, with no transaction open;
3. settle: a second short transaction checks every answer (one Ed25519 verification per provider batch, the
   rest by Merkle path), closes the queries and records them with one grouped append to the hub's log;
4. push: the results go to each requester node in batches; a push that fails is retried by later rounds with
   back-off, and the requester's poll stays the fallback.

A query is delivered at least once and answered at most once: a worker that dies between claim and settle
leaves its queries leased; when the lease runs out they are due again, and the provider answers a 処理通番 it
has answered with the same answer.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, RenkeiError, Unavailable
from renkei.core.settings import Settings
from renkei.hub import signs
from renkei.hub.accept import QUERIES, record_body
from renkei.hub.models import RECORDS, HubAgency, HubQuery
from renkei.hub.schemas import DeliveryReport
from renkei.protocol.api import split_endpoint
from renkei.protocol.messages import (
    BATCH_LIMIT,
    ForwardedBatch,
    ForwardedItem,
    PollResult,
    ProvidedAnswer,
    ProvidedBatch,
    RequesterKey,
    ResultBatch,
)
from renkei.protocol.transport import HttpTransport, Transport

MAX_BACKOFF = dt.timedelta(minutes=5)
# Longer than any provider call may take (the HTTP timeout is 30 s), so a lease never lapses mid-delivery.
LEASE = dt.timedelta(seconds=90)
log = logging.getLogger("renkei.hub.delivery")
_http: dict[tuple[str, int], HttpTransport] = {}
_http_lock = threading.Lock()
Sessions = Callable[[], AbstractContextManager[Session]]


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … capped at 5 minutes: a node that is down is retried, never given up on."""
    return min(dt.timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def route(endpoint: str, transport: Transport) -> tuple[Transport, str]:
    """A registered endpoint is a service name (through the process transport) or a node's URL
    ``{base}/node/v1/{lg_code}`` (`renkei.protocol.api.node_endpoint`), reached over one keep-alive pool per
    (base URL, TLS context) with the process's TLS context. The pool is the endpoint's own: an agency's
    registration never redirects calls meant for another."""
    split = split_endpoint(endpoint)
    if split is None:
        return transport, endpoint
    base, service = split
    tls = getattr(transport, "tls", None)
    with _http_lock:
        client = _http.get((base, id(tls)))
        if client is None:
            client = _http[(base, id(tls))] = HttpTransport({}, tls=tls)
        client.add_endpoint(service, base)
    return client, service


@dataclass(frozen=True)
class Claim:
    """A query leased for delivery: what to send, where, and what settling it needs. Stays in the hub."""

    query_id: int
    attempts: int
    provider_code: str
    endpoint: str
    requester_name: str
    requester_sealing_key: str
    person_ref: str | None
    item: ForwardedItem
    withholding: tuple[bool, dt.date | None] = (False, None)  # 不開示 and until when (the hub's record only)

    @property
    def processing_number(self) -> str:
        return self.item.processing_number


@dataclass(frozen=True)
class Sent:
    """What came back from the provider for one query: its answer, or why there was none."""

    answer: ProvidedAnswer | None = None
    unavailable: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Push:
    """A closed query's result, to be pushed to the requester's node."""

    query_id: int
    endpoint: str
    result: PollResult
    attempts: int = 0


_CLAIMED = (
    "id",
    "attempts",
    "processing_number",
    "requester_code",
    "provider_code",
    "provider_sign",
    "person_ref",
    "jimu_code",
    "procedure_code",
    "tm_code",
    "period_from",
    "period_to",
    "requested_at",
    "non_disclosure",
    "non_disclosure_until",
)


def _agencies(session: Session, codes: Iterable[str]) -> dict[str, HubAgency]:
    wanted = set(codes)
    if not wanted:
        return {}
    return {
        a.agency_code: a
        for a in session.scalars(sa.select(HubAgency).where(HubAgency.agency_code.in_(wanted)))
    }


def claim_due(
    session: Session,
    *,
    settings: Settings,
    limit: int = BATCH_LIMIT,
    lease: dt.timedelta = LEASE,
    processing_numbers: list[str] | None = None,
) -> list[Claim]:
    """Lease the queries that are due (oldest first; only these 処理通番 when given) with one statement."""
    now = clock.now()
    q = QUERIES.c
    due = (
        sa.select(q.id)
        .where(q.status == "pending", q.next_attempt_at <= now)
        .order_by(q.next_attempt_at, q.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if processing_numbers is not None:
        due = due.where(q.processing_number.in_(processing_numbers))
    rows = sorted(
        session.execute(
            sa.update(QUERIES)
            .where(q.id.in_(due.scalar_subquery()), q.status == "pending", q.next_attempt_at <= now)
            .values(next_attempt_at=now + lease)
            .returning(*(q[c] for c in _CLAIMED))
        ).all(),
        key=lambda r: int(r.id),
    )
    if not rows:
        return []
    agencies = _agencies(session, [r.requester_code for r in rows] + [r.provider_code for r in rows])
    claims: list[Claim] = []
    gone: list[Any] = []
    for row in rows:
        requester, provider = agencies.get(row.requester_code), agencies.get(row.provider_code)
        if requester is None or provider is None or row.provider_sign is None:
            gone.append(row)
            continue
        item = ForwardedItem.model_construct(
            processing_number=row.processing_number,
            provider_sign=row.provider_sign,
            jimu_code=row.jimu_code,
            procedure_code=row.procedure_code,
            tm_code=row.tm_code,
            period_from=row.period_from,
            period_to=row.period_to,
            requester_agency_code=row.requester_code,
            requested_at=row.requested_at,
        )
        claims.append(
            Claim(
                query_id=row.id,
                attempts=row.attempts,
                provider_code=provider.agency_code,
                endpoint=provider.endpoint,
                requester_name=requester.name,
                requester_sealing_key=requester.sealing_public_key,
                person_ref=row.person_ref,
                item=item,
                withholding=(bool(row.non_disclosure), row.non_disclosure_until),
            )
        )
    if gone:  # an agency was removed while its query waited: refused here, never sent
        _close(
            session,
            [(dict(row._mapping), "refused", "機関の登録が抹消されました。", None, None) for row in gone],
            agencies=agencies,
            settings=settings,
        )
    return claims


def send_batch(claims: list[Claim], *, transport: Transport, settings: Settings) -> list[Sent]:
    """Forward claimed queries: one hub-signed "provide_batch" per provider (touches no database).

    A provider that cannot be reached leaves its queries for a retry; an error of the whole call is every one
    of its queries' error; an error of one query is that query's, the others are answered.
    """
    key = signs.hub_keys(settings).signing
    sent: list[Sent | None] = [None] * len(claims)
    by_provider: dict[tuple[str, str], list[int]] = {}
    for i, claim in enumerate(claims):
        by_provider.setdefault((claim.endpoint, claim.provider_code), []).append(i)
    for (endpoint, provider_code), indexes in by_provider.items():
        for start in range(0, len(indexes), BATCH_LIMIT):
            part = indexes[start : start + BATCH_LIMIT]
            batch = ForwardedBatch(
                provider_agency_code=provider_code,
                sent_at=clock.now(),
                requesters={
                    claims[i].item.requester_agency_code: RequesterKey(
                        name=claims[i].requester_name, sealing_public_key=claims[i].requester_sealing_key
                    )
                    for i in part
                },
                queries=[claims[i].item for i in part],
            ).signed(key)
            try:
                target, service = route(endpoint, transport)
                answer = ProvidedBatch.model_validate(
                    target.call(service, "provide_batch", batch.model_dump(mode="json"))
                )
            except Unavailable as exc:
                for i in part:
                    sent[i] = Sent(unavailable=exc.message)
                continue
            except (RenkeiError, ValidationError) as exc:
                message = exc.message if isinstance(exc, RenkeiError) else "不正な一括回答"
                for i in part:
                    sent[i] = Sent(error=message)
                continue
            results = {r.processing_number: r for r in answer.results}
            for i in part:
                result = results.get(claims[i].processing_number)
                if result is None:
                    sent[i] = Sent(unavailable="一括回答にこの処理通番がありません")
                elif result.error is not None:
                    if result.error.error == Unavailable.code:
                        sent[i] = Sent(unavailable=result.error.message)
                    else:
                        sent[i] = Sent(error=result.error.message)
                elif result.answer is None:
                    sent[i] = Sent(unavailable="一括回答に回答がありません")
                else:
                    sent[i] = Sent(answer=result.answer)
    return [s if s is not None else Sent(unavailable="未送信") for s in sent]


# (query row, status, refusal reason or message, provided_at, answer)
_Close = tuple[dict[str, Any], str, str | None, dt.datetime | None, ProvidedAnswer | None]


def _close(
    session: Session, closes: list[_Close], *, agencies: dict[str, HubAgency], settings: Settings
) -> list[int]:
    """Close queries (answered or refused) and write the hub's records of them in one grouped append."""
    if not closes:
        return []
    now = clock.now()
    bodies = []
    for row, _status, text, provided_at, answer in closes:
        result = answer.status if answer is not None else "refused"
        bodies.append(
            record_body(
                row,
                agencies,
                result=result,
                message=text,
                provided_at=provided_at.isoformat() if provided_at else None,
            )
        )
    seqs = RECORDS.append_many(session, bodies, key=signs.hub_keys(settings).signing, at=now)
    session.execute(
        sa.update(QUERIES).where(QUERIES.c.id == sa.bindparam("qid")),
        [
            {
                "qid": row["id"],
                "status": status,
                "refusal_reason": text if status == "refused" else None,
                "answer": answer.model_dump(mode="json") if answer is not None else None,
                "answered_at": now,
                "next_attempt_at": None,
                "provider_sign": None,  # the hub keeps no person ↔ query link in flight after the exchange
                "record_seq": seq,
            }
            for (row, status, text, _at, answer), seq in zip(closes, seqs, strict=True)
        ],
    )
    return seqs


def settle_batch(
    session: Session, claims: list[Claim], sents: list[Sent], *, settings: Settings
) -> tuple[DeliveryReport, list[Push]]:
    """Settle a batch in one transaction; returns what happened and the results to push to the requesters.

    A query another worker closed meanwhile is skipped. The log's append lock is taken before the rows' locks,
    as every writer of this log does, so two settlements cannot deadlock."""
    report = DeliveryReport()
    if not claims:
        return report, []
    RECORDS.lock(session)
    q = QUERIES.c
    open_ids = set(
        session.scalars(
            sa.select(q.id)
            .where(q.id.in_([c.query_id for c in claims]), q.status == "pending")
            .with_for_update()
        )
    )
    agencies = _agencies(
        session, [c.provider_code for c in claims] + [c.item.requester_agency_code for c in claims]
    )
    now = clock.now()
    closes: list[_Close] = []
    closed_claims: list[Claim] = []
    retries: list[dict[str, Any]] = []
    for claim, sent in zip(claims, sents, strict=True):
        if claim.query_id not in open_ids:
            continue
        report.delivered += 1
        provider = agencies.get(claim.provider_code)
        row = {
            "id": claim.query_id,
            "processing_number": claim.processing_number,
            "requester_code": claim.item.requester_agency_code,
            "provider_code": claim.provider_code,
            "jimu_code": claim.item.jimu_code,
            "procedure_code": claim.item.procedure_code,
            "tm_code": claim.item.tm_code,
            "requested_at": claim.item.requested_at,
            "person_ref": claim.person_ref,
            "non_disclosure": claim.withholding[0],
            "non_disclosure_until": claim.withholding[1],
        }
        error = sent.unavailable
        if error is None and sent.error is None and provider is not None and sent.answer is not None:
            answer = sent.answer
            try:
                if (answer.processing_number, answer.provider_agency_code) != (
                    claim.processing_number,
                    provider.agency_code,
                ):
                    raise Invalid(
                        "回答の処理通番または情報提供者が照会と一致しません", record=claim.processing_number
                    )
                # The hub cannot read the answer, but it checks who signed it before routing it on.
                answer.verify(provider.signing_public_key, record=claim.processing_number)
            except Invalid as exc:
                error = f"不正な回答: {exc}"
            else:
                closes.append((row, "answered", answer.message, answer.provided_at, answer))
                closed_claims.append(claim)
                report.answered += 1
                continue
        if error is not None:
            attempts = claim.attempts + 1
            retries.append(
                {
                    "qid": claim.query_id,
                    "attempts": attempts,
                    "last_error": error[:1000],
                    "next_attempt_at": now + backoff(attempts),
                }
            )
            report.retrying += 1
            continue
        reason = f"情報提供者が照会を処理できませんでした: {sent.error or '機関の登録が抹消されました。'}"
        closes.append((row, "refused", reason, None, None))
        closed_claims.append(claim)
        report.refused += 1
    _close(session, closes, agencies=agencies, settings=settings)
    if retries:
        session.execute(sa.update(QUERIES).where(q.id == sa.bindparam("qid")), retries)
    pushes = []
    for claim, (_row, status, text, _at, closed) in zip(closed_claims, closes, strict=True):
        requester = agencies.get(claim.item.requester_agency_code)
        if requester is None:
            continue
        result = PollResult.model_construct(
            processing_number=claim.processing_number,
            status="refused" if status == "refused" else "answered",
            requester_agency_code=claim.item.requester_agency_code,
            provider_agency_code=claim.provider_code,
            tm_code=claim.item.tm_code,
            requested_at=claim.item.requested_at,
            answered_at=now,
            refusal_reason=text if status == "refused" else None,
            answer=closed,
        )
        pushes.append(Push(claim.query_id, requester.endpoint, result))
    return report, pushes


def push_results(pushes: list[Push], *, transport: Transport) -> list[Push]:
    """Push results to each requester node ("accept_results"); touches no database. Returns the pushes that
    failed (to be retried with back-off); the requester loses nothing meanwhile: it can poll by 処理通番."""
    failed: list[Push] = []
    by_endpoint: dict[str, list[Push]] = {}
    for push in pushes:
        by_endpoint.setdefault(push.endpoint, []).append(push)
    for endpoint, group in by_endpoint.items():
        for start in range(0, len(group), BATCH_LIMIT):
            part = group[start : start + BATCH_LIMIT]
            body = ResultBatch(results=[p.result for p in part]).model_dump(mode="json")
            try:
                target, service = route(endpoint, transport)
                target.call(service, "accept_results", body)
            except (RenkeiError, ValidationError) as exc:
                log.info("push to %s failed (retried later; the requester can poll): %s", endpoint, exc)
                failed.extend(part)
    return failed


def note_failed_pushes(session: Session, failed: list[Push]) -> None:
    """Schedule failed pushes again, later each time (5 s, 10 s … 5 minutes)."""
    now = clock.now()
    session.execute(
        sa.update(QUERIES).where(QUERIES.c.id == sa.bindparam("qid")),
        [
            {
                "qid": p.query_id,
                "push_attempts": p.attempts + 1,
                "next_push_at": now + backoff(p.attempts + 1),
            }
            for p in failed
        ],
    )


def claim_pushes(session: Session, *, limit: int = BATCH_LIMIT) -> list[Push]:
    """Results whose push failed and is due again (leased like a delivery, so one worker pushes each)."""
    now = clock.now()
    q = QUERIES.c
    due = (
        sa.select(q.id)
        .where(q.next_push_at <= now)
        .order_by(q.next_push_at, q.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        sa.update(QUERIES)
        .where(q.id.in_(due.scalar_subquery()), q.next_push_at <= now)
        .values(next_push_at=now + LEASE)
        .returning(q.id, q.push_attempts, q.requester_code)
    ).all()
    if not rows:
        return []
    queries = {
        x.id: x for x in session.scalars(sa.select(HubQuery).where(HubQuery.id.in_([r.id for r in rows])))
    }
    agencies = _agencies(session, [r.requester_code for r in rows])
    pushes = []
    for row in rows:
        requester = agencies.get(row.requester_code)
        if requester is not None:
            pushes.append(Push(row.id, requester.endpoint, poll_result(queries[row.id]), row.push_attempts))
    return pushes


def pushed(session: Session, pushes: list[Push]) -> None:
    """Pushes that went through: nothing more to push for them."""
    session.execute(
        sa.update(QUERIES).where(QUERIES.c.id == sa.bindparam("qid")),
        [{"qid": p.query_id, "next_push_at": None} for p in pushes],
    )


def deliver_round(
    sessions: Sessions,
    *,
    settings: Settings,
    transport: Transport,
    limit: int = BATCH_LIMIT,
    lease: dt.timedelta | None = None,
    processing_numbers: list[str] | None = None,
) -> DeliveryReport:
    """One round of the delivery model above; `sessions` opens one transaction on the hub's database."""
    lease = lease or dt.timedelta(seconds=settings.delivery_lease_seconds)
    with sessions() as session:
        claims = claim_due(
            session, settings=settings, limit=limit, lease=lease, processing_numbers=processing_numbers
        )
        retry_pushes = claim_pushes(session) if processing_numbers is None else []
    report, pushes = DeliveryReport(), list(retry_pushes)
    if claims:
        sent = send_batch(claims, transport=transport, settings=settings)
        with sessions() as session:
            report, fresh = settle_batch(session, claims, sent, settings=settings)
        pushes += fresh
    if pushes:
        failed = push_results(pushes, transport=transport)
        failed_ids = {p.query_id for p in failed}
        done = [p for p in retry_pushes if p.query_id not in failed_ids]
        if failed or done:
            with sessions() as session:
                if failed:
                    note_failed_pushes(session, failed)
                if done:
                    pushed(session, done)
    return report


def poll_result(query: HubQuery) -> PollResult:
    """Where a query stands, as the requester polls it or the hub pushes it."""
    answer = ProvidedAnswer.model_validate(query.answer) if query.answer else None
    return PollResult(
        processing_number=query.processing_number,
        status=query.status,  # type: ignore[arg-type]
        requester_agency_code=query.requester_code,
        provider_agency_code=query.provider_code,
        tm_code=query.tm_code,
        requested_at=query.requested_at,
        answered_at=query.answered_at,
        refusal_reason=query.refusal_reason,
        answer=answer,
    )
