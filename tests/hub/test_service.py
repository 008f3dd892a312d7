"""The hub: 符号 per agency, permission checks, routing of sealed answers, retry, and what it never stores."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.hub import service
from renkei.hub.models import HubQuery
from renkei.protocol.answers import open_answer
from renkei.protocol.hub import HubClient
from renkei.protocol.messages import refusal_not_permitted
from renkei.runtime import Runtime
from tests.hub.builders import (
    JUMINHYO,
    LG_A,
    LG_B,
    TAX,
    acquire,
    mount_provider,
    poll_request,
    query,
    register,
    residents,
)


def test_each_agency_gets_a_different_sign_for_the_same_person(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    people = residents(runtime, LG_A, 3)
    signs_a = acquire(runtime, a, LG_A, people)
    signs_b = acquire(runtime, b, LG_A, people)
    assert all(len(s) == 32 for s in signs_a + signs_b)
    assert set(signs_a).isdisjoint(signs_b)
    assert len(set(signs_a)) == 3


def test_the_same_agency_gets_the_same_sign_twice(runtime: Runtime) -> None:
    a = register(runtime, LG_A)
    people = residents(runtime, LG_A, 2)
    assert acquire(runtime, a, LG_A, people) == acquire(runtime, a, LG_A, people)


def test_an_acquisition_number_works_only_once(runtime: Runtime) -> None:
    from renkei.protocol.jukinet import JukinetClient
    from renkei.protocol.messages import SignAcquisitionRequest

    a = register(runtime, LG_A)
    people = residents(runtime, LG_A, 1)
    numbers = JukinetClient(runtime.transport).issue_acquisition_numbers(LG_A, people)
    request = SignAcquisitionRequest(
        agency_code=a.agency_code, acquisition_numbers=numbers, requested_at=clock.now()
    ).signed(a.keys.signing)
    HubClient(runtime.transport).acquire_signs(request)
    with pytest.raises(Conflict):
        HubClient(runtime.transport).acquire_signs(request)


def test_a_lawful_query_is_answered_sealed_by_the_provider_for_the_requester(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    person = residents(runtime, LG_A, 1)
    sign_a = acquire(runtime, a, LG_A, person)[0]
    sign_b = acquire(runtime, b, LG_A, person)[0]
    provider = mount_provider(runtime, a)
    provider.copies[sign_a] = {"TK00000200000010": 2025, "TK00000200000310": 5000}
    hub = HubClient(runtime.transport)

    accepted = hub.submit_query(query(b, a, sign_b))
    assert accepted.status == "pending" and len(accepted.processing_number) == 20
    result = hub.poll(poll_request(b, accepted.processing_number))

    assert result.status == "answered" and result.answer is not None
    payload = open_answer(
        result.answer,
        requester_agency_code=b.agency_code,
        sealing_key=b.keys.sealing,
        provider_signing_public_key=hub.agency(a.agency_code).signing_public_key,
    )
    assert payload is not None and payload.copies[0].items["TK00000200000310"] == 5000
    # the provider was asked with its own 符号, converted by the hub from the requester's
    assert provider.calls == [accepted.processing_number]
    with runtime.session("hub") as session:
        (record,) = service.list_records(session, processing_number=accepted.processing_number)
    assert record["result"] == "provided" and record["provided_at"] and record["tm_code"] == TAX
    assert record["requester_code"] == b.agency_code and record["provider_code"] == a.agency_code


def test_a_sign_is_translated_only_by_the_hub_and_only_for_its_own_agency(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    person = residents(runtime, LG_A, 1)
    sign_a = acquire(runtime, a, LG_A, person)[0]
    mount_provider(runtime, a)
    # B presents A's 符号 (a leaked table): the hub refuses, the 符号 was not issued to B.
    accepted = HubClient(runtime.transport).submit_query(query(b, a, sign_a))
    assert accepted.status == "refused"
    assert accepted.refusal_reason == "指定された符号は情報照会者に発行されたものではありません。"


def test_it_refuses_a_query_outside_the_permission_table_and_records_it(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    person = residents(runtime, LG_A, 1)
    sign_b = acquire(runtime, b, LG_A, person)[0]
    provider = mount_provider(runtime, a)
    hub = HubClient(runtime.transport)

    accepted = hub.submit_query(query(b, a, sign_b, tm=JUMINHYO))  # 児童手当 may ask for 地方税関係情報 only

    assert accepted.status == "refused"
    assert accepted.refusal_reason == refusal_not_permitted(JUMINHYO)
    assert (
        accepted.refusal_reason == "指定された特定個人情報名「TM00000000000001」の照会は許可されていません。"
    )
    result = hub.poll(poll_request(b, accepted.processing_number))
    assert result.status == "refused" and result.answer is None
    assert provider.calls == []
    with runtime.session("hub") as session:
        (record,) = service.list_records(session, processing_number=accepted.processing_number)
    assert record["result"] == "refused" and record["provided_at"] is None
    assert record["message"] == refusal_not_permitted(JUMINHYO)


def test_a_query_to_an_unregistered_provider_is_refused(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    request = query(b, a, sign_b).model_copy(update={"provider_agency_code": "0220113999001700"})
    accepted = HubClient(runtime.transport).submit_query(request.signed(b.keys.signing))
    assert accepted.status == "refused" and "0220113999001700" in (accepted.refusal_reason or "")


def test_a_tampered_request_is_rejected_with_a_clear_error(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    tampered = query(b, a, sign_b).model_copy(update={"tm_code": JUMINHYO})
    with pytest.raises(Invalid) as caught:
        HubClient(runtime.transport).submit_query(tampered)
    assert caught.value.field == "signature" and "署名の検証に失敗" in caught.value.message


def test_submitting_the_same_request_twice_gives_one_processing_number(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    request = query(b, a, sign_b, request_id="retry-1")
    hub = HubClient(runtime.transport)
    assert hub.submit_query(request).processing_number == hub.submit_query(request).processing_number
    with runtime.session("hub") as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(HubQuery)) == 1


def test_an_unknown_or_foreign_processing_number_is_not_found(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    mount_provider(runtime, a)
    hub = HubClient(runtime.transport)
    accepted = hub.submit_query(query(b, a, sign_b))
    with pytest.raises(NotFound) as caught:
        hub.poll(poll_request(b, "20990101000000000001"))
    assert caught.value.field == "処理通番"
    with pytest.raises(NotFound):
        hub.poll(poll_request(a, accepted.processing_number))  # A did not ask; it must not learn of B's query


def test_a_node_that_is_down_leaves_the_query_pending_and_a_later_delivery_answers_it_once(
    runtime: Runtime,
) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    person = residents(runtime, LG_A, 1)
    sign_a = acquire(runtime, a, LG_A, person)[0]
    sign_b = acquire(runtime, b, LG_A, person)[0]
    provider = mount_provider(runtime, a)
    provider.copies[sign_a] = {"TK00000200000310": 5000}
    hub = HubClient(runtime.transport)
    start = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        accepted = hub.submit_query(query(b, a, sign_b))
        runtime.in_process.set_down(a.endpoint)
        assert hub.deliver_pending() == {"delivered": 1, "answered": 0, "refused": 0, "retrying": 1}
        assert hub.poll(poll_request(b, accepted.processing_number)).status == "pending"
        runtime.in_process.set_down(a.endpoint, False)
        # not due yet: the back-off holds the next attempt
        assert hub.deliver_pending()["delivered"] == 0
    with clock.frozen(start + dt.timedelta(minutes=1)):
        assert hub.deliver_pending() == {"delivered": 1, "answered": 1, "refused": 0, "retrying": 0}
        assert hub.deliver_pending()["delivered"] == 0
        assert hub.poll(poll_request(b, accepted.processing_number)).status == "answered"
    assert provider.calls == [accepted.processing_number]
    with runtime.session("hub") as session:
        assert len(service.list_records(session, processing_number=accepted.processing_number)) == 1
        stored = session.scalars(sa.select(HubQuery)).one()
        assert stored.attempts == 1 and stored.provider_sign is None


def test_the_hub_holds_no_juminhyo_code_and_its_answers_are_ciphertext(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    people = residents(runtime, LG_A, 3)
    signs_a = acquire(runtime, a, LG_A, people)
    signs_b = acquire(runtime, b, LG_A, people)
    provider = mount_provider(runtime, a)
    secret_value = "課税標準額九九九八八八七七七"
    provider.copies[signs_a[0]] = {"TK00000200000350": secret_value}
    hub = HubClient(runtime.transport)
    accepted = hub.submit_query(query(b, a, signs_b[0]))
    assert hub.poll(poll_request(b, accepted.processing_number)).status == "answered"

    dump = _dump_database(runtime, "hub")
    for code in people:
        assert code not in dump
    for sign in signs_a + signs_b:  # nor a table of 符号
        assert sign not in dump
    assert secret_value not in dump
    assert "sealed_payload" in dump  # the answer is there, sealed


def _dump_database(runtime: Runtime, node: str) -> str:
    engine = runtime.databases.engine(node)
    parts: list[str] = []
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                parts.extend(repr(value) for value in row)
    return "\n".join(parts)


def test_re_registering_with_new_keys_needs_the_old_key(runtime: Runtime) -> None:
    from renkei.protocol.keys import NodeKeys
    from renkei.protocol.messages import AgencyRegistration

    a = register(runtime, LG_A)
    hub = HubClient(runtime.transport)
    new = NodeKeys.generate()
    takeover = AgencyRegistration(
        agency_code=a.agency_code,
        name=a.name,
        kind="市町村長",
        endpoint="elsewhere",
        signing_public_key=new.signing_public_pem,
        sealing_public_key=new.sealing_public_pem,
    )
    with pytest.raises(Invalid):
        hub.register_agency(takeover.signed(new.signing))
    rotated = hub.register_agency(takeover.signed(a.keys.signing))
    assert rotated.signing_public_key == new.signing_public_pem


def test_hub_records_verify_and_an_edited_record_is_caught(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    hub = HubClient(runtime.transport)
    for _ in range(3):
        hub.submit_query(query(b, a, sign_b, tm=JUMINHYO))
    with runtime.session("hub") as session:
        assert service.verify_records(session, settings=runtime.settings).ok
        proof = service.record_proof(session, seq=2, settings=runtime.settings)
        assert proof.tree_size == 3
        session.execute(
            sa.text("UPDATE hub_record SET body = :b WHERE seq = 2"),
            {"b": '{"result": "provided"}'},
        )
    with runtime.session("hub") as session:
        report = service.verify_records(session, settings=runtime.settings)
    assert report.bad_sequences == [2]


def test_an_agency_cannot_register_another_municipalitys_node_as_its_endpoint(runtime: Runtime) -> None:
    """Queries meant for 千代田区 must not be redirected to a node a 世田谷区 registration names."""
    with pytest.raises(Forbidden) as caught:
        register(runtime, LG_B, endpoint=f"https://127.0.0.1:9/node/v1/{LG_A}")
    assert caught.value.field == "endpoint"
    with pytest.raises(Forbidden):
        register(runtime, LG_B, endpoint=f"lg{LG_A}")
    register(runtime, LG_B, endpoint=f"https://127.0.0.1:9/node/v1/{LG_B}")  # its own node is fine


def test_a_code_no_row_of_the_table_names_is_refused_as_unknown_not_as_not_permitted(
    runtime: Runtime,
) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    hub = HubClient(runtime.transport)
    unknown = {  # 事務 JM01000000121000 lists its 事務手続 one by one (no row admits every one of them)
        "jimu": {"jimu": "JM09999000000000"},
        "procedure": {"jimu": "JM01000000121000", "procedure": "JT01074000000999"},
        "tm": {"tm": "TM00000000009999"},
    }
    reasons = {
        name: hub.submit_query(query(b, a, sign_b, **codes)).refusal_reason for name, codes in unknown.items()
    }
    assert reasons["jimu"] == "指定された事務コード「JM09999000000000」は許可表にありません（不明なコード）。"
    assert reasons["procedure"] == (
        "指定された事務手続コード「JT01074000000999」は許可表にありません（不明なコード）。"
    )
    assert (
        reasons["tm"]
        == "指定された特定個人情報名コード「TM00000000009999」は許可表にありません（不明なコード）。"
    )
    # a code the table knows, in a combination it does not admit, is still "not permitted"
    assert hub.submit_query(query(b, a, sign_b, tm=JUMINHYO)).refusal_reason == refusal_not_permitted(
        JUMINHYO
    )
