"""Delivery of accepted queries to the provider's node ("provide"), with retry while a node is down.

A query is delivered at least once and answered at most once: the row is claimed (FOR UPDATE SKIP LOCKED on
PostgreSQL), an unreachable node leaves it pending with back-off, and only the first valid answer is kept — the
provider's "provide" is idempotent on the 処理通番 (see renkei.protocol.messages).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound, RenkeiError, Unavailable
from renkei.core.settings import Settings
from renkei.hub import signs
from renkei.hub.models import RECORDS, HubAgency, HubQuery
from renkei.hub.schemas import DeliveryReport
from renkei.protocol.api import split_endpoint
from renkei.protocol.messages import BATCH_LIMIT, ForwardedQuery, PollResult, ProvidedAnswer, ProvidedBatch
from renkei.protocol.transport import HttpTransport, Transport

MAX_BACKOFF = dt.timedelta(minutes=5)
# Longer than any provider call may take (the HTTP timeout is 30 s), so a lease never lapses mid-delivery.
LEASE = dt.timedelta(seconds=90)
log = logging.getLogger("renkei.hub.delivery")
_http: dict[str, HttpTransport] = {}
_http_lock = threading.Lock()


def backoff(attempts: int) -> dt.timedelta:
    """5 s, 10 s, 20 s … capped at 5 minutes: a node that is down is retried, never given up on."""
    return min(dt.timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def route(endpoint: str, transport: Transport) -> tuple[Transport, str]:
    """A registered endpoint is a service name (through the process transport) or a node's URL
    ``{base}/node/v1/{lg_code}`` (`renkei.protocol.api.node_endpoint`), reached with the process's TLS context."""
    split = split_endpoint(endpoint)
    if split is None:
        return transport, endpoint
    base, service = split
    with _http_lock:
        client = _http.get(base)
        if client is None:
            client = _http[base] = HttpTransport({}, tls=getattr(transport, "tls", None))
        client.add_endpoint(service, base)
    return client, service


def finish(
    session: Session,
    query: HubQuery,
    *,
    settings: Settings,
    status: str,
    result: str,
    reason: str | None = None,
    message: str = "",
    provided_at: dt.datetime | None = None,
) -> None:
    """Close a query (answered or refused) and write the hub's 情報提供等記録 for it in the same transaction."""
    now = clock.now()
    requester = session.get(HubAgency, query.requester_code)
    provider = session.get(HubAgency, query.provider_code)
    query.status = status
    query.refusal_reason = reason
    query.answered_at = now
    query.next_attempt_at = None
    query.provider_sign = None  # the hub keeps no person ↔ query link in flight after the exchange
    body: dict[str, Any] = {
        "processing_number": query.processing_number,
        "requester_code": query.requester_code,
        "requester_name": requester.name if requester else "",
        "provider_code": query.provider_code,
        "provider_name": provider.name if provider else "",
        "jimu_code": query.jimu_code,
        "procedure_code": query.procedure_code,
        "tm_code": query.tm_code,
        "requested_at": query.requested_at.isoformat(),
        "provided_at": provided_at.isoformat() if provided_at else None,
        "result": result,
        "message": reason or message,
        "person_ref": query.person_ref,
    }
    if (
        query.non_disclosure
    ):  # 番号法第23条第2項: recorded now, shown to the person from that day (decision 0096)
        until = query.non_disclosure_until
        body |= {"non_disclosure": True, "non_disclosure_until": until.isoformat() if until else None}
    query.record_seq = RECORDS.append(session, body, key=signs.hub_keys(settings).signing)


def _forwarded(query: HubQuery, requester: HubAgency, provider_sign: str) -> ForwardedQuery:
    return ForwardedQuery(
        processing_number=query.processing_number,
        provider_agency_code=query.provider_code,
        provider_sign=provider_sign,
        jimu_code=query.jimu_code,
        procedure_code=query.procedure_code,
        tm_code=query.tm_code,
        period_from=query.period_from,
        period_to=query.period_to,
        requester_agency_code=requester.agency_code,
        requester_name=requester.name,
        requester_sealing_public_key=requester.sealing_public_key,
        requested_at=query.requested_at,
    )


def _retry_later(query: HubQuery, error: str) -> str:
    query.attempts += 1
    query.last_error = error[:1000]
    query.next_attempt_at = clock.now() + backoff(query.attempts)
    return "retrying"


