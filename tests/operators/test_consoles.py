"""The hub and JPKI operators' consoles: only their role opens them; the day's refusal and the CA's state show."""

from __future__ import annotations

from typing import Any

import pytest

from renkei.core.ids import municipality_agency_code
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.operator import AgencyChange, OperatorClient
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from renkei.web import create_app
from tests.hub.builders import register
from tests.hub.operators import enrol
from tests.jpki.serving import serving
from tests.portal.builders import JUMINHYO, LG_A, LG_B, ask_about, world
from tests.web.builders import client_for, log_in, log_in_browser, make_clerk

CONSOLES = {"/hub": "hub_operator", "/jpki/operator": "jpki_operator"}


@pytest.mark.parametrize("role", sorted(staff_service.ROLES))
def test_each_console_opens_for_its_role_only(runtime: Runtime, role: str) -> None:
    clerk = make_clerk(runtime, role)
    client = client_for(runtime)
    log_in(client, clerk)
    for path, allowed in CONSOLES.items():
        status = client.get(path).status_code
        assert status == (200 if role == allowed else 403), (path, role, status)


def test_no_console_without_a_staff_session(runtime: Runtime) -> None:
    client = client_for(runtime)
    for path in CONSOLES:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path


def test_the_hub_operator_sees_the_days_refusal_and_the_log_heads(runtime: Runtime) -> None:
    holders = world(runtime)
    ask_about(runtime, holders[0])
    refused = ask_about(runtime, holders[0], tm=JUMINHYO)
    client = client_for(runtime)
    log_in(client, make_clerk(runtime, "hub_operator"))

    page = client.get("/hub")

    assert page.status_code == 200
    text = page.text
    assert str(refused.process_number) in text and "許可されていません" in text
    assert 'id="traffic-chart"' in text and 'data-series="拒否" data-value="1"' in text
    assert municipality_agency_code(LG_A) in text and municipality_agency_code(LG_B) in text
    assert "<script" not in text
    assert client.get("/hub?days=abc").status_code == 422


def test_the_hub_operator_sees_the_operators_recorded_actions(runtime: Runtime) -> None:
    op = enrol(runtime, "yamada", "山田 運用")
    b = register(runtime, LG_B).agency_code
    OperatorClient(runtime.transport).change_agency(
        op.sign(AgencyChange, agency_code=b, name="世田谷区（変更）", reason="名称の訂正")
    )
    client = client_for(runtime)
    log_in(client, make_clerk(runtime, "hub_operator"))

    text = client.get("/hub").text

    row = text[text.index('data-action="agency_changed"') :].split("</tr>")[0]
    assert "機関の変更" in row and b in row and "yamada" in row and "世田谷区（変更）" in row
    assert 'data-action="operator_enrolled"' in text and "山田 運用" in text


def test_the_jpki_operator_sees_certificates_by_status_and_per_month(runtime: Runtime) -> None:
    holders = world(runtime)
    JpkiClient(runtime.transport).suspend(card_number=holders[0].card_number)
    client = client_for(runtime)
    log_in(client, make_clerk(runtime, "jpki_operator"))

    page = client.get("/jpki/operator").text

    assert 'data-kind="auth" data-status="hold">1<' in page
    assert f'data-kind="auth" data-status="good">{len(holders) - 1}<' in page
    assert 'id="cards-chart"' in page and 'data-series="発行"' in page


@pytest.mark.slow
def test_in_a_browser_the_hub_operator_sees_the_days_refusal(
    runtime: Runtime, page: Any, screenshot: Any
) -> None:
    holders = world(runtime)
    refused = ask_about(runtime, holders[0], tm=JUMINHYO)
    clerk = make_clerk(runtime, "hub_operator", lg_code=LG_A, login="hub-operator")
    with serving(create_app(runtime.settings, runtime=runtime)) as url:
        log_in_browser(page, url, clerk, then="/hub")
        screenshot(page, "hub-console")
        row = page.locator("#refusal-table tr.refusal")
        assert row.count() == 1
        assert str(refused.process_number) in row.inner_text()
        assert page.locator("#refusal-chart rect.bar").count() == 1
