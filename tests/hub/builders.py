"""Builders for hub tests: agencies with real keys, residents in 住基ネット, and a small provider node.

The provider here is a real one in miniature: it checks the hub's signature, looks the person up by its own
符号, seals the answer to the requester and signs it — exactly what an intermediate server must do.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from renkei.core import clock
from renkei.core.errors import NotFound
from renkei.core.ids import municipality_agency_code
from renkei.protocol.answers import Draft, make_answers
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient, Person
from renkei.protocol.keys import NodeKeys
from renkei.protocol.messages import (
    AgencyRegistration,
    AnswerPayload,
    ForwardedBatch,
    PollRequest,
    QueryBatch,
    QueryRequest,
    SealedCopy,
    SignAcquisitionRequest,
)
from renkei.protocol.transport import Body
from renkei.runtime import Runtime

LG_A, LG_B = "131016", "131121"
TAX = "TM00000000000002"
JUMINHYO = "TM00000000000001"
CHILD_ALLOWANCE = "JM01074000000000"
NINTEI = "JT01074000000001"


@dataclass
class Node:
    """An agency as the hub knows it, with its private keys."""

    agency_code: str
    name: str
    endpoint: str
    keys: NodeKeys


def register(runtime: Runtime, lg_code: str, *, endpoint: str | None = None, kind: str = "市町村長") -> Node:
    code = municipality_agency_code(lg_code)
    node = Node(code, f"団体{lg_code}", endpoint or f"provider{lg_code}", NodeKeys.generate())
    HubClient(runtime.transport).register_agency(
        AgencyRegistration(
            agency_code=code,
            name=node.name,
            kind=kind,
            endpoint=node.endpoint,
            signing_public_key=node.keys.signing_public_pem,
            sealing_public_key=node.keys.sealing_public_pem,
        )
    )
    return node


def residents(runtime: Runtime, lg_code: str, count: int) -> list[str]:
    """Register `count` people with 住基ネット; returns their 住民票コード."""
    jukinet = JukinetClient(runtime.transport)
    jukinet.register_municipality(lg_code)
    codes = jukinet.issue_juminhyo_codes(lg_code, count)
    persons = [
        Person(
            juminhyo_code=code,
            name=f"試験 太郎{i}",
            name_kana=f"シケン タロウ{i}",
            birth_date=dt.date(1980, 1, 1 + i % 28),
            sex="1",
            address="東京都千代田区千代田1-1",
        )
        for i, code in enumerate(codes)
    ]
    jukinet.register_persons(lg_code, persons)
    return codes


def acquire(runtime: Runtime, node: Node, lg_code: str, juminhyo_codes: list[str]) -> list[str]:
    """The 符号 `node` gets for these people, through 取得番号 issued for their municipality."""
    numbers = JukinetClient(runtime.transport).issue_acquisition_numbers(lg_code, juminhyo_codes)
    request = SignAcquisitionRequest(
        agency_code=node.agency_code, acquisition_numbers=numbers, requested_at=clock.now()
    ).signed(node.keys.signing)
    response = HubClient(runtime.transport).acquire_signs(request)
    assert [s.acquisition_number for s in response.signs] == numbers
    return [s.sign for s in response.signs]


def query(
    requester: Node,
    provider: Node,
    sign: str,
    *,
    tm: str = TAX,
    jimu: str = CHILD_ALLOWANCE,
    procedure: str = NINTEI,
    request_id: str | None = None,
) -> QueryRequest:
    signed: QueryRequest = QueryRequest(
        request_id=request_id or uuid.uuid4().hex,
        requester_agency_code=requester.agency_code,
        requester_sign=sign,
        jimu_code=jimu,
        procedure_code=procedure,
        provider_agency_code=provider.agency_code,
        tm_code=tm,
        requested_at=clock.now(),
    ).signed(requester.keys.signing)
    return signed


def batch(requester: Node, requests: list[QueryRequest]) -> QueryBatch:
    """Queries as one envelope signed once by the requester (what a node sends for a bulk file)."""
    signed: QueryBatch = QueryBatch(
        requester_agency_code=requester.agency_code,
        requested_at=clock.now(),
        requests=[r.item() for r in requests],
    ).signed(requester.keys.signing)
    return signed


def poll_request(requester: Node, processing_number: str) -> PollRequest:
    signed: PollRequest = PollRequest(
        processing_number=processing_number,
        requester_agency_code=requester.agency_code,
        requested_at=clock.now(),
    ).signed(requester.keys.signing)
    return signed


@dataclass
class Provider:
    """A provider node's "provide": copies by its own 符号, answers sealed and signed, idempotent per 処理通番."""

    node: Node
    hub_public_key: str
    copies: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    answers: dict[str, Body] = field(default_factory=dict)

    def __call__(self, operation: str, body: Body) -> Body:
        if operation != "provide_batch":
            raise NotFound(f"不明な操作です: {operation}")
        batch = ForwardedBatch.model_validate(body)
        batch.verify(self.hub_public_key, record=batch.provider_agency_code)
        drafts = []
        for forwarded in batch.queries:
            self.calls.append(forwarded.processing_number)
            if forwarded.processing_number in self.answers:
                continue
            key = batch.requesters[forwarded.requester_agency_code].sealing_public_key
            items = self.copies.get(forwarded.provider_sign)
            payload = (
                None
                if items is None
                else AnswerPayload(
                    processing_number=forwarded.processing_number,
                    tm_code=forwarded.tm_code,
                    copies=[SealedCopy(dataset="0101", version="0002", items=items)],
                )
            )
            drafts.append(
                Draft(
                    processing_number=forwarded.processing_number,
                    requester_agency_code=forwarded.requester_agency_code,
                    requester_sealing_public_key=key,
                    status="not_found" if payload is None else "provided",
                    payload=payload,
                    message="該当する副本がありません。" if payload is None else "",
                )
            )
        answers = make_answers(
            drafts, provider_agency_code=self.node.agency_code, signing_key=self.node.keys.signing
        )
        for answer in answers:
            self.answers[answer.processing_number] = answer.model_dump(mode="json")
        return {
            "results": [
                {"processing_number": q.processing_number, "answer": self.answers[q.processing_number]}
                for q in batch.queries
            ]
        }


def mount_provider(runtime: Runtime, node: Node) -> Provider:
    provider = Provider(node, HubClient(runtime.transport).info().signing_public_key)
    runtime.in_process.mount(node.endpoint, provider)
    return provider
