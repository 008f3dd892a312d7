"""The municipality's node on the protocol: "provide" for the hub, "query"/"result" and bulk for business systems.

"provide" is the automatic 情報提供 for queries the hub forwards; "query"/"result" (one at a time) and
"query_bulk"/"bulk_result" are the interface business systems use to ask other agencies through this node.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy.orm import Session

from renkei.core.db import Databases
from renkei.core.errors import Invalid
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.intermediate import portal, service
from renkei.intermediate.schemas import QueryOutcome, QueryRequest
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.messages import ForwardedQuery
from renkei.protocol.portal import PortalAcquisitionRequest, parse
from renkei.protocol.transport import Body, Dispatcher, Transport, dispatcher_from


def dispatcher(lg_code: str, databases: Databases, settings: Settings, transport: Transport) -> Dispatcher:
    lg_code = validate_lg_code(lg_code)
    node = "lg" + lg_code
    hub_key: list[str] = []  # fetched once, on the first forwarded query

    def hub_public_key() -> str:
        if not hub_key:
            hub_key.append(HubClient(transport).info().signing_public_key)
        return hub_key[0]

    def provide(body: Body) -> Body:
        forwarded = ForwardedQuery.model_validate(body)
        key = hub_public_key()
        session: Session
        with databases.session(node) as session:
            answer = service.provide(
                session, lg_code=lg_code, settings=settings, forwarded=forwarded, hub_public_key=key
            )
        return answer.model_dump(mode="json")

    def self_information(body: Body) -> Body:
        with databases.session(node) as session:
            return service.self_information(
                session, lg_code=lg_code, integrated_number=str(body.get("integrated_number", ""))
            )

    hub = HubClient(transport)

    def query(body: Body) -> Body:
        """情報照会 from a business system (the node's own interface, ARCHITECTURE §5 step 1)."""
        with databases.session(node) as session:
            outcome = service.submit_query(
                session, lg_code=lg_code, settings=settings, hub=hub, request=_request(body)
            )
        return _outcome(outcome)

    def result(body: Body) -> Body:
        with databases.session(node) as session:
            outcome = service.poll_query(
                session,
                lg_code=lg_code,
                settings=settings,
                hub=hub,
                process_number=str(body.get("process_number", "")),
            )
        return _outcome(outcome)

    def query_bulk(body: Body) -> Body:
        requests = body.get("requests")
        if not isinstance(requests, list):
            raise Invalid("requests は照会の配列です", field="requests")
        lines = [service.BulkLine(fields=[], request=_request(r)) for r in requests]
        with databases.session(node) as session:
            done = service.submit_bulk(session, lg_code=lg_code, settings=settings, hub=hub, lines=lines)
        return {
            "batch": done.batch,
            "submitted": done.submitted,
            "refused": done.refused,
            "errors": done.errors,
        }

    def bulk_result(body: Body) -> Body:
        with databases.session(node) as session:
            pending = service.poll_bulk(
                session, lg_code=lg_code, settings=settings, hub=hub, batch=str(body.get("batch", ""))
            )
        return {"pending": pending}

    def portal_acquisition_number(body: Body) -> Body:
        """The portal's 利用者登録 (decision 0090): checks over the network first, then one transaction."""
        request = parse(PortalAcquisitionRequest, body)
        portal.check_portal_request(lg_code=lg_code, request=request, hub=hub, jpki=JpkiClient(transport))
        with databases.session(node) as session:
            answer = portal.portal_acquisition_number(
                session, settings=settings, request=request, jukinet=JukinetClient(transport)
            )
        return answer.model_dump(mode="json")

    return dispatcher_from(
        {
            "provide": provide,
            "self_information": self_information,
            "query": query,
            "result": result,
            "query_bulk": query_bulk,
            "bulk_result": bulk_result,
            "portal_acquisition_number": portal_acquisition_number,
        },
        node,
    )


def _request(body: Body) -> QueryRequest:
    if not isinstance(body, dict):
        raise Invalid("照会はJSONオブジェクトです", field="request")

    def text(name: str) -> str | None:
        value = body.get(name)
        return None if value in (None, "") else str(value)

    missing = [n for n in ("jm_code", "jt_code", "provider", "tm_code") if not text(n)]
    if missing:
        raise Invalid(f"必須項目がありません: {', '.join(missing)}", field=missing[0])
    return QueryRequest(
        jm_code=str(text("jm_code")),
        jt_code=str(text("jt_code")),
        provider=str(text("provider")),
        tm_code=str(text("tm_code")),
        atena=text("atena"),
        system=text("system"),
        integrated_number=text("integrated_number"),
        user_id=text("user_id") or "",
    )


def _outcome(outcome: QueryOutcome) -> Body:
    data = asdict(outcome)
    for name in ("requested_at", "answered_at"):
        data[name] = data[name].isoformat() if data[name] else None
    return data
