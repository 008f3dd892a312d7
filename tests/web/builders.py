"""Builders for page tests: staff accounts per role and a logged-in TestClient (real password and TOTP)."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
from fastapi.testclient import TestClient

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


def logged_in(runtime: Runtime, *roles: str, lg_code: str = CITY_A) -> tuple[TestClient, Clerk]:
    clerk = make_clerk(runtime, *roles, lg_code=lg_code)
    client = client_for(runtime)
    log_in(client, clerk)
    return client, clerk
