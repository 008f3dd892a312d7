"""A municipality's node on the wire (paths /node/v1/{lg_code}/…): "provide_batch" and "accept_results" for the
hub, and "query", "result", "query_bulk", "bulk_result" and "self_information" for the municipality's own
business systems.

Each operation parses its typed message (renkei.protocol.node, renkei.protocol.messages), checks that the caller's
organisation certificate allows it (the hub for "provide"; a business system of this municipality for the rest),
and runs one service in one transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TypeVar

from sqlalchemy.orm import Session

from renkei.core.db import Databases
from renkei.core.errors import RenkeiError, Unavailable
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.intermediate import portal, service
from renkei.intermediate.schemas import QueryOutcome, QueryRequest
from renkei.intermediate.service import witness
from renkei.protocol.api import ServiceApi, operation
from renkei.protocol.hub import HubClient
from renkei.protocol.identity import Caller
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.messages import (
    ForwardedBatch,
    ProvidedBatch,
    ResultBatch,
    ResultsTaken,
)
from renkei.protocol.node import (
    BatchId,
    BulkAccepted,
    BulkPending,
    BulkQueries,
    NodeQuery,
    NodeQueryOutcome,
    PersonByIntegratedNumber,
    ProcessingNumber,
    SelfInformation,
)
from renkei.protocol.portal import PortalAcquisitionNumber, PortalAcquisitionRequest
from renkei.protocol.tlog import (
    AddCheckpointRequest,
    AddCheckpointResponse,
    WitnessedCheckpoints,
    WitnessedRequest,
)
from renkei.protocol.transport import Transport

BUSINESS = {"business"}


def api(
    lg_code: str,
    databases: Databases,
    settings: Settings,
    transport: Transport,
    *,
    poll_grace: dt.timedelta = dt.timedelta(0),
    coalesce: bool = False,
) -> ServiceApi:
    """The node's operations. A served node, whose hub pushes every result, passes `poll_grace` (a business
    system's "result" or "bulk_result" asks the hub only for queries pending longer than that) and `coalesce`
    (single queries asked at the same time go to the hub together, `service.Coalescer`)."""
    lg_code = validate_lg_code(lg_code)
    node = "lg" + lg_code
    hub = HubClient(transport)
    hub_key: list[str] = []  # fetched once, on the first forwarded query

    def hub_public_key() -> str:
        if not hub_key:
            hub_key.append(hub.info().signing_public_key)
        return hub_key[0]

    def sessions() -> AbstractContextManager[Session]:
        return databases.session(node)

    results_in = Arrivals()

    def submit_lines(lines: list[service.Line]) -> list[QueryOutcome | RenkeiError]:
        return service.submit_each(sessions, lg_code=lg_code, settings=settings, hub=hub, lines=lines)

    together = service.Coalescer(submit_lines) if coalesce else None

    def own(caller: Caller) -> None:
        caller.must_be_municipality(lg_code)

    @operation("provide_batch", ForwardedBatch, ProvidedBatch, callers={"hub"})
    def provide_batch(batch: ForwardedBatch, _caller: Caller) -> ProvidedBatch:
        """情報提供（自動応答、一括）: ハブが転送した照会に副本から回答 / answer the queries the hub forwards."""
        key = hub_public_key()
        with databases.session(node) as session:
            results = service.provide_batch(
                session, lg_code=lg_code, settings=settings, batch=batch, hub_public_key=key
            )
        return ProvidedBatch(results=results)

    @operation("accept_results", ResultBatch, ResultsTaken, callers={"hub"})
    def accept_results(batch: ResultBatch, _caller: Caller) -> ResultsTaken:
        """照会結果の受信（ハブからのプッシュ） / results the hub pushes as soon as they are known."""
        closed = service.accept_results(
            sessions, lg_code=lg_code, settings=settings, hub=hub, results=list(batch.results)
        )
        results_in.notify(closed)
        return ResultsTaken(taken=len([k for k in closed if not k.startswith("batch:")]))

    @operation("self_information", PersonByIntegratedNumber, SelfInformation, callers=BUSINESS)
    def self_information(request: PersonByIntegratedNumber, caller: Caller) -> SelfInformation:
        """自己情報: 本人の副本と情報提供等記録 / a person's copies and records (own business systems)."""
        own(caller)
        with databases.session(node) as session:
            found = service.self_information(
                session, lg_code=lg_code, integrated_number=request.integrated_number
            )
        return SelfInformation.model_validate(found)

    def result_of(number: str, seconds: float) -> NodeQueryOutcome:
        """The query's outcome, waiting up to `seconds` for the hub's push while it is pending (a long poll)."""

        def look() -> tuple[bool, NodeQueryOutcome]:
            outcome = service.poll_query(
                sessions, lg_code=lg_code, settings=settings, hub=hub, process_number=number, grace=poll_grace
            )
            return outcome.status != "pending", wire_outcome(outcome)

        return results_in.wait_for(number, look, seconds)

    @operation("query", NodeQuery, NodeQueryOutcome, callers=BUSINESS)
    def query(request: NodeQuery, caller: Caller) -> NodeQueryOutcome:
        """情報照会（一件）: 処理通番を即時に、wait_seconds があれば回答まで待って返す / submit one query."""
        own(caller)
        asked = _request(request)
        if together is None:
            outcome = service.submit_query(
                sessions, lg_code=lg_code, settings=settings, hub=hub, request=asked
            )
        else:
            outcome = together.ask(service.Line(asked))
        if outcome.status == "pending" and outcome.process_number and request.wait_seconds > 0:
            return result_of(outcome.process_number, request.wait_seconds)
        return wire_outcome(outcome)

    @operation("result", ProcessingNumber, NodeQueryOutcome, callers=BUSINESS)
    def result(request: ProcessingNumber, caller: Caller) -> NodeQueryOutcome:
        """照会結果（処理通番で、wait_seconds があれば回答まで待つ） / the result of a query by its 処理通番."""
        own(caller)
        return result_of(request.processing_number, request.wait_seconds)

    @operation("query_bulk", BulkQueries, BulkAccepted, callers=BUSINESS)
    def query_bulk(request: BulkQueries, caller: Caller) -> BulkAccepted:
        """一括照会: 照会の配列を一つのバッチとして送信 / submit many queries as one batch."""
        own(caller)
        lines = [service.Line(_request(r)) for r in request.requests]
        done = service.submit_bulk_batched(sessions, lg_code=lg_code, settings=settings, hub=hub, lines=lines)
        if done.failure is not None:  # the queries stay queued; the same request with client ids resends them
            raise Unavailable(f"情報提供ネットワークシステムに送信できませんでした: {done.failure}")
        return BulkAccepted(
            batch=done.batch or "", submitted=done.submitted, refused=done.refused, errors=done.errors
        )

    @operation("bulk_result", BatchId, BulkPending, callers=BUSINESS)
    def bulk_result(request: BatchId, caller: Caller) -> BulkPending:
        """一括照会の残り件数（照会中） / how many queries of a batch are still pending."""
        own(caller)

        def look() -> tuple[bool, BulkPending]:
            pending = service.poll_bulk(
                sessions, lg_code=lg_code, settings=settings, hub=hub, batch=request.batch, grace=poll_grace
            )
            return pending == 0, BulkPending(pending=pending)

        return results_in.wait_for(f"batch:{request.batch}", look, request.wait_seconds)

    # This node witnesses the hub's records log and a peer node's (C2SP tlog-witness, decision 0100).
    @operation(
        "witness_add_checkpoint", AddCheckpointRequest, AddCheckpointResponse, callers={"hub", "municipality"}
    )
    def witness_add_checkpoint(request: AddCheckpointRequest, _caller: Caller) -> AddCheckpointResponse:
        """証跡ログの立会い（チェックポイントの連署） / cosign a checkpoint of the hub or a peer node."""
        with databases.session(node) as session:
            return witness.add_checkpoint(
                session, lg_code=lg_code, settings=settings, hub=hub, request=request
            )

    @operation(
        "witness_checkpoints",
        WitnessedRequest,
        WitnessedCheckpoints,
        callers={"hub", "municipality", "operator"},
    )
    def witness_checkpoints(request: WitnessedRequest, _caller: Caller) -> WitnessedCheckpoints:
        """立会い済みのチェックポイントと拒否の記録 / what this witness cosigned and refused."""
        with databases.session(node) as session:
            return witness.witnessed(session, lg_code=lg_code, request=request)

    @operation(
        "portal_acquisition_number", PortalAcquisitionRequest, PortalAcquisitionNumber, callers={"portal"}
    )
    def portal_acquisition_number(
        request: PortalAcquisitionRequest, _caller: Caller
    ) -> PortalAcquisitionNumber:
        """マイナポータルの利用者登録: 本人の取得番号（署名と証明書の名義を確認） / a 取得番号 for the portal."""
        # Checks over the network first (the portal's signature at the hub, the certificate's holder at jpki),
        # then one transaction on this node (decision 0090).
        portal.check_portal_request(lg_code=lg_code, request=request, hub=hub, jpki=JpkiClient(transport))
        with databases.session(node) as session:
            return portal.portal_acquisition_number(
                session, settings=settings, request=request, jukinet=JukinetClient(transport)
            )

    return ServiceApi(node, "node", f"renkei node {lg_code} 中間サーバー").add(
        provide_batch,
        accept_results,
        self_information,
        query,
        result,
        query_bulk,
        bulk_result,
        witness_add_checkpoint,
        witness_checkpoints,
        portal_acquisition_number,
    )


