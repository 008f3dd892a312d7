"""ぴったりサービス: a 児童手当 application signed on the card reaches the clerk, who checks and decides it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid, Unauthenticated
from renkei.intermediate import portal as municipal_portal
from renkei.portal import pittari
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.portal import ApplicationInboxClient
from renkei.protocol.relying import CertificateChecker
from renkei.runtime import Runtime
from renkei.web import create_app
from tests.jpki.serving import serving
from tests.portal.builders import LG_B, PIN, Holder, portal_of, world
from tests.web.builders import csrf_of, log_in, log_in_browser, make_clerk
from tests.web.conftest import light_password_hashing

__all__ = ["light_password_hashing"]
SIGN_PIN = "RENKEI2026"
FORM = {"child_name": "試験 葵", "child_birth_date": "", "bank_account": "1234567"}


@pytest.fixture
def holders(runtime: Runtime) -> list[Holder]:
    return world(runtime)


def form() -> dict[str, str]:
    return {**FORM, "child_birth_date": (clock.today() - dt.timedelta(days=20)).isoformat()}


def logged_in(runtime: Runtime, holder: Holder) -> int:
    portal = portal_of(runtime)
    challenge = portal.begin_login()
    return portal.login_with_card(
        challenge_id=challenge.challenge_id, card_number=holder.card_number, pin=PIN
    ).user_id


def inbox(runtime: Runtime) -> list[Any]:
    with runtime.municipal_session(LG_B) as session:
        asked = municipal_portal.inbox_request(session, lg_code=LG_B, settings=runtime.settings)
    return ApplicationInboxClient(runtime.transport).inbox(asked).applications


def test_a_signed_application_reaches_the_inbox_with_signature_and_status_verified(
    runtime: Runtime, holders: list[Holder]
) -> None:
    user_id = logged_in(runtime, holders[0])
    application = portal_of(runtime).apply(
        user_id,
        card_number=holders[0].card_number,
        service_code="jidoteate-nintei",
        form=form(),
        pin=SIGN_PIN,
    )
    assert application.status == "submitted"

    [record] = inbox(runtime)
    jpki = JpkiClient(runtime.transport)
    check = municipal_portal.check_application(record, checker=CertificateChecker(jpki), jpki=jpki)
    assert check.ok and check.status_at_signing == "good" and check.signer_is_applicant

    tampered = record.model_copy(
        update={"content": {**record.content, "fields": {**form(), "bank_account": "7654321"}}}
    )
    bad = municipal_portal.check_application(tampered, checker=CertificateChecker(jpki), jpki=jpki)
    assert not bad.ok and "改ざん" in bad.problems[0]


def test_the_status_at_signing_stays_good_after_a_later_suspension(
    runtime: Runtime, holders: list[Holder]
) -> None:
    user_id = logged_in(runtime, holders[0])
    portal_of(runtime).apply(
        user_id,
        card_number=holders[0].card_number,
        service_code="jidoteate-nintei",
        form=form(),
        pin=SIGN_PIN,
    )
    jpki = JpkiClient(runtime.transport)
    jpki.suspend(card_number=holders[0].card_number)
    [record] = inbox(runtime)
    check = municipal_portal.check_application(record, checker=CertificateChecker(jpki), jpki=jpki)
    assert check.status_at_signing == "good"  # what mattered was the status when it was signed


def test_wrong_sign_pins_are_counted_and_fields_are_named(runtime: Runtime, holders: list[Holder]) -> None:
    user_id = logged_in(runtime, holders[0])
    portal = portal_of(runtime)
    card = holders[0].card_number
    with pytest.raises(Unauthenticated, match="あと4回"):
        portal.apply(user_id, card_number=card, service_code="jidoteate-nintei", form=form(), pin="WRONG123")
    with pytest.raises(Invalid) as short:
        portal.apply(user_id, card_number=card, service_code="jidoteate-nintei", form=form(), pin="12")
    assert short.value.field == "署名用PIN"
    with pytest.raises(Invalid) as bank:
        portal.apply(
            user_id,
            card_number=card,
            service_code="jidoteate-nintei",
            form={**form(), "bank_account": "12"},
            pin=SIGN_PIN,
        )
    assert bank.value.field == "振込先口座番号（7桁）"
    with pytest.raises(Forbidden, match="本人ではありません"):  # another person's card cannot sign for me
        portal.apply(
            user_id,
            card_number=holders[1].card_number,
            service_code="jidoteate-nintei",
            form=form(),
            pin=SIGN_PIN,
        )
    assert inbox(runtime) == []


def test_another_persons_application_is_never_visible(runtime: Runtime, holders: list[Holder]) -> None:
    mine = logged_in(runtime, holders[0])
    theirs = logged_in(runtime, holders[1])
    application = portal_of(runtime).apply(
        mine,
        card_number=holders[0].card_number,
        service_code="tenshutsu",
        form={"destination_address": "東京都千代田区千代田1-1", "move_date": clock.today().isoformat()},
        pin=SIGN_PIN,
    )
    assert portal_of(runtime).applications(theirs) == []
    with pytest.raises(Exception, match="見つかりません"):
        portal_of(runtime).application(theirs, application.id)


def test_search_by_life_event() -> None:
    assert [s.code for s in pittari.search(lg_code=LG_B, life_event="引越し")] == ["tenshutsu"]
    with pytest.raises(Invalid):
        pittari.search(lg_code=LG_B, life_event="宇宙旅行")


@pytest.mark.slow
def test_in_a_browser_a_signed_childcare_application_is_accepted_and_the_resident_sees_it(
    runtime: Runtime, holders: list[Holder], page: Any, screenshot: Any
) -> None:
    clerk = make_clerk(runtime, "welfare", lg_code=LG_B, login="kodomo-clerk")
    with serving(create_app(runtime.settings, runtime=runtime)) as url:
        page.goto(f"{url}/portal/login")
        page.fill("#card_number", holders[0].card_number)
        page.fill("#pin", PIN)
        page.click("#login-button")
        page.wait_for_url(f"{url}/portal")
        page.goto(f"{url}/portal/services?life_event=妊娠・出産")
        page.click("text=児童手当 認定請求")
        for name, value in form().items():
            page.fill(f"#{name}", value)
        page.fill("#sign_pin", SIGN_PIN)
        page.click("#apply-button")
        page.wait_for_selector("#application-status")
        assert page.inner_text("#application-status") == "審査中"
        mine = page.url

        staff = page.context.browser.new_context(locale="ja-JP").new_page()
        log_in_browser(staff, url, clerk, then="/inbox")
        staff.click("#inbox a")
        assert staff.inner_text("#signature-ok") == "検証済み"
        assert staff.inner_text("#status-at-signing") == "有効"
        screenshot(staff, "clerk-checks")
        staff.click("#accept-button")
        staff.wait_for_selector("#item-status")
        assert staff.inner_text("#item-status") == "受理"

        page.goto(mine)
        screenshot(page, "resident-sees-accepted")
        assert page.inner_text("#application-status") == "受理"


def test_only_the_responsible_clerk_opens_the_inbox(runtime: Runtime, holders: list[Holder]) -> None:
    app = create_app(runtime.settings, runtime=runtime)
    tax = TestClient(app, follow_redirects=False)
    log_in(tax, make_clerk(runtime, "tax", lg_code=LG_B))
    assert tax.get("/inbox").status_code == 403
    welfare = TestClient(app, follow_redirects=False)
    log_in(welfare, make_clerk(runtime, "welfare", lg_code=LG_B))
    assert welfare.get("/inbox").status_code == 200
    token = csrf_of(welfare, "/account/password")
    missing = welfare.post(
        "/inbox/" + "0" * 32 + "/decide", data={"csrf_token": token, "decision": "accepted"}
    )
    assert missing.status_code == 404
