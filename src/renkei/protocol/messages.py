"""Message schemas of the hub protocol (情報照会 → 情報提供), shared by the hub and every node.

Operations of the service "hub" (`renkei.protocol.hub.HubClient` wraps them):

==================  =============================  ==============================================================
operation           body                           answer
==================  =============================  ==============================================================
info                {}                             HubInfo: the hub's 機関コード and signing public key
register_agency     AgencyRegistration             AgencyInfo (idempotent; changing keys needs the old key's
                                                   signature over the new registration)
agency              {"agency_code"}                AgencyInfo (a requester fetches the provider's signing key)
acquire_signs       SignAcquisitionRequest         SignAcquisitionResponse: one 符号 per 取得番号, same order
submit_query        QueryRequest (signed)          QueryAccepted: the 処理通番 at once (status pending or refused;
                                                   idempotent on (requester, request_id))
submit_queries      QueryBatch (signed once)       AcceptedBatch: one QueryAccepted per request, in order
poll                PollRequest (signed)           PollResult: pending / answered (sealed, signed) / refused
poll_batch          PollBatch (signed)             PollResults: the same for up to 1,000 queries in one call
deliver_pending     {"limit"}                      {"delivered", "answered", "refused", "retrying"}
person_records      PersonRecordsRequest (signed)  PersonRecords: the hub's records of one person, each with its
                                                   inclusion proof (only for the 情報提供等記録開示システム)
==================  =============================  ==============================================================

The provider node's operation "provide_batch" (service = the provider's endpoint, e.g. "lg131016")
-----------------------------------------------------------------------------------------------
The hub delivers accepted queries to their provider in batches, ``transport.call(endpoint, "provide_batch",
body)`` where ``body`` is a `ForwardedBatch` (JSON, as `model_dump(mode="json")`), signed once by the hub
(verify with `ForwardedBatch.verify(HubInfo.signing_public_key)`; get HubInfo once with `HubClient.info()`):

- ``provider_agency_code`` and ``sent_at``: to whom, and when (a batch older than a few minutes is refused);
- ``requesters``: for each requester 機関コード in the batch, its name and ``sealing_public_key`` (PEM, X25519),
  the key its answers must be sealed to;
- ``queries``: one `ForwardedItem` per query: ``processing_number`` (the 処理通番, 20 digits),
  ``provider_sign`` (the provider's own 機関別符号 of the person, 32 hex characters; the hub converted the
  requester's 符号A into this 符号B, the provider never sees 符号A), ``jimu_code`` (JM…), ``procedure_code``
  (JT…), ``tm_code`` (TM…), ``period_from`` / ``period_to`` (ISO dates or null), ``requester_agency_code`` and
  ``requested_at``.

The provider returns a `ProvidedBatch`: for each query a `ProvideResult` with its `ProvidedAnswer` or the domain
error that query met. A `ProvidedAnswer` is

- ``processing_number`` and ``provider_agency_code``, echoed from the query;
- ``status``: "provided" (copies found and sealed), "not_found" (no 副本 / 符号 unknown to the provider:
  ``message`` says which, e.g. 「該当する副本がありません。」) or "withheld" (不開示, 番号法第23条第2項);
- ``sealed_payload``: Base64 of `sealing.seal(requester_sealing_public_key, AnswerPayload JSON,
  context=answer_context(...))`; required for "provided", may be empty otherwise (the answers of one batch to
  one requester may share one key agreement, `sealing.BatchSealer`);
- ``message``: a short public message (no personal data: the hub reads it);
- ``provided_at``: when the provider answered (the 提供日時 of the records);
- ``proof``: the provider's one Ed25519 signature over the Merkle root of the batch's answers, and this
  answer's audit path (`renkei.protocol.batch_signing`), so each answer can be checked alone.

`renkei.protocol.answers.make_answers(...)` builds correct answers and `open_answer(...)` opens and checks one.
"provide_batch" must be idempotent on ``processing_number``: the hub delivers again after a timeout, and only the
first answer it receives is kept. A provider that raises `Unavailable` (or cannot be reached) leaves the queries
pending and the hub retries with back-off; any other domain error of one query is recorded as its refusal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from renkei.core.errors import Invalid
from renkei.core.ids import validate_agency_code, validate_jm, validate_jt, validate_tm
from renkei.protocol import signing
from renkei.protocol.batch_signing import BatchProof, leaf_of, verify_in_batch

SIGN_LENGTH = 32  # 機関別符号: 32 upper-case hex characters (docs/decisions/0031)
PROCESSING_NUMBER_LENGTH = 20  # 処理通番: yyyymmdd (JST) + 12-digit serial (docs/decisions/0031)

QueryStatus = Literal["pending", "answered", "refused"]
AnswerStatus = Literal["provided", "not_found", "withheld"]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignedMessage(Message):
    """A message signed by its sender over the canonical JSON of every field but `signature`."""

    signature: str = ""

    def signing_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"signature"})

    def signed(self, key: signing.Ed25519PrivateKey) -> Any:
        return self.model_copy(update={"signature": signing.sign(key, self.signing_payload())})

    def verify(self, public_key: signing.Ed25519PublicKey | str, *, record: str | None = None) -> None:
        if not self.signature:
            raise Invalid("署名がありません", record=record, field="signature")
        signing.verify(public_key, self.signing_payload(), self.signature, record=record)


def _agency(value: str) -> str:
    return validate_agency_code(value)


# --- agencies --------------------------------------------------------------------------------------------
class AgencyRegistration(SignedMessage):
    """An agency (情報照会者／情報提供者) and its keys. `endpoint` is a service name ("lg131016") or
    a node URL ``{base}/node/v1/{lg_code}`` the hub POSTs "provide" to."""

    agency_code: str
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(
        min_length=1, max_length=60
    )  # 市町村長, 都道府県知事, 厚生労働大臣 … (permission table)
    endpoint: str = Field(min_length=1, max_length=300)
    signing_public_key: str
    sealing_public_key: str

    _check_code = field_validator("agency_code")(_agency)


class AgencyInfo(Message):
    agency_code: str
    name: str
    kind: str
    endpoint: str
    signing_public_key: str
    sealing_public_key: str
    registered_at: dt.datetime
    retired_at: dt.datetime | None = (
        None  # set by an operator (renkei.protocol.operator); retired agencies act no more
    )


class HubInfo(Message):
    agency_code: str
    name: str
    signing_public_key: str


# --- 符号 acquisition ------------------------------------------------------------------------------------
class SignAcquisitionRequest(SignedMessage):
    """符号取得要求: the agency's 取得番号s (from 住基ネット), never a My Number or 住民票コード."""

    agency_code: str
    acquisition_numbers: list[str] = Field(min_length=1, max_length=10_000)
    requested_at: dt.datetime

    _check_code = field_validator("agency_code")(_agency)