T = TypeVar("T")


class Arrivals:
    """Long polls: a call waits until the result it waits for arrives (the hub's push closes its query, or one of
    its batch) or its time is up, then looks again; only that call is woken, not every waiting one.

    At most MAX_WAITERS calls wait at once (each holds a server thread); any more look once and return, so
    waiting callers can never take every thread from the hub's pushes they are waiting for."""

    MAX_WAITERS = 64

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[str, set[threading.Event]] = {}
        self._waiters = threading.BoundedSemaphore(self.MAX_WAITERS)

    def notify(self, keys: Iterable[str]) -> None:
        with self._lock:
            for key in set(keys):
                for event in self._events.pop(key, ()):
                    event.set()

    def wait_for(self, key: str, look: Callable[[], tuple[bool, T]], seconds: float) -> T:
        deadline = time.monotonic() + seconds
        while True:
            event = threading.Event()
            with self._lock:  # listen before looking, so a result that arrives in between is not missed
                self._events.setdefault(key, set()).add(event)
            try:
                done, value = look()
                remaining = deadline - time.monotonic()
                if done or remaining <= 0 or not self._waiters.acquire(blocking=False):
                    return value
                try:
                    event.wait(min(remaining, 5.0))
                finally:
                    self._waiters.release()
            finally:
                with self._lock:
                    waiting = self._events.get(key)
                    if waiting is not None:
                        waiting.discard(event)
                        if not waiting:
                            del self._events[key]


def _request(query: NodeQuery) -> QueryRequest:
    return QueryRequest(
        jm_code=query.jm_code.strip(),
        jt_code=query.jt_code.strip(),
        provider=query.provider.strip(),
        tm_code=query.tm_code.strip(),
        atena=query.atena or None,
        system=query.system or None,
        integrated_number=query.integrated_number or None,
        date_from=query.date_from,
        date_to=query.date_to,
        user_id=query.user_id,
        client_request_id=query.client_request_id,
    )


def wire_outcome(outcome: QueryOutcome) -> NodeQueryOutcome:
    return NodeQueryOutcome(
        processing_number=outcome.process_number,
        status=outcome.status,
        message=outcome.message,
        detail_status=outcome.detail_status,
        tm_status=outcome.tm_status,
        integrated_number=outcome.integrated_number,
        atena=outcome.atena,
        provider=outcome.provider,
        tm_code=outcome.tm_code,
        requested_at=outcome.requested_at,
        answered_at=outcome.answered_at,
        copies=outcome.copies,
    )
