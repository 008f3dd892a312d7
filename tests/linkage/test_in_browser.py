"""A clerk's day in Debian's chromium: home charts, the residents list, a query built with the pickers and its
answer with item names. Each page is saved as a screenshot ($RENKEI_SCREENSHOTS under `make test`)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from renkei.runtime import Runtime
from renkei.web import create_app
from tests.jpki.serving import serving
from tests.linkage.builders import CHIYODA, SETAGAYA
from tests.linkage.test_pages import moved_family
from tests.web.builders import log_in_browser, make_clerk


@pytest.mark.slow
def test_a_clerk_queries_with_the_pickers_and_reads_named_items_in_a_browser(
    runtime: Runtime, page: Any, screenshot: Any
) -> None:
    new_atenas = moved_family(runtime)  # a family moved from A (千代田区) to B; A holds their tax copies
    clerk = make_clerk(runtime, "juki", "welfare", lg_code=SETAGAYA, login="day-clerk")
    with serving(create_app(runtime.settings, runtime=runtime)) as url:
        log_in_browser(page, url, clerk)
        assert page.locator("main svg").count() >= 2  # the day at a glance: 異動 and 照会 charts

        page.goto(f"{url}/residents")
        assert page.locator("main table tr").count() >= 4  # the moved family and the resident of B
        screenshot(page, "residents-list")

        page.goto(f"{url}/linkage/query?atena={new_atenas[0]}&system=juki&provider={CHIYODA}")
        row = page.locator("main table tr", has_text="受給資格の認定（認定請求）").filter(
            has_text="地方税関係情報"
        )
        row.get_by_role("link", name="この組合せで入力").click()
        assert page.input_value("#jm") == "JM01074000000000"
        assert page.input_value("#tm") == "TM00000000000002"
        assert page.input_value("#atena") == new_atenas[0] and page.input_value("#provider") == CHIYODA
        screenshot(page, "query-pickers")

        page.click("main form button:has-text('照会する')")
        page.wait_for_url(f"{url}/linkage/query/*")
        if "照会中" in page.inner_text("main"):  # in one process the result page delivers on the next look
            page.reload()
        text = page.inner_text("main")
        assert "回答あり" in text and "合計所得金額（TK00000200000190）" in text
        screenshot(page, "query-result")

        page.goto(f"{url}/")  # the day's query now shows in the chart
        assert re.search(r"<title>\d\d/\d\d 照会 1件</title>", page.inner_html("main"))
        screenshot(page, "home-charts")