class AcquiredSign(Message):
    acquisition_number: str
    sign: str


class SignAcquisitionResponse(Message):
    agency_code: str
    signs: list[AcquiredSign]


# --- queries ---------------------------------------------------------------------------------------------
class QueryItem(Message):
    """One 情報照会 as the requester asks it. `request_id` is the requester's own idempotency key."""

    request_id: str = Field(min_length=1, max_length=64)
    requester_sign: str = Field(min_length=SIGN_LENGTH, max_length=SIGN_LENGTH)
    jimu_code: str
    procedure_code: str
    provider_agency_code: str
    tm_code: str
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    non_disclosure: bool = False  # 照会側不開示コード
    # The day the person may see the record (番号法第23条第2項; decision 0096); none: for the whole retention.
    non_disclosure_until: dt.date | None = None

    _check_provider = field_validator("provider_agency_code")(_agency)

    @model_validator(mode="after")
    def _until_needs_withholding(self) -> QueryItem:
        if self.non_disclosure_until is not None and not self.non_disclosure:
            raise ValueError("non_disclosure_until は照会側不開示（non_disclosure）のときだけ指定できます")
        return self

    @field_validator("jimu_code")
    @classmethod
    def _jm(cls, value: str) -> str:
        return validate_jm(value)

    @field_validator("procedure_code")
    @classmethod
    def _jt(cls, value: str) -> str:
        return validate_jt(value)

    @field_validator("tm_code")
    @classmethod
    def _tm(cls, value: str) -> str:
        return validate_tm(value)


