"""The hub's protocol operations (service "hub"): each parses a message, runs one service in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from renkei.core.db import Databases
from renkei.core.errors import Invalid
from renkei.core.settings import Settings
from renkei.hub import service, witness
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.messages import (
    AgencyRegistration,
    PersonRecordsRequest,
    PollRequest,
    QueryRequest,
    SignAcquisitionRequest,
)
from renkei.protocol.tlog import AddCheckpointRequest, WitnessedRequest
from renkei.protocol.transport import Body, Dispatcher, Transport, dispatcher_from

NODE = "hub"


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], body: Body) -> M:
    """A message from the wire, or `Invalid` naming the first bad field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise Invalid(f"電文の形式が不正です: {first['msg']}", field=field) from None


def dispatcher(databases: Databases, settings: Settings, transport: Transport) -> Dispatcher:
    jukinet = JukinetClient(transport)

    def info(_body: Body) -> Body:
        return service.hub_info(settings=settings).model_dump(mode="json")

    def register_agency(body: Body) -> Body:
        registration = _parse(AgencyRegistration, body)
        with databases.session(NODE) as session:
            return service.register_agency(session, registration=registration).model_dump(mode="json")

    def agency(body: Body) -> Body:
        with databases.session(NODE) as session:
            found = service.get_agency(session, agency_code=str(body.get("agency_code", "")))
            return found.model_dump(mode="json")

    def acquire_signs(body: Body) -> Body:
        request = _parse(SignAcquisitionRequest, body)
        with databases.session(NODE) as session:
            answer = service.acquire_signs(session, request=request, settings=settings, jukinet=jukinet)
            return answer.model_dump(mode="json")

    def submit_query(body: Body) -> Body:
        request = _parse(QueryRequest, body)
        with databases.session(NODE) as session:
            return service.submit_query(session, request=request, settings=settings).model_dump(mode="json")

    def poll(body: Body) -> Body:
        request = _parse(PollRequest, body)
        with databases.session(NODE) as session:
            result = service.poll(session, request=request, settings=settings, transport=transport)
            return result.model_dump(mode="json")

    def deliver_pending(body: Body) -> Body:
        limit = int(body.get("limit", 100))
        with databases.session(NODE) as session:
            report = service.deliver_pending(session, transport=transport, settings=settings, limit=limit)
            return report.model_dump()

    def person_records(body: Body) -> Body:
        request = _parse(PersonRecordsRequest, body)
        with databases.session(NODE) as session:
            return service.person_records(session, request=request, settings=settings).model_dump(mode="json")

    def witness_add_checkpoint(body: Body) -> Body:
        request = _parse(AddCheckpointRequest, body)
        with databases.session(NODE) as session:
            return witness.add_checkpoint(session, request=request, settings=settings).model_dump(mode="json")

    def witness_checkpoints(body: Body) -> Body:
        request = _parse(WitnessedRequest, body)
        with databases.session(NODE) as session:
            return witness.witnessed(session, request=request).model_dump(mode="json")

    operations: dict[str, Callable[[Body], Body]] = {
        "info": info,
        "register_agency": register_agency,
        "agency": agency,
        "acquire_signs": acquire_signs,
        "submit_query": submit_query,
        "poll": poll,
        "deliver_pending": deliver_pending,
        "person_records": person_records,
        "witness_add_checkpoint": witness_add_checkpoint,
        "witness_checkpoints": witness_checkpoints,
    }
    return dispatcher_from(operations, NODE)
