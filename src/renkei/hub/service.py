"""The hub's public face: agencies, 符号 issue, query acceptance and polling, its records (情報提供等記録).

Services flush, never commit; the caller's transaction (rpc or CLI) makes each action and its record atomic.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid, NotFound
from renkei.core.ids import municipality_agency_code
from renkei.core.settings import Settings
from renkei.hub import local_use, signs
from renkei.hub.accept import SIGNED_WINDOW, accept, check_fresh
from renkei.hub.delivery import (
    Claim,
    Push,
    Sent,
    claim_due,
    deliver_round,
    poll_result,
    push_results,
    send_batch,
    settle_batch,
)
from renkei.hub.models import RECORDS, HubAgency, HubQuery, HubRecord
from renkei.hub.permissions import list_permissions
from renkei.hub.schemas import DeliveryReport
from renkei.protocol import ledger, signing
from renkei.protocol.api import split_endpoint
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.messages import (
    AcquiredSign,
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
    QueryAccepted,
    QueryBatch,
    QueryRequest,
    SignAcquisitionRequest,
    SignAcquisitionResponse,
)
from renkei.protocol.transport import Transport

__all__ = [
    "SIGNED_WINDOW",
    "Claim",
    "Push",
    "Sent",
    "acquire_signs",
    "claim_due",
    "deliver_pending",
    "deliver_round",
    "find_agency",
    "get_agency",
    "hub_info",
    "list_agencies",
    "list_permissions",
    "list_records",
    "person_records",
    "poll",
    "poll_batch",
    "poll_result",
    "push_results",
    "record_proof",
    "register_agency",
    "send_batch",
    "settle_batch",
    "sign_records_root",
    "submit_queries",
    "submit_query",
    "verify_records",
]

Sessions = Callable[[], AbstractContextManager[Session]]


# --- agencies ------------------------------------------------------------------------------------------
def hub_info(*, settings: Settings) -> HubInfo:
    keys = signs.hub_keys(settings)
    return HubInfo(
        agency_code=signs.HUB_AGENCY_CODE, name=signs.HUB_NAME, signing_public_key=keys.signing_public_pem
    )


def _info(agency: HubAgency) -> AgencyInfo:
    return AgencyInfo(
        agency_code=agency.agency_code,
        name=agency.name,
        kind=agency.kind,
        endpoint=agency.endpoint,
        signing_public_key=agency.signing_public_key,
        sealing_public_key=agency.sealing_public_key,
        registered_at=agency.registered_at,
        retired_at=agency.retired_at,
    )


def _agency(session: Session, agency_code: str, *, field: str = "機関コード") -> HubAgency:
    agency = session.get(HubAgency, agency_code)
    if agency is None:
        raise NotFound(f"機関コード「{agency_code}」は登録されていません", record=agency_code, field=field)
    if agency.retired_at is not None:
        raise Forbidden(_retired(agency), record=agency_code, field=field)
    return agency


def _retired(agency: HubAgency) -> str:
    assert agency.retired_at is not None
    return f"機関コード「{agency.agency_code}」は{agency.retired_at.astimezone(clock.JST):%Y-%m-%d}に廃止されています"


def find_agency(session: Session, *, agency_code: str) -> AgencyInfo | None:
    agency = session.get(HubAgency, agency_code)
    return None if agency is None else _info(agency)


def _check_endpoint(agency_code: str, endpoint: str) -> None:
    """A municipality's node endpoint names its own 団体コード: nobody may register to receive another's queries."""
    split = split_endpoint(endpoint)
    service = split[1] if split else endpoint
    if re.fullmatch(r"lg\d{6}", service) and municipality_agency_code(service[2:]) != agency_code:
        raise Forbidden(
            f"接続先（{endpoint}）の団体コードが機関コード「{agency_code}」と一致しません",
            record=agency_code,
            field="endpoint",
        )


def register_agency(
    session: Session, *, registration: AgencyRegistration, require_signature: bool = True
) -> AgencyInfo:
    """Register an agency, or update it.

    The registration is signed with the agency's registered key (a first registration with the key it
    registers, proving possession), so a key change needs the current key and nobody else may take over an
    agency's traffic. `require_signature=False` only for the trusted one-process default when nothing changes.
    """
    signing.load_signing_public_key(registration.signing_public_key)
    from renkei.protocol.sealing import load_sealing_public_key

    load_sealing_public_key(registration.sealing_public_key)
    _check_endpoint(registration.agency_code, registration.endpoint)
    now = clock.now()
    agency = session.get(HubAgency, registration.agency_code)
    if agency is not None and agency.retired_at is not None:  # only an operator's action could bring it back
        raise Forbidden(_retired(agency), record=agency.agency_code, field="agency_code")
    keys_change = agency is not None and (agency.signing_public_key, agency.sealing_public_key) != (
        registration.signing_public_key,
        registration.sealing_public_key,
    )
    if agency is None:
        if require_signature:
            registration.verify(registration.signing_public_key, record=registration.agency_code)
        agency = HubAgency(agency_code=registration.agency_code, registered_at=now)
        session.add(agency)
    elif keys_change or require_signature:
        # Whoever holds the registered key may rotate it; nobody else may take over an agency's traffic.
        registration.verify(agency.signing_public_key, record=registration.agency_code)
    agency.name = registration.name
    agency.kind = registration.kind
    agency.endpoint = registration.endpoint
    agency.signing_public_key = registration.signing_public_key
    agency.sealing_public_key = registration.sealing_public_key
    agency.updated_at = now
    session.flush()
    return _info(agency)


def get_agency(session: Session, *, agency_code: str) -> AgencyInfo:
    return _info(_agency(session, agency_code))


def list_agencies(session: Session) -> list[AgencyInfo]:
    return [_info(a) for a in session.scalars(sa.select(HubAgency).order_by(HubAgency.agency_code))]


# --- 符号 ----------------------------------------------------------------------------------------------
def acquire_signs(
    session: Session, *, request: SignAcquisitionRequest, settings: Settings, jukinet: JukinetClient
) -> SignAcquisitionResponse:
    """符号取得 (番号法第21条の2): 取得番号 → 住民票コード (住基ネット, transiently) → ID code → the agency's 符号.

    The 住民票コード lives only in this function's locals; nothing of it is stored or logged.
    """
    agency = _agency(session, request.agency_code)
    request.verify(agency.signing_public_key, record=request.agency_code)
    check_fresh(request.requested_at, record=request.agency_code)
    if len(set(request.acquisition_numbers)) != len(request.acquisition_numbers):
        raise Invalid("取得番号が重複しています", record=request.agency_code, field="取得番号")
    juminhyo_codes = jukinet.resolve_acquisition_numbers(list(request.acquisition_numbers))
    if len(juminhyo_codes) != len(request.acquisition_numbers):
        raise Invalid("住基ネットの応答件数が取得番号の件数と一致しません", field="取得番号")
    keys = signs.hub_keys(settings)
    codes = [signs.id_code(keys, code) for code in juminhyo_codes]
    del juminhyo_codes
    issued = signs.agency_signs(keys, codes, agency.agency_code)
    return SignAcquisitionResponse(
        agency_code=agency.agency_code,
        signs=[
            AcquiredSign(acquisition_number=number, sign=sign)
            for number, sign in zip(request.acquisition_numbers, issued, strict=True)
        ],
    )


# --- queries ---------------------------------------------------------------------------------------------
def submit_query(session: Session, *, request: QueryRequest, settings: Settings) -> QueryAccepted:
    """情報照会: verify the requester's signature, check the permission table, convert 符号A → 符号B, keep the
    query pending for delivery and answer the 処理通番 at once. Refusals are answers too, and recorded."""
    requester = _agency(session, request.requester_agency_code, field="情報照会者機関コード")
    request.verify(requester.signing_public_key, record=request.request_id)
    (answer,) = accept(
        session,
        requester=requester,
        items=[request.item()],
        requested_at=request.requested_at,
        settings=settings,
        record=request.request_id,
    )
    return answer


def submit_queries(session: Session, *, batch: QueryBatch, settings: Settings) -> list[QueryAccepted]:
    """A batch of one requester's queries, signed once, in one transaction: each checked and recorded as if it
    came alone, and idempotent on its request_id, so a batch resent after a crash is answered once per query."""
    requester = _agency(session, batch.requester_agency_code, field="情報照会者機関コード")
    batch.verify(requester.signing_public_key, record=batch.requester_agency_code)
    return accept(
        session,
        requester=requester,
        items=list(batch.requests),
        requested_at=batch.requested_at,
        settings=settings,
        record=batch.requester_agency_code,
    )


def _queries_for(session: Session, processing_numbers: list[str], requester_code: str) -> list[HubQuery]:
    found = {
        q.processing_number: q
        for q in session.scalars(
            sa.select(HubQuery).where(HubQuery.processing_number.in_(processing_numbers))
        )
    }
    queries = []
    for number in processing_numbers:
        query = found.get(number)
        # Another agency's 処理通番 is reported exactly like an unknown one: its existence is not disclosed.
        if query is None or query.requester_code != requester_code:
            raise NotFound(f"処理通番「{number}」は存在しません", record=number, field="処理通番")
        queries.append(query)
    return queries


def poll(session: Session, *, request: PollRequest) -> PollResult:
    """情報照会結果取得: pending / answered (sealed, signed by the provider) / refused."""
    requester = _agency(session, request.requester_agency_code, field="情報照会者機関コード")
    request.verify(requester.signing_public_key, record=request.processing_number)
    check_fresh(request.requested_at, record=request.processing_number)
    return poll_result(_queries_for(session, [request.processing_number], requester.agency_code)[0])


def poll_batch(session: Session, *, batch: PollBatch) -> list[PollResult]:
    """情報照会結果取得（一括）: where each of up to BATCH_LIMIT of the requester's queries stands."""
    requester = _agency(session, batch.requester_agency_code, field="情報照会者機関コード")
    batch.verify(requester.signing_public_key, record=batch.requester_agency_code)
    check_fresh(batch.requested_at, record=batch.requester_agency_code)
    numbers = list(dict.fromkeys(batch.processing_numbers))
    return [poll_result(q) for q in _queries_for(session, numbers, requester.agency_code)]


