"""In a real browser (Debian's chromium): card login, やりとり履歴 checked by the page's own script, PIN lock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from renkei.hub.models import HubRecord
from renkei.runtime import Runtime
from renkei.web import create_app
from tests.jpki.serving import serving
from tests.portal.builders import JUMINHYO, PIN, Holder, ask_about, world

pytestmark = pytest.mark.slow


@pytest.fixture
def site(runtime: Runtime) -> Iterator[tuple[str, list[Holder]]]:
    holders = world(runtime)
    with serving(create_app(runtime.settings, runtime=runtime)) as url:
        yield url, holders


def log_in(page: Any, url: str, holder: Holder, pin: str = PIN) -> None:
    page.goto(f"{url}/portal/login")
    page.fill("#card_number", holder.card_number)
    page.fill("#pin", pin)
    page.click("#login-button")


def test_a_resident_logs_in_with_card_and_pin_and_sees_a_query_about_them_verified(
    runtime: Runtime, site: tuple[str, list[Holder]], page: Any, screenshot: Any
) -> None:
    url, holders = site
    done = ask_about(runtime, holders[0])
    ask_about(runtime, holders[0], tm=JUMINHYO)

    log_in(page, url, holders[0])
    page.wait_for_url(f"{url}/portal")
    page.click("text=やりとり履歴")
    page.wait_for_selector("#browser-summary[data-done='1']")
    screenshot(page, "history")

    row = page.locator(f"tr[data-processing_number='{done.process_number}']")
    assert row.locator(".server-check").inner_text() == "検証済み"
    assert row.locator(".browser-check").inner_text() == "ブラウザで検証済み"
    assert page.inner_text("#browser-summary") == "ブラウザでの検証: 2件 検証済み、0件 検証失敗"


def test_the_page_script_itself_catches_an_edited_record(
    runtime: Runtime, site: tuple[str, list[Holder]], page: Any, screenshot: Any
) -> None:
    url, holders = site
    kept = ask_about(runtime, holders[0])
    edited = ask_about(runtime, holders[0], tm=JUMINHYO)
    with runtime.session("hub") as session:
        record = session.scalar(
            sa.select(HubRecord).where(HubRecord.processing_number == edited.process_number)
        )
        assert record is not None
        record.body = {**record.body, "result": "provided"}

    log_in(page, url, holders[0])
    page.goto(f"{url}/portal/history")
    page.wait_for_selector("#browser-summary[data-done='1']")
    screenshot(page, "tampered")

    bad = page.locator(f"tr[data-processing_number='{edited.process_number}']")
    good = page.locator(f"tr[data-processing_number='{kept.process_number}']")
    assert "検証失敗" in bad.locator(".server-check").inner_text()
    assert "検証失敗" in bad.locator(".browser-check").inner_text()
    assert good.locator(".browser-check").inner_text() == "ブラウザで検証済み"


def test_three_wrong_pins_lock_the_card(site: tuple[str, list[Holder]], page: Any, screenshot: Any) -> None:
    url, holders = site
    for remaining in (2, 1):
        log_in(page, url, holders[1], pin="0000")
        assert f"あと{remaining}回" in page.inner_text("#login-error")
    log_in(page, url, holders[1], pin="0000")
    message = page.inner_text("#login-error")
    screenshot(page, "locked")
    assert "ロックされました" in message and "窓口" in message
    log_in(page, url, holders[1])  # the right PIN no longer opens it
    assert "ロックされています" in page.inner_text("#login-error")
