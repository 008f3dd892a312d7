"""The outbox relay: every 異動 reaches the 統合宛名, the 中間サーバー and JPKI, at least once and in order."""

from __future__ import annotations

import datetime as dt

from renkei.addressee import service as addressee
from renkei.intermediate import service as intermediate
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.runtime import Runtime
from renkei.runtime.relay import JPKI_CONSUMER, relay
from tests.residents.builders import CHIYODA, register, row


def join_hub(runtime: Runtime, lg_code: str = CHIYODA) -> None:
    runtime.mount_municipality(lg_code)
    with runtime.municipal_session(lg_code) as session:
        intermediate.register_with_hub(
            session,
            lg_code=lg_code,
            settings=runtime.settings,
            hub=HubClient(runtime.transport),
            name="千代田区",
        )


def a_birth(runtime: Runtime, parent_id: int) -> int:
    with runtime.municipal_session(CHIYODA) as session:
        child = residents.record_birth(
            session,
            parent_id=parent_id,
            given_name="陽菜",
            given_name_kana="ヒナ",
            birth_date=dt.date(2026, 11, 1),
            sex="2",
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    return child.id


def pending(runtime: Runtime, consumer: str) -> int:
    with runtime.municipal_session(CHIYODA) as session:
        return len(residents.pending_events(session, consumer=consumer, limit=100))


def test_a_birth_gets_an_integrated_number_and_a_sign_and_reaches_jpki(runtime: Runtime) -> None:
    parent = register(runtime, row(1))[0]
    join_hub(runtime)
    relay(runtime, CHIYODA)
    child = a_birth(runtime, parent.resident_id)

    result = relay(runtime, CHIYODA)

    assert result.addressee == 1
    assert result.signs_acquired == 1
    assert result.jpki == 1
    assert result.jpki_revoked == []  # a newborn holds no card
    with runtime.municipal_session(CHIYODA) as session:
        number = addressee.integrated_number_of_resident(session, resident_id=child)
        assert len(number) == 15
        # the child's; the parent came in through a bulk load, which reaches 符号 through acquire_missing_signs
        assert intermediate.sign_count(session, lg_code=CHIYODA) == 1
    assert pending(runtime, JPKI_CONSUMER) == 0


def test_the_intermediate_servers_events_wait_until_the_municipality_joins_the_hub(runtime: Runtime) -> None:
    parent = register(runtime, row(1))[0]
    a_birth(runtime, parent.resident_id)

    before = relay(runtime, CHIYODA)
    assert before.addressee == 1
    assert before.signs_acquired == 0

    join_hub(runtime)
    after = relay(runtime, CHIYODA)
    assert after.signs_acquired >= 1


def test_events_wait_while_jpki_is_down_and_are_delivered_once_it_is_back(runtime: Runtime) -> None:
    parent = register(runtime, row(1))[0]
    join_hub(runtime)
    relay(runtime, CHIYODA)
    runtime.in_process.set_down("jpki")
    a_birth(runtime, parent.resident_id)

    down = relay(runtime, CHIYODA)
    assert down.jpki == 0
    assert down.addressee == 1  # the other consumers are not held up
    assert pending(runtime, JPKI_CONSUMER) == 1

    runtime.in_process.set_down("jpki", False)
    back = relay(runtime, CHIYODA)
    assert back.jpki == 1
    assert pending(runtime, JPKI_CONSUMER) == 0
    assert relay(runtime, CHIYODA).jpki == 0  # nothing is sent twice


def test_a_served_ui_relays_in_the_background(runtime: Runtime) -> None:
    from fastapi.testclient import TestClient

    from renkei.web import create_app

    parent = register(runtime, row(1))[0]
    relay(runtime, CHIYODA)
    a_birth(runtime, parent.resident_id)
    assert pending(runtime, JPKI_CONSUMER) == 1

    import time

    with TestClient(create_app(runtime.settings, runtime=runtime, relay_interval=0.05)):
        deadline = time.monotonic() + 20
        while pending(runtime, JPKI_CONSUMER) and time.monotonic() < deadline:
            time.sleep(0.05)

    assert pending(runtime, JPKI_CONSUMER) == 0
