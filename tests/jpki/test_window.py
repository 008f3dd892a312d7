"""The municipal window: issuance with an identity check, PIN rules, suspend/resume, revoke, renew."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid, Unauthenticated
from renkei.jpki import service
from renkei.protocol.jpki import CardApplication
from renkei.runtime import Runtime
from tests.jpki.builders import AUTH_PIN, SIGN_PIN, application, check, issue, person


def _sign(runtime: Runtime, card_number: str, slot: str, pin: str) -> bytes:
    with runtime.session("jpki") as session:
        return service.card_sign(
            session, settings=runtime.settings, card_number=card_number, slot=slot, pin=pin, data=b"x"
        )


def _status(runtime: Runtime, resident_id: int = 1) -> dict[str, str]:
    with runtime.session("jpki") as session:
        status = service.holder_status(session, lg_code="131016", resident_id=resident_id)
    return {
        c.kind + ("" if c.status != "revoked" else "-old"): c.status
        for card in status.cards
        for c in card.certificates
    }


def test_a_card_gets_both_certificates_and_signs_with_either_pin(runtime: Runtime) -> None:
    card = issue(runtime)
    assert card.sign_serial and card.auth_serial
    assert len(_sign(runtime, card.card_number, "auth", AUTH_PIN)) == 256
    assert len(_sign(runtime, card.card_number, "sign", SIGN_PIN)) == 256


def test_no_signing_certificate_is_issued_under_15(runtime: Runtime) -> None:
    with clock.frozen(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        card = issue(runtime, register=person(birth_date=dt.date(2012, 1, 1)))
    assert card.sign_serial is None
    assert card.note and "15歳未満" in card.note
    with pytest.raises(Forbidden, match="署名用電子証明書が搭載されていません"):
        _sign(runtime, card.card_number, "sign", SIGN_PIN)


def test_a_child_card_expires_on_the_fifth_birthday_an_adult_card_on_the_tenth(runtime: Runtime) -> None:
    with clock.frozen(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        child = issue(runtime, 1, register=person(birth_date=dt.date(2012, 1, 1)))
        adult = issue(runtime, 2, register=person(birth_date=dt.date(1980, 1, 1)))
    assert child.expires_on == dt.date(2031, 1, 1)
    assert adult.expires_on == dt.date(2036, 1, 1)


def test_an_application_that_does_not_match_the_register_is_refused(runtime: Runtime) -> None:
    app = application()
    wrong = CardApplication(**{**app.model_dump(), "declared": person(name="山田 次郎")})
    with runtime.session("jpki") as session, pytest.raises(Invalid, match="氏名") as caught:
        service.issue_card(session, settings=runtime.settings, application=wrong)
    assert caught.value.field == "name"


def test_issuance_without_an_identity_document_is_refused(runtime: Runtime) -> None:
    app = application()
    app = CardApplication(**{**app.model_dump(), "check": check(document="  ").model_dump()})
    with runtime.session("jpki") as session, pytest.raises(Forbidden, match="本人確認"):
        service.issue_card(session, settings=runtime.settings, application=app)


def test_a_second_live_card_is_refused(runtime: Runtime) -> None:
    issue(runtime)
    with pytest.raises(Conflict, match="有効なカードが既にあります"):
        issue(runtime)


@pytest.mark.parametrize(
    ("slot", "pin", "message"),
    [
        ("auth", "123", "数字4桁"),
        ("auth", "12a4", "数字4桁"),
        ("sign", "ABC12", "6〜16"),
        ("sign", "abc123", "6〜16"),
        ("sign", "A" * 17, "6〜16"),
        ("sign", "ABCDEF", "それぞれ"),
        ("sign", "123456", "それぞれ"),
    ],
)
def test_pins_that_break_the_rules_are_refused_at_issuance(
    runtime: Runtime, slot: str, pin: str, message: str
) -> None:
    app = application()
    values = app.model_dump()
    values["auth_pin" if slot == "auth" else "sign_pin"] = pin
    with runtime.session("jpki") as session, pytest.raises(Invalid, match=message):
        service.issue_card(session, settings=runtime.settings, application=CardApplication(**values))


def test_the_authentication_pin_locks_after_three_wrong_tries(runtime: Runtime) -> None:
    card = issue(runtime)
    for remaining in (2, 1):
        with pytest.raises(Unauthenticated, match=f"あと{remaining}回"):
            _sign(runtime, card.card_number, "auth", "0000")
    with pytest.raises(Forbidden, match="ロックされました"):
        _sign(runtime, card.card_number, "auth", "0000")
    # The right PIN no longer helps; the signing PIN is unaffected.
    with pytest.raises(Forbidden, match="ロックされています"):
        _sign(runtime, card.card_number, "auth", AUTH_PIN)
    assert _sign(runtime, card.card_number, "sign", SIGN_PIN)


def test_the_signing_pin_locks_after_five_wrong_tries(runtime: Runtime) -> None:
    card = issue(runtime)
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            _sign(runtime, card.card_number, "sign", "WRONG1")
    with pytest.raises(Forbidden, match="ロックされました"):
        _sign(runtime, card.card_number, "sign", "WRONG1")
    with pytest.raises(Forbidden, match="ロックされています"):
        _sign(runtime, card.card_number, "sign", SIGN_PIN)


def test_a_right_pin_clears_earlier_failures(runtime: Runtime) -> None:
    card = issue(runtime)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            _sign(runtime, card.card_number, "auth", "0000")
    _sign(runtime, card.card_number, "auth", AUTH_PIN)
    for remaining in (2, 1):
        with pytest.raises(Unauthenticated, match=f"あと{remaining}回"):
            _sign(runtime, card.card_number, "auth", "0000")


def test_a_pin_reset_needs_the_identity_check_and_unlocks(runtime: Runtime) -> None:
    card = issue(runtime)
    for _ in range(3):
        with pytest.raises((Unauthenticated, Forbidden)):
            _sign(runtime, card.card_number, "auth", "0000")
    with runtime.session("jpki") as session, pytest.raises(Forbidden, match="本人確認"):
        service.reset_pin(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            slot="auth",
            new_pin="4321",
            check=check(document=""),
        )
    with runtime.session("jpki") as session, pytest.raises(Forbidden, match="一致しません"):
        service.reset_pin(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            slot="auth",
            new_pin="4321",
            check=check(2),
        )
    with runtime.session("jpki") as session:
        view = service.reset_pin(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            slot="auth",
            new_pin="4321",
            check=check(),
        )
    assert not view.auth_pin_locked
    assert _sign(runtime, card.card_number, "auth", "4321")


def test_a_lost_card_is_suspended_and_resumed_at_the_window(runtime: Runtime) -> None:
    card = issue(runtime)
    with runtime.session("jpki") as session:
        view = service.suspend(session, card_number=card.card_number)
    assert view.status == "suspended"
    assert {c.status for c in view.certificates} == {"hold"}
    with pytest.raises(Forbidden, match="一時停止中"):
        _sign(runtime, card.card_number, "auth", AUTH_PIN)
    with runtime.session("jpki") as session, pytest.raises(Forbidden):
        service.resume(session, card_number=card.card_number, check=None)
    with runtime.session("jpki") as session:
        view = service.resume(session, card_number=card.card_number, check=check())
    assert view.status == "active" and {c.status for c in view.certificates} == {"good"}
    assert _sign(runtime, card.card_number, "auth", AUTH_PIN)


def test_revocation_on_request_keeps_the_other_certificate(runtime: Runtime) -> None:
    card = issue(runtime)
    with runtime.session("jpki") as session:
        view = service.revoke(
            session, card_number=card.card_number, kind="sign", reason="cessation-of-operation", check=check()
        )
    statuses = {c.kind: (c.status, c.reason) for c in view.certificates}
    assert statuses == {"sign": ("revoked", 5), "auth": ("good", None)}
    with runtime.session("jpki") as session, pytest.raises(Invalid, match="失効理由"):
        service.revoke(
            session, card_number=card.card_number, kind="auth", reason="certificate-hold", check=check()
        )


def test_renewal_supersedes_the_old_certificate_with_a_new_key(runtime: Runtime) -> None:
    card = issue(runtime)
    moved = person(address="東京都世田谷区世田谷4丁目21番27号")
    with runtime.session("jpki") as session:
        view = service.renew(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            kind="sign",
            check=check(register=moved),
        )
    signs = [c for c in view.certificates if c.kind == "sign"]
    assert [(c.status, c.reason) for c in signs] == [("revoked", 4), ("good", None)]
    assert signs[0].serial != signs[1].serial


def test_the_issuance_log_is_a_hash_chain_that_shows_tampering(runtime: Runtime) -> None:
    card = issue(runtime)
    with runtime.session("jpki") as session:
        service.suspend(session, card_number=card.card_number)
        count = service.verify_issuance_log(session)
    assert count >= 8  # 3 CAs, 2 responders, 2 certificates, card, 2 holds
    from renkei.jpki.models import LogEntry

    with runtime.session("jpki") as session:
        entry = session.get(LogEntry, 4)
        assert entry is not None
        entry.detail = {"tampered": True}
    with runtime.session("jpki") as session, pytest.raises(Conflict, match="改ざん"):
        service.verify_issuance_log(session)
