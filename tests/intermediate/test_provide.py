"""自動応答: "provide_batch" answers from the copies, sealed to each requester, signed once per batch, once per 処理通番."""

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
from renkei.protocol.messages import ForwardedBatch, ForwardedItem, ProvidedAnswer, RequesterKey
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
    runtime: Runtime,
    sign: str,
    requester_key: sealing.X25519PrivateKey,
    *,
    numbers: tuple[str, ...] = ("20250701000000000001",),
    **changes: object,
) -> ForwardedBatch:
    """A batch as the hub sends it: one query per 処理通番, the requester's sealing key, the hub's signature."""
    batch = ForwardedBatch(
        provider_agency_code=municipality_agency_code(CHIYODA),
        sent_at=clock.now(),
        requesters={
            REQUESTER: RequesterKey(
                name="東京都世田谷区", sealing_public_key=sealing.sealing_public_key_pem(requester_key)
            )
        },
        queries=[
            ForwardedItem(
                processing_number=number,
                provider_sign=sign,
                jimu_code="JM01074000000000",
                procedure_code="JT01074000000001",
                tm_code=TAX,
                requester_agency_code=REQUESTER,
                requested_at=clock.now(),
            )
            for number in numbers
        ],
    ).model_copy(update=changes)
    signed: ForwardedBatch = batch.signed(hub_keys(runtime.settings).signing)
    return signed


def answers(raw: dict[str, object]) -> list[ProvidedAnswer]:
    return [ProvidedAnswer.model_validate(r["answer"]) for r in raw["results"]]  # type: ignore[attr-defined]


def test_the_answer_carries_the_copy_sealed_to_the_requester_and_signed_by_the_provider(
    runtime: Runtime,
) -> None:
    sign = provider_with_copy(runtime)
    requester_key = sealing.generate_sealing_key()
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    raw = provide("provide_batch", forwarded(runtime, sign, requester_key).model_dump(mode="json"))
    (answer,) = answers(raw)
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
    assert provide("provide_batch", body) == provide("provide_batch", body)
    with runtime.municipal_session(CHIYODA) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IntermediateProvision)) == 1
        [record] = service.list_records(session, lg_code=CHIYODA)
    assert record.body["role"] == "provider" and record.body["result"] == "provided"
    assert record.body["requester"] == REQUESTER and record.body["copy_records"] == ["R1"]


def test_an_unknown_sign_is_answered_not_found_and_recorded(runtime: Runtime) -> None:
    provider_with_copy(runtime)
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    raw = provide(
        "provide_batch", forwarded(runtime, "0" * 32, sealing.generate_sealing_key()).model_dump(mode="json")
    )
    (answer,) = answers(raw)
    assert (answer.status, answer.sealed_payload, answer.message) == (
        "not_found",
        "",
        "該当する符号がありません。",
    )
    with runtime.municipal_session(CHIYODA) as session:
        assert [r.body["result"] for r in service.list_records(session, lg_code=CHIYODA)] == ["not_found"]


def test_a_batch_is_signed_once_and_each_answer_is_checked_alone(runtime: Runtime) -> None:
    sign = provider_with_copy(runtime)
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    key = sealing.generate_sealing_key()
    numbers = tuple(f"2025070100000000000{i}" for i in range(1, 6))
    got = answers(
        provide("provide_batch", forwarded(runtime, sign, key, numbers=numbers).model_dump(mode="json"))
    )
    assert [a.processing_number for a in got] == list(numbers)
    assert len({a.proof.signature for a in got}) == 1 and {a.proof.size for a in got} == {5}
    provider_key = HubClient(runtime.transport).agency(municipality_agency_code(CHIYODA)).signing_public_key
    for answer in got:
        answer.verify(provider_key)
    # one answer moved to another place of the batch, or altered, no longer verifies
    with pytest.raises(Invalid):
        got[0].model_copy(update={"proof": got[1].proof}).verify(provider_key)
    with pytest.raises(Invalid):
        got[0].model_copy(update={"message": "改ざん"}).verify(provider_key)


def test_a_batch_not_signed_by_the_hub_stale_or_meant_for_another_agency_is_refused(runtime: Runtime) -> None:
    sign = provider_with_copy(runtime)
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    key = sealing.generate_sealing_key()
    forged = forwarded(runtime, sign, key)
    forged = forged.model_copy(
        update={"queries": [forged.queries[0].model_copy(update={"tm_code": "TM00000000000001"})]}
    )
    with pytest.raises(Invalid) as caught:
        provide("provide_batch", forged.model_dump(mode="json"))
    assert caught.value.field == "signature"
    other = forwarded(runtime, sign, key, provider_agency_code=municipality_agency_code(SETAGAYA))
    with pytest.raises(Forbidden):
        provide("provide_batch", other.model_dump(mode="json"))
    stale = forwarded(runtime, sign, key, sent_at=clock.now() - dt.timedelta(minutes=10))
    with pytest.raises(Forbidden, match="転送日時"):
        provide("provide_batch", stale.model_dump(mode="json"))
    stranger = signing.generate_signing_key()
    with pytest.raises(Invalid):
        provide("provide_batch", forwarded(runtime, sign, key).signed(stranger).model_dump(mode="json"))
    with runtime.municipal_session(CHIYODA) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IntermediateProvision)) == 0
