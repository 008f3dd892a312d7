"""Builders for page tests: staff accounts per role and a logged-in TestClient (real password and TOTP)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from renkei.addressee import service as addressee
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.residents.schemas import ResidentRow
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from renkei.web import create_app

CITY_A = "131016"  # 東京都千代田区
CITY_B = "131121"  # 東京都世田谷区
PASSWORD = "correct-horse-battery"


@dataclass
class Clerk:
    id: int
    login: str
    lg_code: str
    totp_secret: str

    def code(self) -> str:
        return pyotp.TOTP(self.totp_secret).now()


def make_clerk(runtime: Runtime, *roles: str, lg_code: str = CITY_A, login: str | None = None) -> Clerk:
    login = login or f"{'-'.join(roles)}-clerk"
    with runtime.municipal_session(lg_code) as session:
        enrolment = staff_service.create_account(
            session,
            login=login,
            name=f"職員 {login}",
            roles=roles,
            password=PASSWORD,
            totp_key=staff_service.totp_key(runtime.settings),
            lg_code=lg_code,
        )
        return Clerk(enrolment.account.id, login, lg_code, enrolment.totp_secret)


def client_for(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime.settings, runtime=runtime), follow_redirects=False)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a form the way a browser would."""
    page = client.get(path)
    text: str = page.text
    marker = 'name="csrf_token" value="'
    start = text.index(marker) + len(marker)
    return text[start : text.index('"', start)]


def log_in(client: TestClient, clerk: Clerk) -> None:
    """Both factors through the login pages; leaves `client` holding a logged-in session."""
    token = csrf_of(client)
    first = client.post(
        "/login",
        data={"lg_code": clerk.lg_code, "login": clerk.login, "password": PASSWORD, "csrf_token": token},
    )
    assert first.status_code == 303, first.text
    second = client.post("/login/totp", data={"code": clerk.code(), "csrf_token": token})
    assert second.status_code == 303, second.text


def log_in_browser(page: Any, url: str, clerk: Clerk, *, then: str = "/") -> None:
    """Both factors through the login pages in a Playwright page, ending on `then` (the page a link asked for)."""
    page.goto(f"{url}/login?next={then}")
    page.select_option("select[name=lg_code]", clerk.lg_code)
    page.fill("input[name=login]", clerk.login)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button:has-text('次へ')")
    page.fill("input[name=code]", clerk.code())
    page.click("main button:has-text('ログイン')")
    page.wait_for_url(f"{url}{then}")


def logged_in(runtime: Runtime, *roles: str, lg_code: str = CITY_A) -> tuple[TestClient, Clerk]:
    clerk = make_clerk(runtime, *roles, lg_code=lg_code)
    client = client_for(runtime)
    log_in(client, clerk)
    return client, clerk


FAMILY = [
    ("山田", "太郎", "ヤマダ", "タロウ", dt.date(1985, 4, 1), "1", "世帯主"),
    ("山田", "花子", "ヤマダ", "ハナコ", dt.date(1987, 6, 2), "2", "妻"),
]


def populate(runtime: Runtime, lg_code: str = CITY_A, *, start: int = 1) -> dict[str, tuple[int, str]]:
    """A two-person household on the register with 統合宛名番号; returns given name → (resident id, 統合宛名番号)."""
    jukinet = JukinetClient(runtime.transport)
    jukinet.register_municipality(lg_code)
    rows = [
        ResidentRow(
            atena_number=f"{start + i:015d}",
            household_number=f"{start:010d}",
            relationship=relationship,
            surname=surname,
            given_name=given,
            surname_kana=surname_kana,
            given_name_kana=given_kana,
            birth_date=born,
            sex=sex,
            postal_code="1000001",
            address="東京都千代田区千代田一丁目1番",
            resident_since=dt.date(2020, 4, 1),
        )
        for i, (surname, given, surname_kana, given_kana, born, sex, relationship) in enumerate(FAMILY)
    ]
    with runtime.municipal_session(lg_code) as session:
        registered = residents.register_residents(
            session, lg_code=lg_code, rows=rows, jukinet=jukinet, settings=runtime.settings
        )
        addressee.register_residents(session, registered=registered, settings=runtime.settings)
        return {
            r.name.split("　")[1]: (
                r.resident_id,
                addressee.integrated_number_of_resident(session, resident_id=r.resident_id),
            )
            for r in registered
        }
