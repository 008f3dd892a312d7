"""`HubClient`: the typed client every node uses to reach the hub (情報提供ネットワークシステム) over a Transport."""

from __future__ import annotations

from renkei.protocol.messages import (
    AcceptedBatch,
    AgencyInfo,
    AgencyRegistration,
    ConsentUse,
    ConsentUseRecorded,
    HubInfo,
    PersonRecords,
    PersonRecordsRequest,
    PollRequest,
    PollResult,
    QueryAccepted,
    QueryBatch,
    QueryRequest,
    SignAcquisitionRequest,
    SignAcquisitionResponse,
)
from renkei.protocol.transport import Transport

HUB_SERVICE = "hub"


class HubClient:
    """One method per hub operation (see `renkei.protocol.messages`); domain errors arrive as raised."""

    def __init__(self, transport: Transport, *, service: str = HUB_SERVICE) -> None:
        self._transport = transport
        self._service = service

    def info(self) -> HubInfo:
        return HubInfo.model_validate(self._transport.call(self._service, "info", {}))

    def register_agency(self, registration: AgencyRegistration) -> AgencyInfo:
        body = registration.model_dump(mode="json")
        return AgencyInfo.model_validate(self._transport.call(self._service, "register_agency", body))

    def agency(self, agency_code: str) -> AgencyInfo:
        body = {"agency_code": agency_code}
        return AgencyInfo.model_validate(self._transport.call(self._service, "agency", body))

    def acquire_signs(self, request: SignAcquisitionRequest) -> SignAcquisitionResponse:
        answer = self._transport.call(self._service, "acquire_signs", request.model_dump(mode="json"))
        return SignAcquisitionResponse.model_validate(answer)

    def submit_query(self, request: QueryRequest) -> QueryAccepted:
        answer = self._transport.call(self._service, "submit_query", request.model_dump(mode="json"))
        return QueryAccepted.model_validate(answer)

    def submit_queries(self, requests: list[QueryRequest]) -> list[QueryAccepted]:
        """Many signed queries in one call (at most `messages.BATCH_LIMIT`); answered in the same order."""
        body = QueryBatch(requests=requests).model_dump(mode="json")
        answer = self._transport.call(self._service, "submit_queries", body)
        return AcceptedBatch.model_validate(answer).accepted

    def poll(self, request: PollRequest) -> PollResult:
        answer = self._transport.call(self._service, "poll", request.model_dump(mode="json"))
        return PollResult.model_validate(answer)

    def person_records(self, request: PersonRecordsRequest) -> PersonRecords:
        answer = self._transport.call(self._service, "person_records", request.model_dump(mode="json"))
        return PersonRecords.model_validate(answer)

    def record_consent_use(self, request: ConsentUse) -> ConsentUseRecorded:
        answer = self._transport.call(self._service, "record_consent_use", request.model_dump(mode="json"))
        return ConsentUseRecorded.model_validate(answer)

    def deliver_pending(self, *, limit: int = 100) -> dict[str, int]:
        answer = self._transport.call(self._service, "deliver_pending", {"limit": limit})
        return {key: int(value) for key, value in answer.items()}
