"""Card login at the portal: challenge, PIN on the card, chain and OCSP checked by the portal, 利用者登録."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Unauthenticated
from renkei.protocol.jpki import IdentityCheck, JpkiClient
from renkei.runtime import Runtime
from tests.portal.builders import LG_B, PIN, Holder, portal_of, world


@pytest.fixture
def holders(runtime: Runtime) -> list[Holder]:
    return world(runtime)


def login(runtime: Runtime, holder: Holder, pin: str = PIN):  # type: ignore[no-untyped-def]
    portal = portal_of(runtime)
    challenge = portal.begin_login()
    return portal.login_with_card(
        challenge_id=challenge.challenge_id, card_number=holder.card_number, pin=pin
    )


def test_a_holder_logs_in_and_is_registered_once_by_the_portals_own_sign(
    runtime: Runtime, holders: list[Holder]
) -> None:
    first = login(runtime, holders[0])
    again = login(runtime, holders[0])
    other = login(runtime, holders[1])

    assert first.first_login and not again.first_login
    assert first.user_id == again.user_id != other.user_id
    assert first.lg_code == LG_B
    user = portal_of(runtime).user(first.user_id)
    assert len(user.sign) == 32  # the portal's 符号, not a My Number or 住民票コード
    assert user.sign != portal_of(runtime).user(other.user_id).sign


def test_the_third_wrong_pin_locks_the_card_and_says_to_go_to_the_window(
    runtime: Runtime, holders: list[Holder]
) -> None:
    with pytest.raises(Unauthenticated, match="あと2回"):
        login(runtime, holders[0], pin="0000")
    with pytest.raises(Unauthenticated, match="あと1回"):
        login(runtime, holders[0], pin="0000")
    with pytest.raises(Forbidden, match=r"ロックされました.*窓口"):
        login(runtime, holders[0], pin="0000")
    with pytest.raises(Forbidden, match=r"ロックされています.*窓口"):
        login(runtime, holders[0])  # even the right PIN, now


def test_a_challenge_is_used_once(runtime: Runtime, holders: list[Holder]) -> None:
    portal = portal_of(runtime)
    challenge = portal.begin_login()
    response = JpkiClient(runtime.transport).card_login_response(
        card_number=holders[0].card_number, pin=PIN, challenge=challenge
    )
    portal.finish_login(response)
    with pytest.raises(Conflict, match="使用済み"):
        portal.finish_login(response)


def test_an_expired_challenge_is_refused(runtime: Runtime, holders: list[Holder]) -> None:
    portal = portal_of(runtime)
    challenge = portal.begin_login()
    with clock.frozen(clock.now() + dt.timedelta(minutes=6)), pytest.raises(Forbidden, match="有効期限"):
        portal.login_with_card(
            challenge_id=challenge.challenge_id, card_number=holders[0].card_number, pin=PIN
        )


def test_a_suspended_certificate_is_refused_by_ocsp(runtime: Runtime, holders: list[Holder]) -> None:
    jpki = JpkiClient(runtime.transport)
    jpki.suspend(card_number=holders[0].card_number)
    with pytest.raises(Forbidden, match="一時停止"):
        login(runtime, holders[0])


def test_a_revoked_certificate_is_refused_by_ocsp(runtime: Runtime, holders: list[Holder]) -> None:
    jpki = JpkiClient(runtime.transport)
    status = jpki.holder_status(lg_code=LG_B, resident_id=holders[1].resident_id)
    assert status.cards
    from renkei.residents import service as residents

    with runtime.municipal_session(LG_B) as session:
        person = residents.get_resident(session, resident_id=holders[1].resident_id)
    from renkei.protocol.jpki import Basic4

    check = IdentityCheck(
        lg_code=LG_B,
        resident_id=person.id,
        registered=Basic4(
            name=person.name,
            address=person.address,
            birth_date=person.birth_date,
            sex=person.sex,
            former_surname=person.former_surname,
        ),
        identity_document="運転免許証",
    )
    jpki.revoke(card_number=holders[1].card_number, kind="auth", reason="key-compromise", check=check)
    with pytest.raises(Forbidden, match="失効"):
        login(runtime, holders[1])


def test_an_expired_certificate_is_refused(runtime: Runtime, holders: list[Holder]) -> None:
    later = clock.now() + dt.timedelta(days=365 * 11)
    with clock.frozen(later), pytest.raises(Forbidden, match=r"有効期限が切れています.*窓口"):
        login(runtime, holders[0])
