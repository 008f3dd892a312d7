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
    PollBatch,
    PollRequest,
    PollResult,
    PollResults,
    QueryAccepted,
    QueryBatch,
    QueryRequest,
    SignAcquisitionRequest,
    SignAcquisitionResponse,
)
from renkei.protocol.permissions import AllowedQueries
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

    def submit_queries(self, batch: QueryBatch) -> list[QueryAccepted]:
        """Many queries in one call, signed once (at most `messages.BATCH_LIMIT`); answered in the same order."""
        answer = self._transport.call(self._service, "submit_queries", batch.model_dump(mode="json"))
        return AcceptedBatch.model_validate(answer).accepted

    def poll(self, request: PollRequest) -> PollResult:
        answer = self._transport.call(self._service, "poll", request.model_dump(mode="json"))
        return PollResult.model_validate(answer)

    def poll_batch(self, batch: PollBatch) -> list[PollResult]:
        """Where each of up to 1,000 of the requester's queries stands, in one call."""
        answer = self._transport.call(self._service, "poll_batch", batch.model_dump(mode="json"))
        return PollResults.model_validate(answer).results

    def person_records(self, request: PersonRecordsRequest) -> PersonRecords:
        answer = self._transport.call(self._service, "person_records", request.model_dump(mode="json"))
        return PersonRecords.model_validate(answer)

    def record_consent_use(self, request: ConsentUse) -> ConsentUseRecorded:
        answer = self._transport.call(self._service, "record_consent_use", request.model_dump(mode="json"))
        return ConsentUseRecorded.model_validate(answer)

    def deliver_pending(self, *, limit: int = 100) -> dict[str, int]:
        answer = self._transport.call(self._service, "deliver_pending", {"limit": limit})
        return {key: int(value) for key, value in answer.items()}

    def allowed_queries(self, agency_code: str) -> AllowedQueries:
        """What the permission table lets this agency ask today (a municipality may ask for its own rows only)."""
        answer = self._transport.call(self._service, "allowed_queries", {"agency_code": agency_code})
        return AllowedQueries.model_validate(answer)