def _claim(session: Session, query_id: int, *, due: bool = False) -> HubQuery | None:
    """Lock a pending query (skipping one another worker holds); with `due`, only if it is due now, so a query
    another worker leased a moment ago (and committed) is not taken again."""
    where = [HubQuery.id == query_id, HubQuery.status == "pending"]
    if due:
        where.append(HubQuery.next_attempt_at <= clock.now())
    return session.scalars(
        sa.select(HubQuery)
        .where(*where)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).first()


@dataclass(frozen=True)
class Claim:
    """A query taken for delivery: what to send, and where. Its row is leased until `settle` closes it."""

    query_id: int
    processing_number: str
    provider_code: str
    endpoint: str
    forwarded: dict[str, Any]


@dataclass(frozen=True)
class Sent:
    """What came back from the provider: its answer, or why there was none."""

    answer: dict[str, Any] | None = None
    unavailable: str | None = None
    error: str | None = None


def _take(
    session: Session, query: HubQuery, *, settings: Settings, lease: dt.timedelta | None
) -> Claim | str:
    """Claim one pending query for delivery; a query whose agency is gone is refused here and not claimed."""
    claimed = _claim(session, query.id, due=lease is not None)
    if claimed is None or claimed.provider_sign is None:
        return "skipped"
    requester = session.get(HubAgency, claimed.requester_code)
    provider = session.get(HubAgency, claimed.provider_code)
    if requester is None or provider is None:
        finish(
            session,
            claimed,
            settings=settings,
            status="refused",
            result="refused",
            reason="機関の登録が抹消されました。",
        )
        return "refused"
    if lease is not None:
        # Not due again until the lease runs out: nobody else delivers it meanwhile, and if the hub stops
        # before settling, the query is still pending and is delivered again (the provider is idempotent).
        claimed.next_attempt_at = clock.now() + lease
    forwarded = _forwarded(claimed, requester, claimed.provider_sign).signed(signs.hub_keys(settings).signing)
    return Claim(
        query_id=claimed.id,
        processing_number=claimed.processing_number,
        provider_code=provider.agency_code,
        endpoint=provider.endpoint,
        forwarded=forwarded.model_dump(mode="json"),
    )


def send(claim: Claim, *, transport: Transport) -> Sent:
    """Forward a claimed query to its provider; touches no database (so no lock or transaction is held)."""
    try:
        target, service = route(claim.endpoint, transport)
        return Sent(answer=target.call(service, "provide", claim.forwarded))
    except Unavailable as exc:
        return Sent(unavailable=exc.message)
    except RenkeiError as exc:
        return Sent(error=exc.message)


def settle(session: Session, claim: Claim, sent: Sent, *, settings: Settings) -> str:
    """Close a claimed query with what the provider sent: "answered", "refused", "retrying" or "skipped"."""
    query = _claim(session, claim.query_id)
    if query is None:
        return "skipped"
    provider = session.get(HubAgency, claim.provider_code)
    if sent.unavailable is not None:
        return _retry_later(query, sent.unavailable)
    if sent.error is not None or provider is None:
        reason = f"情報提供者が照会を処理できませんでした: {sent.error or '機関の登録が抹消されました。'}"
        finish(session, query, settings=settings, status="refused", result="refused", reason=reason)
        return "refused"
    try:
        answer = ProvidedAnswer.model_validate(sent.answer)
        if (answer.processing_number, answer.provider_agency_code) != (
            query.processing_number,
            provider.agency_code,
        ):
            raise Invalid(
                "回答の処理通番または情報提供者が照会と一致しません", record=query.processing_number
            )
        # The hub cannot read the answer, but it can check who signed it before routing it on.
        answer.verify(provider.signing_public_key, record=query.processing_number)
    except (ValidationError, Invalid) as exc:
        return _retry_later(query, f"不正な回答: {exc}")
    query.answer = answer.model_dump(mode="json")
    finish(
        session,
        query,
        settings=settings,
        status="answered",
        result=answer.status,
        message=answer.message,
        provided_at=answer.provided_at,
    )
    return "answered"


def claim_due(
    session: Session, *, settings: Settings, limit: int = 100, lease: dt.timedelta = LEASE
) -> list[Claim]:
    """Lease the queries that are due (oldest first), so they can be sent outside this transaction."""
    claims = []
    for query_id in _due(session, limit):
        query = session.get(HubQuery, query_id)
        claim = None if query is None else _take(session, query, settings=settings, lease=lease)
        if isinstance(claim, Claim):
            claims.append(claim)
    session.flush()
    return claims


