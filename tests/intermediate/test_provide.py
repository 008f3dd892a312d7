"""自動応答: the "provide" operation answers from the copies, sealed to the requester, signed, once per 処理通番."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid
from renkei.core.ids import municipality_agency_code
from renkei.hub.signs import hub_keys
from renkei.intermediate import service
from renkei.intermediate.models import IntermediateProvision
from renkei.intermediate.rpc import api as dispatcher
from renkei.protocol import sealing, signing
from renkei.protocol.answers import open_answer
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.messages import ForwardedQuery, ProvidedAnswer
from renkei.runtime import Runtime
from tests.linkage.builders import (
    CHIYODA,
    FAMILY,
    INCOME,
    SETAGAYA,
    TAX,
    TAX_ITEMS,
    as_text,
    populate,
    rows,
    tax_copy,
)

REQUESTER = municipality_agency_code(SETAGAYA)


def provider_with_copy(runtime: Runtime) -> str:
    """A with its family, 符号 and one tax copy for the father; returns the father's 符号 at A."""
    people = list(populate(runtime, CHIYODA, rows(CHIYODA, FAMILY, household="0000000001", start=1)).values())
    hub, jukinet = HubClient(runtime.transport), JukinetClient(runtime.transport)
    with runtime.municipal_session(CHIYODA) as session:
        service.register_with_hub(session, lg_code=CHIYODA, settings=runtime.settings, hub=hub)
        service.acquire_missing_signs(
            session, lg_code=CHIYODA, settings=runtime.settings, jukinet=jukinet, hub=hub
        )
        service.register_copy(session, lg_code=CHIYODA, entry=tax_copy(people[0], "R1"))
        return service.sign_of(session, lg_code=CHIYODA, integrated_number=people[0])


def forwarded(
    runtime: Runtime, sign: str, requester_key: sealing.X25519PrivateKey, **changes: object
) -> ForwardedQuery:
    query = ForwardedQuery(
        processing_number="20250701000000000001",
        provider_agency_code=municipality_agency_code(CHIYODA),
        provider_sign=sign,
        jimu_code="JM01074000000000",
        procedure_code="JT01074000000001",
        tm_code=TAX,
        requester_agency_code=REQUESTER,
        requester_name="東京都世田谷区",
        requester_sealing_public_key=sealing.sealing_public_key_pem(requester_key),
        requested_at=clock.now(),
    ).model_copy(update=changes)
    signed: ForwardedQuery = query.signed(hub_keys(runtime.settings).signing)
    return signed


def test_the_answer_carries_the_copy_sealed_to_the_requester_and_signed_by_the_provider(
    runtime: Runtime,
) -> None:
    sign = provider_with_copy(runtime)
    requester_key = sealing.generate_sealing_key()
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    raw = provide("provide", forwarded(runtime, sign, requester_key).model_dump(mode="json"))
    answer = ProvidedAnswer.model_validate(raw)
    assert answer.status == "provided"
    assert TAX_ITEMS[INCOME] not in answer.sealed_payload  # the hub sees ciphertext only
    provider_key = HubClient(runtime.transport).agency(municipality_agency_code(CHIYODA)).signing_public_key
    payload = open_answer(
        answer,
        requester_agency_code=REQUESTER,
        sealing_key=requester_key,
        provider_signing_public_key=provider_key,
    )
    assert payload is not None
    assert [as_text(c.items) for c in payload.copies] == [TAX_ITEMS]
    with pytest.raises(Invalid, match="別の宛先"):
        open_answer(
            answer,
            requester_agency_code=REQUESTER,
            sealing_key=sealing.generate_sealing_key(),
            provider_signing_public_key=provider_key,
        )


def test_a_redelivered_query_gets_the_same_answer_and_no_second_provision(runtime: Runtime) -> None:
    sign = provider_with_copy(runtime)
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    body = forwarded(runtime, sign, sealing.generate_sealing_key()).model_dump(mode="json")
    assert provide("provide", body) == provide("provide", body)
    with runtime.municipal_session(CHIYODA) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IntermediateProvision)) == 1
        [record] = service.list_records(session, lg_code=CHIYODA)
    assert record.body["role"] == "provider" and record.body["result"] == "provided"
    assert record.body["requester"] == REQUESTER and record.body["copy_records"] == ["R1"]


def test_an_unknown_sign_is_answered_not_found_and_recorded(runtime: Runtime) -> None:
    provider_with_copy(runtime)
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    raw = provide(
        "provide", forwarded(runtime, "0" * 32, sealing.generate_sealing_key()).model_dump(mode="json")
    )
    answer = ProvidedAnswer.model_validate(raw)
    assert (answer.status, answer.sealed_payload, answer.message) == (
        "not_found",
        "",
        "該当する符号がありません。",
    )
    with runtime.municipal_session(CHIYODA) as session:
        assert [r.body["result"] for r in service.list_records(session, lg_code=CHIYODA)] == ["not_found"]


def test_a_query_not_signed_by_the_hub_or_meant_for_another_agency_is_refused(runtime: Runtime) -> None:
    sign = provider_with_copy(runtime)
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    key = sealing.generate_sealing_key()
    forged = forwarded(runtime, sign, key).model_copy(update={"tm_code": "TM00000000000001"})
    with pytest.raises(Invalid) as caught:
        provide("provide", forged.model_dump(mode="json"))
    assert caught.value.field == "signature"
    other = forwarded(runtime, sign, key, provider_agency_code=municipality_agency_code(SETAGAYA))
    with pytest.raises(Forbidden):
        provide("provide", other.model_dump(mode="json"))
    stranger = signing.generate_signing_key()
    with pytest.raises(Invalid):
        provide(
            "provide",
            forwarded(runtime, sign, key)
            .model_copy(update={"requested_at": clock.now() + dt.timedelta(seconds=1)})
            .signed(stranger)
            .model_dump(mode="json"),
        )
