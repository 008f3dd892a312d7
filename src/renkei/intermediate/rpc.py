"""The municipality's node on the protocol: answers "provide" (automatic 情報提供) for the hub's forwarded queries."""

from __future__ import annotations

from sqlalchemy.orm import Session

from renkei.core.db import Databases
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.intermediate import service
from renkei.protocol.hub import HubClient
from renkei.protocol.messages import ForwardedQuery
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

    return dispatcher_from({"provide": provide, "self_information": self_information}, node)