def deliver_pending(
    sessions: Sessions,
    *,
    transport: Transport,
    settings: Settings,
    limit: int = 100,
    processing_numbers: list[str] | None = None,
) -> DeliveryReport:
    """Deliver the queries that are due (oldest first, up to `limit`; only these 処理通番 when given), as the
    delivery worker does: claim, send with no transaction open, settle, push (CONVENTIONS §18)."""
    report = DeliveryReport()
    remaining = limit
    while remaining > 0:
        done = deliver_round(
            sessions,
            settings=settings,
            transport=transport,
            limit=min(remaining, 1000),
            processing_numbers=processing_numbers,
        )
        if not done.delivered:
            break
        for field in ("delivered", "answered", "refused", "retrying"):
            setattr(report, field, getattr(report, field) + getattr(done, field))
        remaining -= done.delivered
        if processing_numbers is not None:
            break
    return report


# --- records -----------------------------------------------------------------------------------------------
def list_records(
    session: Session, *, processing_number: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The hub's 情報提供等記録, newest first (each with its sequence number)."""
    # Exchanges only: the operators' actions in the same log have no 処理通番 (renkei.hub.operators).
    query = (
        sa.select(HubRecord)
        .where(HubRecord.processing_number.is_not(None))
        .order_by(HubRecord.seq.desc())
        .limit(limit)
    )
    if processing_number is not None:
        query = query.where(HubRecord.processing_number == processing_number)
    return [{"seq": r.seq, "recorded_at": r.recorded_at, **r.body} for r in session.scalars(query)]


PORTAL_KIND = "情報提供等記録開示システム"


def withheld_from_person(body: dict[str, Any], today: dt.date) -> bool:
    """A record the person may not see yet: 不開示 until a day still to come (or, without a day, for good)."""
    if not body.get("non_disclosure"):
        return False
    until = body.get("non_disclosure_until")
    return until is None or dt.date.fromisoformat(str(until)) > today


def _portal_person(
    session: Session,
    request: PersonRecordsRequest | ConsentUse,
    *,
    settings: Settings,
    record: str,
    refusal: str,
) -> tuple[HubAgency, str]:
    """A signed, fresh request of the portal (kind 情報提供等記録開示システム only) and the person its 符号 names."""
    agency = _agency(session, request.agency_code)
    request.verify(agency.signing_public_key, record=record)
    check_fresh(request.requested_at, record=record)
    if agency.kind != PORTAL_KIND:
        raise Forbidden(refusal, record=agency.agency_code)
    keys = signs.hub_keys(settings)
    return agency, signs.person_ref(keys, signs.open_sign(keys, request.sign, agency_code=agency.agency_code))


def person_records(session: Session, *, request: PersonRecordsRequest, settings: Settings) -> PersonRecords:
    """The hub's records of one person, with inclusion proofs, for マイナポータル やりとり履歴 only.

    Only an agency of kind 情報提供等記録開示システム may ask: any other agency seeing a person's exchanges with
    every body would defeat the per-agency 符号.
    """
    _portal, ref = _portal_person(
        session,
        request,
        settings=settings,
        record=request.agency_code,
        refusal="情報提供等記録の開示は情報提供等記録開示システムだけが求められます",
    )
    if request.listing:
        return _person_listing(session, ref)
    query = sa.select(HubRecord).where(HubRecord.person_ref == ref).order_by(HubRecord.seq)
    if request.proof_seqs is not None:  # another person's seq is simply not answered
        query = query.where(HubRecord.seq.in_(request.proof_seqs))
    today = clock.today()
    found = list(session.scalars(query))
    shown = [e for e in found if not withheld_from_person(e.body, today)]
    latest = RECORDS.latest_root(session)
    if shown and (latest is None or latest.tree_size < shown[-1].seq):
        sign_records_root(session, settings=settings)
    proofs = RECORDS.inclusion_proofs(session, seqs=[e.seq for e in shown])  # O(log n) stored hashes each
    bases: dict[tuple[Any, Any], str] = {}  # the basis depends on (requester, 事務) only: one look-up each
    records = []
    for entry in shown:
        body = {k: v for k, v in entry.body.items() if k != "person_ref"}
        which = (body.get("requester_code"), body.get("jimu_code"))
        if which not in bases:  # the person sees the 条例 behind a 独自利用事務
            bases[which] = local_use.basis_of_record(session, body)
        basis = bases[which]
        if body.get(
            "consent_id"
        ):  # a client's fetch through the 自己情報取得API rests on the person's consent
            basis = f"本人の同意（自己情報取得API、同意ID {body['consent_id']}）"
        records.append(
            {
                "seq": entry.seq,
                "recorded_at": entry.recorded_at.isoformat(),
                **body,
                "basis": basis,
                "proof": proofs[entry.seq].as_dict(),
            }
        )
    return PersonRecords(records=records, withheld=len(found) - len(shown))


LISTED = ("requested_at", "requester_code", "requester_name", "provider_code", "provider_name", "tm_code")


def _person_listing(session: Session, ref: str) -> PersonRecords:
    """Every record of the person that is not withheld, as the fields a list needs (the bodies parsed by orjson,
    not by the ORM: a list of a thousand entries is most of a page's cost)."""
    query = sa.select(HubRecord.seq, sa.cast(HubRecord.body, sa.Text)).where(HubRecord.person_ref == ref)
    today = clock.today()
    records, withheld = [], 0
    for seq, text in session.execute(query):
        body = orjson.loads(text)
        if withheld_from_person(body, today):
            withheld += 1
            continue
        records.append({"seq": seq, **{name: body.get(name) for name in LISTED}, "proof": None})
    return PersonRecords(records=records, withheld=withheld)


API_PROVIDER_NAME = "マイナポータル（自己情報取得API）"


def record_consent_use(session: Session, *, request: ConsentUse, settings: Settings) -> ConsentUseRecorded:
    """One hub record per 特定個人情報 a client received under a person's consent, in the same log as every
    exchange (so やりとり履歴 shows it, proven); only the portal may ask, for a person by its own 符号."""
    agency, ref = _portal_person(
        session,
        request,
        settings=settings,
        record=request.consent_id,
        refusal="同意に基づく提供の記録は情報提供等記録開示システムだけが求められます",
    )
    keys = signs.hub_keys(settings)
    at = clock.now()
    bodies = [
        {
            "processing_number": f"C{at.astimezone(clock.JST):%Y%m%d}{uuid.uuid4().hex[:11]}",
            "requester_code": request.client_id,
            "requester_name": request.client_name,
            "provider_code": agency.agency_code,
            "provider_name": API_PROVIDER_NAME,
            "jimu_code": "JM00000000000001",  # 自己情報提供 (decision 0095)
            "procedure_code": "JT00000000000002",  # 自己情報取得APIによる提供 (decision 0099)
            "tm_code": tm,
            "requested_at": request.requested_at.isoformat(),
            "provided_at": at.isoformat(),
            "result": "provided",
            "message": f"本人の同意（{request.consent_id}）に基づく提供",
            "consent_id": request.consent_id,
            "person_ref": ref,
        }
        for tm in request.tm_codes
    ]
    seqs = RECORDS.append_many(session, bodies, key=keys.signing)
    return ConsentUseRecorded(seqs=seqs)


def sign_records_root(session: Session, *, settings: Settings) -> int | None:
    """Sign the current head of the hub's records (the runtime calls this periodically); returns its size."""
    head = RECORDS.sign_root(session, key=signs.hub_keys(settings).signing)
    return None if head is None else head.tree_size


def verify_records(session: Session, *, settings: Settings) -> ledger.Report:
    return RECORDS.verify(session, public_key=signs.hub_keys(settings).signing.public_key())


def record_proof(session: Session, *, seq: int, settings: Settings) -> ledger.InclusionProof:
    """Inclusion proof of one hub record against the latest signed head (signing one first if needed)."""
    latest = RECORDS.latest_root(session)
    if latest is None or latest.tree_size < seq:
        sign_records_root(session, settings=settings)
    return RECORDS.inclusion_proof(session, seq=seq)