class QueryRequest(SignedMessage, QueryItem):
    """情報照会要求: one query, signed by the requesting node (bulk queries travel as a `QueryBatch`)."""

    requester_agency_code: str
    requested_at: dt.datetime

    _check_requester = field_validator("requester_agency_code")(_agency)

    def item(self) -> QueryItem:
        return QueryItem.model_validate(self.model_dump(include=set(QueryItem.model_fields)))


class QueryAccepted(Message):
    processing_number: str
    status: QueryStatus
    refusal_reason: str | None = None
    accepted_at: dt.datetime


class ForwardedItem(Message):
    """One query of a `ForwardedBatch` (see the module docstring)."""

    processing_number: str
    provider_sign: str
    jimu_code: str
    procedure_code: str
    tm_code: str
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    requester_agency_code: str
    requested_at: dt.datetime


class RequesterKey(Message):
    """Who asks, and the key its answers are sealed to."""

    name: str
    sealing_public_key: str


class SealedCopy(BaseModel):
    """One 副本 inside an answer: its data set, layout version, record key and items (TK code → value)."""

    model_config = ConfigDict(extra="forbid")

    dataset: str
    version: str
    record_key: str | None = None
    items: dict[str, Any]


class AnswerPayload(BaseModel):
    """The plaintext the provider seals to the requester (the hub never sees it)."""

    model_config = ConfigDict(extra="forbid")

    processing_number: str
    tm_code: str
    copies: list[SealedCopy] = Field(default_factory=list)


ANSWER_BATCH = "renkei-answers/v1"  # the purpose of a provider's batch signature over its answers


class ProvidedAnswer(Message):
    """What the provider answers for one query: sealed to the requester, signed by the provider as part of its
    batch (see the module docstring)."""

    processing_number: str
    provider_agency_code: str
    status: AnswerStatus
    sealed_payload: str = ""
    message: str = Field(default="", max_length=400)
    provided_at: dt.datetime
    proof: BatchProof

    def leaf(self) -> bytes:
        return leaf_of(self.model_dump(mode="json", exclude={"proof"}))

    def verify(self, public_key: signing.Ed25519PublicKey | str, *, record: str | None = None) -> None:
        """`Invalid` (field "signature") unless the provider signed this answer (in its batch)."""
        verify_in_batch(
            public_key,
            purpose=ANSWER_BATCH,
            signer=self.provider_agency_code,
            leaf=self.leaf(),
            proof=self.proof,
            record=record or self.processing_number,
        )


class PollRequest(SignedMessage):
    """情報照会結果取得要求: only the requester that submitted a query may poll it."""

    processing_number: str
    requester_agency_code: str
    requested_at: dt.datetime


class PollBatch(SignedMessage):
    """情報照会結果取得（一括）: the results of up to BATCH_LIMIT of the requester's own queries in one call."""

    requester_agency_code: str
    requested_at: dt.datetime
    processing_numbers: list[str] = Field(min_length=1, max_length=1000)

    _check_requester = field_validator("requester_agency_code")(_agency)


class PollResult(Message):
    processing_number: str
    status: QueryStatus
    requester_agency_code: str
    provider_agency_code: str
    tm_code: str
    requested_at: dt.datetime
    answered_at: dt.datetime | None = None
    refusal_reason: str | None = None
    answer: ProvidedAnswer | None = None