def deliver_one(session: Session, query: HubQuery, *, transport: Transport, settings: Settings) -> str:
    """Try to deliver one pending query; returns "answered", "refused", "retrying" or "skipped"."""
    claim = _take(session, query, settings=settings, lease=None)
    if not isinstance(claim, Claim):
        return claim
    return settle(session, claim, send(claim, transport=transport), settings=settings)


def _due(session: Session, limit: int) -> list[int]:
    now = clock.now()
    return list(
        session.scalars(
            sa.select(HubQuery.id)
            .where(HubQuery.status == "pending", HubQuery.next_attempt_at <= now)
            .order_by(HubQuery.next_attempt_at, HubQuery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
    )


def deliver_pending(
    session: Session, *, transport: Transport, settings: Settings, limit: int = 100
) -> DeliveryReport:
    """Deliver the queries that are due (oldest first), each within this one transaction."""
    report = DeliveryReport()
    for query_id in _due(session, limit):
        query = session.get(HubQuery, query_id)
        if query is None:
            continue
        outcome = deliver_one(session, query, transport=transport, settings=settings)
        if outcome == "skipped":
            continue
        report.delivered += 1
        setattr(report, outcome, getattr(report, outcome) + 1)
    session.flush()
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


# --- batches: one call per provider for the queries due to it, one push per requester ---------------------
def send_batch(claims: list[Claim], *, transport: Transport) -> list[Sent]:
    """Forward claimed queries, one "provide_batch" call per provider endpoint (touches no database).

    A provider that cannot be reached leaves its queries for a retry; one whose node has no batch operation is
    sent the queries one by one; an error of one query is that query's, the others are answered.
    """
    sent: list[Sent | None] = [None] * len(claims)
    by_endpoint: dict[str, list[int]] = {}
    for i, claim in enumerate(claims):
        by_endpoint.setdefault(claim.endpoint, []).append(i)
    for endpoint, indexes in by_endpoint.items():
        for start in range(0, len(indexes), BATCH_LIMIT):
            part = indexes[start : start + BATCH_LIMIT]
            try:
                target, service = route(endpoint, transport)
                body = {"queries": [claims[i].forwarded for i in part]}
                answer = ProvidedBatch.model_validate(target.call(service, "provide_batch", body))
            except Unavailable as exc:
                for i in part:
                    sent[i] = Sent(unavailable=exc.message)
                continue
            except NotFound:  # a provider node without the batch operation: one by one
                for i in part:
                    sent[i] = send(claims[i], transport=transport)
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
                else:
                    sent[i] = Sent(
                        answer=None if result.answer is None else result.answer.model_dump(mode="json")
                    )
    return [s if s is not None else Sent(unavailable="未送信") for s in sent]


@dataclass(frozen=True)
class Push:
    """A closed query's result, to be pushed to the requester's node."""

    endpoint: str
    result: dict[str, Any]


def settle_batch(
    session: Session, claims: list[Claim], sents: list[Sent], *, settings: Settings
) -> tuple[DeliveryReport, list[Push]]:
    """Settle a batch in one transaction; returns what happened and the results to push to the requesters."""
    report = DeliveryReport()
    pushes: list[Push] = []
    for claim, sent in zip(claims, sents, strict=True):
        outcome = settle(session, claim, sent, settings=settings)
        if outcome == "skipped":
            continue
        report.delivered += 1
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome in ("answered", "refused"):
            query = session.get(HubQuery, claim.query_id)
            requester = None if query is None else session.get(HubAgency, query.requester_code)
            if query is not None and requester is not None:
                pushes.append(Push(requester.endpoint, poll_result(query).model_dump(mode="json")))
    session.flush()
    return report, pushes


def push_results(pushes: list[Push], *, transport: Transport) -> int:
    """Push results to each requester node ("accept_results"); touches no database. A requester that cannot
    be reached loses nothing: it polls by 処理通番 and gets the same result (the poll stays the fallback)."""
    delivered = 0
    by_endpoint: dict[str, list[dict[str, Any]]] = {}
    for push in pushes:
        by_endpoint.setdefault(push.endpoint, []).append(push.result)
    for endpoint, results in by_endpoint.items():
        for start in range(0, len(results), BATCH_LIMIT):
            part = results[start : start + BATCH_LIMIT]
            try:
                target, service = route(endpoint, transport)
                target.call(service, "accept_results", {"results": part})
                delivered += len(part)
            except (RenkeiError, ValidationError) as exc:
                log.info("push to %s failed (the requester will poll): %s", endpoint, exc)
    return delivered
