"""A newcomer's path: the demo, the start page with demo cards and PINs, and a verified やりとり履歴 on the portal."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from renkei.cli import cli
from renkei.runtime import Runtime
from renkei.web import create_app

pytestmark = pytest.mark.slow


def test_the_start_page_leads_from_the_demo_to_a_verified_history(
    runtime: Runtime, cli_env: dict[str, str]
) -> None:
    done = CliRunner().invoke(
        cli, ["demo", "--no-serve", "--population", "40", "--card-holders", "8"], env=cli_env
    )
    assert done.exit_code == 0, done.output
    assert "/start" in done.output

    client = TestClient(create_app(runtime.settings, runtime=runtime), follow_redirects=False)
    start = client.get("/start")
    assert start.status_code == 200
    assert 'id="system-picture"' in start.text and "<script" not in start.text
    assert "demo-juki" in start.text and "renkei-demo-2026" in start.text
    cards = re.findall(r'<code class="card-number">(\d{12})</code>', start.text)
    assert cards, "the start page lists the demo cards"
    assert "やりとり履歴あり" in start.text

    page = client.get("/portal/login")
    fields = dict(re.findall(r'name="(csrf_token|challenge_id)" value="([^"]+)"', page.text))
    login = client.post("/portal/login", data={**fields, "card_number": cards[0], "pin": "1234"})
    assert login.status_code == 303, login.text
    history = client.get("/portal/history")
    assert history.status_code == 200
    assert 'class="ok verified"' in history.text and 'class="error failed"' not in history.text
    assert re.search(r"([1-9]\d*)件", history.text)


def test_the_start_page_says_how_to_get_demo_data_when_there_is_none(runtime: Runtime) -> None:
    client = TestClient(create_app(runtime.settings, runtime=runtime))
    page = client.get("/start")
    assert page.status_code == 200 and "make demo" in page.text