class PersonRecordsRequest(SignedMessage):
    """やりとり履歴: the portal (kind 情報提供等記録開示システム) asks for a person's records by its own 符号."""

    agency_code: str
    sign: str = Field(min_length=SIGN_LENGTH, max_length=SIGN_LENGTH)
    requested_at: dt.datetime
    # None: every record with its proof. A list: only those records, with proofs (the page shown). `listing`:
    # every record without proof, only the fields a list needs (filters, counts, chart; decision 0097).
    proof_seqs: list[int] | None = Field(default=None, max_length=100_000)
    listing: bool = False

    _check_code = field_validator("agency_code")(_agency)


class PersonRecords(Message):
    """Each record is the hub's entry body plus `seq`, `recorded_at` and `proof` (`InclusionProof.as_dict()`,
    checkable with `renkei.protocol.ledger.verify_inclusion_proof` and the hub's signing key)."""

    records: list[dict[str, Any]]
    withheld: int = 0  # records kept from the person for now (不開示, decision 0096): counted, not shown


class ConsentUse(SignedMessage):
    """自己情報取得API: the portal has the hub record that a client fetched a person's information under a consent
    (one record per 特定個人情報, shown in やりとり履歴 with its proof like any exchange; decision 0099)."""

    agency_code: str
    sign: str = Field(min_length=SIGN_LENGTH, max_length=SIGN_LENGTH)
    client_id: str = Field(min_length=1, max_length=64)
    client_name: str = Field(min_length=1, max_length=100)
    consent_id: str = Field(min_length=1, max_length=32)
    tm_codes: list[str] = Field(min_length=1, max_length=10)
    requested_at: dt.datetime

    _check_code = field_validator("agency_code")(_agency)

    @field_validator("tm_codes")
    @classmethod
    def _tms(cls, values: list[str]) -> list[str]:
        return [validate_tm(v) for v in values]


class ConsentUseRecorded(Message):
    seqs: list[int]


def answer_context(processing_number: str, provider_agency_code: str, requester_agency_code: str) -> bytes:
    """Associated data binding a sealed answer to its query, so the hub cannot swap answers between queries."""
    return f"renkei-answer|{processing_number}|{provider_agency_code}|{requester_agency_code}".encode()


def refusal_not_permitted(tm_code: str) -> str:
    """The 中間サーバー's real wording (fidelity addendum §2)."""
    return f"指定された特定個人情報名「{tm_code}」の照会は許可されていません。"


# --- batches (bulk 情報照会: one HTTP call carries many queries, answers or results) ----------------------
BATCH_LIMIT = 1000


class QueryBatch(SignedMessage):
    """Up to BATCH_LIMIT queries of one requester in one call, signed once over the whole batch (the envelope):
    the hub verifies one signature per batch and records each query; accepted as a whole or refused as a whole
    (a bad signature or a stale `requested_at`), each query then answered on its own (a refusal is an answer)."""

    requester_agency_code: str
    requested_at: dt.datetime
    requests: list[QueryItem] = Field(min_length=1, max_length=BATCH_LIMIT)

    _check_requester = field_validator("requester_agency_code")(_agency)


class AcceptedBatch(Message):
    accepted: list[QueryAccepted]


class ForwardedBatch(SignedMessage):
    """What the hub sends to a provider's "provide_batch": the queries due for it, signed once by the hub."""

    provider_agency_code: str
    sent_at: dt.datetime
    requesters: dict[str, RequesterKey]
    queries: list[ForwardedItem] = Field(min_length=1, max_length=BATCH_LIMIT)


class WireError(Message):
    error: str
    message: str
    record: str | None = None
    field: str | None = None


class ProvideResult(Message):
    """The provider's answer to one query of a batch, or the domain error that query met."""

    processing_number: str
    answer: ProvidedAnswer | None = None
    error: WireError | None = None


class ProvidedBatch(Message):
    results: list[ProvideResult]


class ResultBatch(Message):
    """Results the hub pushes to the requester node as soon as the provider answered (or the hub refused)."""

    results: list[PollResult] = Field(min_length=1, max_length=BATCH_LIMIT)


class PollResults(Message):
    results: list[PollResult]


class ResultsTaken(Message):
    taken: int
