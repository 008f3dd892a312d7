"""Logging in takes a password and a current TOTP code; forms without the session's CSRF token are refused."""

from __future__ import annotations

import datetime as dt

import pyotp

from renkei.core import clock
from renkei.protocol.jukinet import JukinetClient
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.web.builders import CITY_A, PASSWORD, client_for, csrf_of, log_in, make_clerk


def test_a_clerk_logs_in_with_password_then_a_real_totp_code(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "juki")
    client = client_for(runtime)
    token = csrf_of(client)
    assert CITY_A in client.get("/login").text

    first = client.post(
        "/login",
        data={
            "lg_code": CITY_A,
            "login": clerk.login,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "/staff/me",
        },
    )
    assert first.status_code == 303
    assert first.headers["location"].startswith("/login/totp")
    # The password alone is not a login.
    assert client.get("/account/password").status_code == 303

    second = client.post(
        "/login/totp",
        data={"code": pyotp.TOTP(clerk.totp_secret).now(), "csrf_token": token, "next": "/staff/me"},
    )
    assert second.status_code == 303
    assert second.headers["location"] == "/staff/me"
    page = client.get("/account/password")
    assert page.status_code == 200
    assert clerk.login in page.text

    with runtime.municipal_session(CITY_A) as session:
        actions = [e.action for e in staff_service.events(session, account_id=clerk.id)]
    assert actions[:2] == ["login_succeeded", "password_accepted"]


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "tax")
    client = client_for(runtime)
    token = csrf_of(client)
    for login, password in ((clerk.login, "wrong-password-xx"), ("nobody", PASSWORD)):
        answer = client.post(
            "/login", data={"lg_code": CITY_A, "login": login, "password": password, "csrf_token": token}
        )
        assert answer.status_code == 401
        assert "ログイン名またはパスワードが違います" in answer.text


def test_a_wrong_totp_code_is_refused_and_the_same_code_works_only_once(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "welfare")
    client = client_for(runtime)
    token = csrf_of(client)
    client.post(
        "/login", data={"lg_code": CITY_A, "login": clerk.login, "password": PASSWORD, "csrf_token": token}
    )
    wrong = str((int(clerk.code()) + 1) % 1_000_000).zfill(6)
    assert client.post("/login/totp", data={"code": wrong, "csrf_token": token}).status_code == 401
    log_in(client, clerk)
    code = clerk.code()

    other = client_for(runtime)
    other_token = csrf_of(other)
    other.post(
        "/login",
        data={"lg_code": CITY_A, "login": clerk.login, "password": PASSWORD, "csrf_token": other_token},
    )
    replay = other.post("/login/totp", data={"code": code, "csrf_token": other_token})
    assert replay.status_code == 401
    assert "既に使われています" in replay.text


def test_the_totp_step_expires_when_the_password_is_old(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "juki")
    client = client_for(runtime)
    token = csrf_of(client)
    start = clock.now()
    with clock.frozen(start):
        client.post(
            "/login",
            data={"lg_code": CITY_A, "login": clerk.login, "password": PASSWORD, "csrf_token": token},
        )
    later = start + dt.timedelta(minutes=6)
    with clock.frozen(later):
        code = pyotp.TOTP(clerk.totp_secret).at(later)
        answer = client.post("/login/totp", data={"code": code, "csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"


def test_a_post_without_the_csrf_token_is_refused(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "juki")
    client = client_for(runtime)
    csrf_of(client)
    missing = client.post("/login", data={"lg_code": CITY_A, "login": clerk.login, "password": PASSWORD})
    assert missing.status_code == 403
    forged = client.post(
        "/login", data={"lg_code": CITY_A, "login": clerk.login, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    with runtime.municipal_session(CITY_A) as session:
        assert staff_service.events(session, account_id=clerk.id)[0].action == "created"


def test_logout_ends_the_session(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "juki")
    client = client_for(runtime)
    log_in(client, clerk)
    assert client.get("/account/password").status_code == 200
    copied = dict(client.cookies)
    assert client.post("/logout").status_code == 303
    assert client.get("/account/password").status_code == 303
    # A copy of the cookie taken before logout no longer works either.
    replay = client_for(runtime)
    replay.cookies.update(copied)
    assert replay.get("/account/password").status_code == 303
    with runtime.municipal_session(CITY_A) as session:
        assert staff_service.events(session, account_id=clerk.id)[0].action == "logout"


def test_disabling_an_account_ends_its_open_session(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "tax")
    client = client_for(runtime)
    log_in(client, clerk)
    with runtime.municipal_session(CITY_A) as session:
        staff_service.disable(session, staff_id=clerk.id, actor_id=None, reason="異動")
    answer = client.get("/account/password")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_changing_the_password_keeps_this_session_and_the_new_password_works(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "juki")
    client = client_for(runtime)
    log_in(client, clerk)
    token = csrf_of(client, "/account/password")
    new = "a-brand-new-passphrase"
    answer = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": new,
            "new_password_again": new,
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200
    assert "変更しました" in answer.text
    assert client.get("/account/password").status_code == 200
    with runtime.municipal_session(CITY_A) as session:
        assert staff_service.check_password(session, login=clerk.login, password=new).ok


def test_an_unknown_municipality_is_refused_and_no_database_is_made_for_it(runtime: Runtime) -> None:
    make_clerk(runtime, "juki")
    client = client_for(runtime)
    token = csrf_of(client)
    answer = client.post(
        "/login", data={"lg_code": "999999", "login": "x", "password": "y", "csrf_token": token}
    )
    assert answer.status_code == 422
    assert "lg999999" not in runtime.databases.nodes()


def test_the_return_path_after_login_stays_on_this_site(runtime: Runtime) -> None:
    clerk = make_clerk(runtime, "juki")
    client = client_for(runtime)
    token = csrf_of(client)
    client.post(
        "/login", data={"lg_code": CITY_A, "login": clerk.login, "password": PASSWORD, "csrf_token": token}
    )
    answer = client.post(
        "/login/totp", data={"code": clerk.code(), "csrf_token": token, "next": "//evil.example/"}
    )
    assert answer.headers["location"] == "/"


def test_the_login_page_names_the_municipalities_and_still_works_when_jukinet_is_down(
    runtime: Runtime,
) -> None:
    JukinetClient(runtime.transport).register_municipality(CITY_A)
    clerk = make_clerk(runtime, "juki")
    client = client_for(runtime)
    assert "131016 東京都千代田区" in client.get("/login").text
    log_in(client, clerk)
    assert "東京都千代田区" in client.get("/account/password").text  # the header names the municipality

    runtime.in_process.set_down("jukinet")
    page = client_for(runtime).get("/login")
    assert page.status_code == 200
    assert 'value="131016"' in page.text and "東京都千代田区" not in page.text
