"""The demo part: cards for part of the population; a move through the relay shows the 署名用 certificate revoked."""

from __future__ import annotations

from renkei.demo import jpki as demo
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, CITY_B, populate


def test_the_demo_issues_cards_and_shows_a_move_revoking_the_signing_certificate(runtime: Runtime) -> None:
    people = populate(runtime)
    lines = demo.setup(runtime, lg_code=CITY_A, holders=1)
    assert "1枚交付" in lines[0] and "renkei" in lines[1]
    assert "2枚" not in demo.setup(runtime, lg_code=CITY_A, holders=2)[0]  # the first holder is skipped
    resident_id = people["太郎"][0]
    jukinet = JukinetClient(runtime.transport)
    jukinet.register_municipality(CITY_B)
    with runtime.municipal_session(CITY_A) as session:
        residents.move_out(
            session,
            resident_id=resident_id,
            destination_lg_code=CITY_B,
            jukinet=jukinet,
            settings=runtime.settings,
        )
    with runtime.municipal_session(CITY_A) as session:  # the lead's relay, in miniature
        events = residents.pending_events(session, consumer="jpki", limit=100)
    client = JpkiClient(runtime.transport)
    outcomes = [client.notify_identity_change(e).outcome for e in events]
    assert "revoked_sign" in outcomes
    status = "\n".join(demo.status_lines(runtime, lg_code=CITY_A, resident_id=resident_id))
    assert "署名用電子証明書" in status and "失効（基本4情報の変更（異動））" in status
    assert "利用者証明用電子証明書" in status and ": 有効" in status
    assert "交付はありません" in demo.status_lines(runtime, lg_code=CITY_B, resident_id=999)[0]
