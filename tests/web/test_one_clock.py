"""One clock for people: stored in UTC, shown in Asia/Tokyo. At 23:30 UTC it is already tomorrow in Japan.

Everything here happens at 2026-04-30T23:30Z, which is 2026-05-01 08:30 JST: a page that shows the UTC date
would show 2026-04-30, which no page may show.
"""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from renkei.cli import cli
from renkei.core import clock, wareki
from renkei.runtime import Runtime
from tests.web.builders import PASSWORD, Clerk, client_for, csrf_of, make_clerk, populate

NIGHT = dt.datetime(2026, 4, 30, 23, 30, tzinfo=dt.UTC)
UTC_DAY = "2026-04-30"
JST_DAY = "2026-05-01"


def _log_in_at_night(client: TestClient, clerk: Clerk) -> None:
    token = csrf_of(client)
    first = client.post(
        "/login",
        data={"lg_code": clerk.lg_code, "login": clerk.login, "password": PASSWORD, "csrf_token": token},
    )
    assert first.status_code == 303, first.text
    code = pyotp.TOTP(clerk.totp_secret).at(NIGHT)
    second = client.post("/login/totp", data={"code": code, "csrf_token": token})
    assert second.status_code == 303, second.text


def test_the_helper_shows_the_japanese_day_of_a_late_utc_timestamp() -> None:
    assert wareki.both(NIGHT) == "2026-05-01（令和8年5月1日）"
    assert wareki.moment(NIGHT) == "2026-05-01 08:30 JST（令和8年5月1日）"
    assert wareki.moment("2026-04-30T23:30:00+00:00") == "2026-05-01 08:30 JST（令和8年5月1日）"
    assert wareki.jst(NIGHT, seconds=True) == "2026-05-01 08:30:00"
    assert (
        wareki.both(dt.date(2026, 4, 30)) == "2026-04-30（令和8年4月30日）"
    )  # a date is already a Japanese day


@pytest.mark.parametrize("role", ["juki", "admin", "auditor"])
def test_no_page_shows_the_utc_date_at_23_30_utc(runtime: Runtime, role: str) -> None:
    with clock.frozen(NIGHT):
        people = populate(runtime)
        resident_id, integrated = people["太郎"]
        clerk = make_clerk(runtime, role, login=f"night-{role}")
        make_clerk(runtime, "tax", login="made-at-night")
        client = client_for(runtime)
        _log_in_at_night(client, clerk)
        pages = [
            "/",
            "/staff",
            f"/staff/{clerk.id}",
            "/staff/events",
            "/residents",
            f"/residents/{resident_id}",
            "/addressee",
            f"/addressee/{integrated}",
            "/addressee/access-log",
            "/governance",
            "/governance/training",
            "/governance/incidents",
            "/governance/indicators",
            "/linkage",
            "/linkage/records",
            "/jpki",
        ]
        shown = []
        for path in pages:
            answer = client.get(path)
            if answer.status_code != 200:
                continue  # a page this role may not open
            shown.append(path)
            assert UTC_DAY not in answer.text, f"{path} shows the UTC date"
        assert len(shown) >= 3, shown
    if role == "admin":
        # The account made at night was made on 1 May in Japan, and its events happened at 08:30 there.
        assert JST_DAY in client.get("/staff").text
        events = client.get("/staff/events").text
        assert f"{JST_DAY} 08:30" in events and UTC_DAY not in events


def test_the_cli_shows_japanese_dates_at_23_30_utc(runtime: Runtime, cli_env: dict[str, str]) -> None:
    with clock.frozen(NIGHT):
        make_clerk(runtime, "tax", login="made-at-night")
        result = CliRunner().invoke(cli, ["staff", "list", "--municipality", "131016"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert UTC_DAY not in result.output
    assert f"作成 {JST_DAY}（令和8年5月1日）" in result.output
