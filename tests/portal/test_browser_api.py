"""In a real browser (Debian's chromium): an OAuth client gets 自己情報 after consent and nothing after revocation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from renkei.runtime import Runtime
from renkei.web import create_app
from tests.jpki.serving import serving
from tests.portal.builders import PIN, Holder, world
from tests.portal.test_api import EXAMPLE, REDIRECT, TAX, ask, register

pytestmark = pytest.mark.slow


@pytest.fixture
def site(runtime: Runtime) -> Iterator[tuple[str, list[Holder]]]:
    holders = world(runtime, holders=1)
    with serving(create_app(runtime.settings, runtime=runtime)) as url:
        yield url, holders


def test_an_oauth_client_gets_self_information_after_consent_and_nothing_after_revocation(
    runtime: Runtime, site: tuple[str, list[Holder]], page: Any, screenshot: Any
) -> None:
    url, holders = site
    client_id, key = register(runtime, "サンプル銀行")
    with httpx.Client(timeout=30) as http:
        bank = EXAMPLE.SelfInformationClient(
            issuer=url, client_id=client_id, client_key=key, redirect_uri=REDIRECT, http=http
        )
        pushed = ask(bank)
        callbacks: list[str] = []

        def arrive(route: Any) -> None:  # the bank's site, played by the test
            callbacks.append(route.request.url)
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body="<p>受け付けました</p>")

        page.route(f"{REDIRECT}*", arrive)
        page.goto(bank.authorization_url(pushed))  # not logged in: the card login comes first
        page.fill("#card_number", holders[0].card_number)
        page.fill("#pin", PIN)
        page.click("#login-button")
        page.wait_for_selector("#approve")
        assert "住宅ローンの審査" in page.inner_text("#purpose")
        screenshot(page, "consent")
        page.click("#approve")
        page.wait_for_function("() => document.body.innerText.includes('受け付けました')")

        token = bank.redeem(callbacks[0], pushed)
        got = bank.fetch(token["access_token"])
        assert [i["tm_code"] for i in got["information"]] == [TAX]

        page.goto(f"{url}/portal/consents")
        screenshot(page, "consents")
        page.click("button.revoke")
        page.wait_for_selector("tr[data-state='revoked']")
        with pytest.raises(EXAMPLE.PortalRefused) as refused:
            bank.fetch(token["access_token"])
        assert refused.value.status == 401

    page.goto(f"{url}/portal/history")
    page.wait_for_selector("#browser-summary[data-done='1']")
    screenshot(page, "history")
    row = page.locator("tr", has_text="サンプル銀行").first
    assert row.locator(".browser-check").inner_text() == "ブラウザで検証済み"
