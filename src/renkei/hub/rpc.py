"""The hub's typed API (service "hub", paths /hub/v1/…): each operation parses its message, checks the caller
against its organisation certificate, and runs one service in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from renkei.core.db import Databases
from renkei.core.errors import Forbidden
from renkei.core.settings import Settings
from renkei.hub import local_use, operators, permissions, service, witness
from renkei.hub.schemas import DeliveryReport
from renkei.protocol.api import Empty, Operation, ServiceApi, operation
from renkei.protocol.identity import Caller
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.local_use import LocalUseNotification, NotificationQuery, NotificationState
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
from renkei.protocol.operator import (
    ActionList,
    ActionRecorded,
    ActionsQuery,
    AgencyChange,
    AgencyEnrolment,
    AgencyKeyRotation,
    AgencyRetirement,
    PermissionAddition,
    PermissionEnd,
    PermissionRemoval,
)
from renkei.protocol.permissions import AllowedQueries, AllowedQueriesRequest
from renkei.protocol.tlog import (
    AddCheckpointRequest,
    AddCheckpointResponse,
    WitnessedCheckpoints,
    WitnessedRequest,
)
from renkei.protocol.transport import Transport

NODE = "hub"
EVERY_NODE = frozenset({"municipality", "portal", "jpki", "jukinet", "operator", "business"})
# The kind of agency an organisation certificate's role may register itself as; any other kind (a minister, a
# prefecture …) and every change of kind is an operator's action at the hub (`renkei hub agency change --kind`).
OPERATORS = frozenset({"operator"})
KIND_OF_ROLE = {"municipality": "市町村長", "portal": service.PORTAL_KIND}


class AgencyCode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency_code: str = Field(min_length=16, max_length=16, pattern=r"^[0-9]{16}$")


class DeliveryLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=10_000)


def _check_kind(session: object, registration: AgencyRegistration, caller: Caller) -> None:
    if caller.is_embedded:
        return
    caller.must_be_agency(registration.agency_code, field="agency_code")
    allowed = KIND_OF_ROLE.get(caller.role)
    existing = service.find_agency(session, agency_code=registration.agency_code)  # type: ignore[arg-type]
    current = existing.kind if existing is not None else allowed
    if registration.kind != current:
        raise Forbidden(
            f"機関種別「{registration.kind}」への変更はハブ運用者の操作です（登録済み: {current or 'なし'}）",
            record=registration.agency_code,
            field="kind",
        )


def api(
    databases: Databases,
    settings: Settings,
    transport: Transport,
    *,
    on_accepted: Callable[[], None] | None = None,
    inline_delivery: bool = True,
) -> ServiceApi:
    """The hub's operations. A served hub passes `on_accepted` (wake its delivery worker, so a query goes to
    its provider at once) and `inline_delivery=False`; in one process a poll delivers a due query itself."""
    jukinet = JukinetClient(transport)

    def accepted(answers: list[QueryAccepted]) -> None:
        if on_accepted is not None and any(a.status == "pending" for a in answers):
            on_accepted()

    @operation("info", Empty, HubInfo, callers=EVERY_NODE)
    def info(_request: Empty, _caller: Caller) -> HubInfo:
        """ハブの機関コードと署名検証用公開鍵 / the hub's agency code and signing key."""
        return service.hub_info(settings=settings)

    @operation("register_agency", AgencyRegistration, AgencyInfo, callers={"municipality", "portal"})
    def register_agency(registration: AgencyRegistration, caller: Caller) -> AgencyInfo:
        """機関の登録・鍵の更新（自機関のみ、署名必須） / register this agency or rotate its keys."""
        with databases.session(NODE) as session:
            _check_kind(session, registration, caller)
            return service.register_agency(
                session, registration=registration, require_signature=not caller.is_embedded
            )

    @operation("agency", AgencyCode, AgencyInfo, callers=EVERY_NODE)
    def agency(request: AgencyCode, _caller: Caller) -> AgencyInfo:
        """登録済み機関の公開情報（公開鍵を含む） / a registered agency's public data."""
        with databases.session(NODE) as session:
            return service.get_agency(session, agency_code=request.agency_code)

    @operation(
        "acquire_signs", SignAcquisitionRequest, SignAcquisitionResponse, callers={"municipality", "portal"}
    )
    def acquire_signs(request: SignAcquisitionRequest, caller: Caller) -> SignAcquisitionResponse:
        """符号取得: 取得番号ごとに自機関の機関別符号 / obtain 符号 for 取得番号."""
        caller.must_be_agency(request.agency_code, field="agency_code")
        with databases.session(NODE) as session:
            return service.acquire_signs(session, request=request, settings=settings, jukinet=jukinet)

    @operation("submit_query", QueryRequest, QueryAccepted, callers={"municipality"})
    def submit_query(request: QueryRequest, caller: Caller) -> QueryAccepted:
        """情報照会要求（署名付き）: 処理通番を即時に返す / submit a signed query."""
        caller.must_be_agency(request.requester_agency_code, field="requester_agency_code")
        with databases.session(NODE) as session:
            answer = service.submit_query(session, request=request, settings=settings)
        accepted([answer])
        return answer

    @operation("submit_queries", QueryBatch, AcceptedBatch, callers={"municipality"})
    def submit_queries(batch: QueryBatch, caller: Caller) -> AcceptedBatch:
        """一括の情報照会要求（一括に一つの署名、最大1,000件） / submit a batch of queries, signed once."""
        caller.must_be_agency(batch.requester_agency_code, field="requester_agency_code")
        with databases.session(NODE) as session:
            answers = service.submit_queries(session, batch=batch, settings=settings)
        accepted(answers)
        return AcceptedBatch(accepted=answers)

    def sessions() -> AbstractContextManager[Session]:
        return databases.session(NODE)

    def deliver_first(numbers: list[str]) -> None:
        # In one process nothing else delivers: a poll of a pending query delivers it first (claim, send with no
        # transaction open, settle), exactly as the delivery worker of a served hub would.
        service.deliver_pending(
            sessions, transport=transport, settings=settings, limit=len(numbers), processing_numbers=numbers
        )

    @operation("poll", PollRequest, PollResult, callers={"municipality"})
    def poll(request: PollRequest, caller: Caller) -> PollResult:
        """情報照会結果取得（署名付き、照会者のみ） / fetch a query's result."""
        caller.must_be_agency(request.requester_agency_code, field="requester_agency_code")
        with databases.session(NODE) as session:
            result = service.poll(session, request=request)
        if result.status == "pending" and inline_delivery:
            deliver_first([request.processing_number])
            with databases.session(NODE) as session:
                result = service.poll(session, request=request)
        return result

    @operation("poll_batch", PollBatch, PollResults, callers={"municipality"})
    def poll_batch(batch: PollBatch, caller: Caller) -> PollResults:
        """情報照会結果取得（一括、最大1,000件） / fetch the results of many queries in one call."""
        caller.must_be_agency(batch.requester_agency_code, field="requester_agency_code")
        with databases.session(NODE) as session:
            results = service.poll_batch(session, batch=batch)
        pending = [r.processing_number for r in results if r.status == "pending"]
        if pending and inline_delivery:
            deliver_first(pending)
            with databases.session(NODE) as session:
                results = service.poll_batch(session, batch=batch)
        return PollResults(results=results)

    @operation("deliver_pending", DeliveryLimit, DeliveryReport, callers={"operator"})
    def deliver_pending(request: DeliveryLimit, _caller: Caller) -> DeliveryReport:
        """配信待ちの照会を情報提供者へ配信（運用者のみ） / deliver due queries (operators only)."""
        return service.deliver_pending(sessions, transport=transport, settings=settings, limit=request.limit)

    @operation("person_records", PersonRecordsRequest, PersonRecords, callers={"portal"})
    def person_records(request: PersonRecordsRequest, caller: Caller) -> PersonRecords:
        """本人の情報提供等記録（包含証明付き、開示システムのみ） / a person's records with proofs."""
        caller.must_be_agency(request.agency_code, field="agency_code")
        with databases.session(NODE) as session:
            return service.person_records(session, request=request, settings=settings)

    @operation("allowed_queries", AllowedQueriesRequest, AllowedQueries, callers={"municipality"})
    def allowed_queries(request: AllowedQueriesRequest, caller: Caller) -> AllowedQueries:
        """許可表のうち自機関が照会できる行（別表第二と受理済みの独自利用事務、自機関のみ） / what this agency may ask."""
        caller.must_be_agency(request.agency_code, field="agency_code")
        with databases.session(NODE) as session:
            return permissions.allowed_queries(session, agency_code=request.agency_code)

    @operation("record_consent_use", ConsentUse, ConsentUseRecorded, callers={"portal"})
    def record_consent_use(request: ConsentUse, caller: Caller) -> ConsentUseRecorded:
        """自己情報取得APIによる提供の記録（開示システムのみ） / record a client's use of a person's consent."""
        caller.must_be_agency(request.agency_code, field="agency_code")
        with databases.session(NODE) as session:
            return service.record_consent_use(session, request=request, settings=settings)

    @operation(
        "file_local_use_notification", LocalUseNotification, NotificationState, callers={"municipality"}
    )
    def file_local_use_notification(notification: LocalUseNotification, caller: Caller) -> NotificationState:
        """独自利用事務の情報連携の届出（署名付き、自団体のみ） / file a 独自利用事務 notification."""
        caller.must_be_agency(notification.requester_agency_code, field="requester_agency_code")
        with databases.session(NODE) as session:
            return local_use.file_notification(session, notification=notification)

    @operation(
        "local_use_notification_status", NotificationQuery, NotificationState, callers={"municipality"}
    )
    def local_use_notification_status(query: NotificationQuery, caller: Caller) -> NotificationState:
        """届出の審査状況（受理・返戻と理由） / where a notification stands."""
        caller.must_be_agency(query.requester_agency_code, field="requester_agency_code")
        with databases.session(NODE) as session:
            return local_use.notification_status(session, query=query)

    # The hub witnesses every node's records log (C2SP tlog-witness, decision 0100): the answer carries the
    # spec's own status and body, so a node reads 409 (its old size), 422 (a fork) … exactly as specified.
    @operation(
        "witness_add_checkpoint", AddCheckpointRequest, AddCheckpointResponse, callers={"municipality"}
    )
    def witness_add_checkpoint(request: AddCheckpointRequest, _caller: Caller) -> AddCheckpointResponse:
        """証跡ログの立会い（チェックポイントの連署） / cosign a node's checkpoint (tlog-witness)."""
        with databases.session(NODE) as session:
            return witness.add_checkpoint(session, request=request, settings=settings)

    @operation("witness_checkpoints", WitnessedRequest, WitnessedCheckpoints, callers=EVERY_NODE)
    def witness_checkpoints(request: WitnessedRequest, _caller: Caller) -> WitnessedCheckpoints:
        """立会い済みのチェックポイントと拒否の記録 / what this witness cosigned and refused."""
        with databases.session(NODE) as session:
            return witness.witnessed(session, request=request)

    # Operator actions (decision 0037): an operator's organisation certificate on the wire, and every request
    # signed with the key the hub enrolled for that person; each one recorded in the hub's records log.
    def operator_action(name: str, model: type[Any], act: Callable[..., ActionRecorded], summary: str) -> Any:
        def handler(request: Any, caller: Caller) -> ActionRecorded:
            with databases.session(NODE) as session:
                return act(session, request=request, caller=caller, settings=settings)

        return Operation(name, model, ActionRecorded, handler, OPERATORS, summary)

    operator_actions_ops = [
        operator_action(
            "operator_register_agency",
            AgencyEnrolment,
            operators.register_agency,
            "機関の登録（運用者、署名・記録付き） / register an agency (operators only)",
        ),
        operator_action(
            "operator_change_agency",
            AgencyChange,
            operators.change_agency,
            "機関の名称・機関種別・接続先の変更（運用者） / change an agency (operators only)",
        ),
        operator_action(
            "operator_rotate_agency_keys",
            AgencyKeyRotation,
            operators.rotate_agency_keys,
            "機関の鍵の更新の代行（鍵の紛失時、運用者） / replace an agency's keys on its behalf",
        ),
        operator_action(
            "operator_retire_agency",
            AgencyRetirement,
            operators.retire_agency,
            "機関の廃止（運用者） / retire an agency (operators only)",
        ),
        operator_action(
            "operator_add_permissions",
            PermissionAddition,
            operators.add_permissions,
            "許可表への行の追加（運用者） / add permission-table rows (operators only)",
        ),
        operator_action(
            "operator_end_permission",
            PermissionEnd,
            operators.end_permission,
            "許可表の行の終了（最終日を設定、運用者） / end a permission-table row (operators only)",
        ),
        operator_action(
            "operator_remove_permission",
            PermissionRemoval,
            operators.remove_permission,
            "誤って登録した許可表の行の削除（運用者） / remove a mistaken row (operators only)",
        ),
    ]

    @operation("operator_actions", ActionsQuery, ActionList, callers=OPERATORS)
    def operator_actions(request: ActionsQuery, _caller: Caller) -> ActionList:
        """運用者の操作の記録（新しい順） / the operators' recorded actions, newest first."""
        with databases.session(NODE) as session:
            return ActionList(actions=operators.list_actions(session, limit=request.limit))

    return ServiceApi(NODE, "hub", "renkei hub 情報提供ネットワークシステム").add(
        info,
        register_agency,
        agency,
        acquire_signs,
        submit_query,
        submit_queries,
        poll,
        poll_batch,
        deliver_pending,
        person_records,
        allowed_queries,
        record_consent_use,
        file_local_use_notification,
        local_use_notification_status,
        witness_add_checkpoint,
        witness_checkpoints,
        *operator_actions_ops,
        operator_actions,
    )
