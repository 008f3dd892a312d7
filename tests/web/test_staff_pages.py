"""The administrator's staff pages: add an account (secret shown once), disable, reset, and the event log."""

from __future__ import annotations

import pyotp

from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.web.builders import CITY_A, CITY_B, client_for, csrf_of, log_in, logged_in, make_clerk


def test_an_administrator_adds_an_account_and_sees_its_totp_secret_once(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "admin")
    token = csrf_of(client, "/staff")
    answer = client.post(
        "/staff",
        data={
            "login": "tanaka",
            "name": "田中 一郎",
            "password": "initial-passphrase",
            "roles": ["tax", "welfare"],
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    secret = answer.text.split('<code id="totp-secret">')[1].split("<")[0]
    assert "otpauth://totp/" in answer.text

    listing = client.get("/staff").text
    assert "tanaka" in listing and "田中 一郎" in listing
    assert secret not in listing
    with runtime.municipal_session(CITY_A) as session:
        account = staff_service.find_account(session, login="tanaka")
        assert account.role_names == {"tax", "welfare"}
        first = staff_service.check_password(session, login="tanaka", password="initial-passphrase")
        assert first.account is not None
        key = staff_service.totp_key(runtime.settings)
        assert staff_service.check_totp(
            session, staff_id=account.id, code=pyotp.TOTP(secret).now(), totp_key=key
        ).ok


def test_an_administrator_disables_resets_and_re_enrols_an_account(runtime: Runtime) -> None:
    client, admin = logged_in(runtime, "admin")
    clerk = make_clerk(runtime, "juki")
    token = csrf_of(client, f"/staff/{clerk.id}")
    assert (
        client.post(f"/staff/{clerk.id}/disable", data={"reason": "退職", "csrf_token": token}).status_code
        == 303
    )
    assert "無効" in client.get(f"/staff/{clerk.id}").text
    assert client.post(f"/staff/{clerk.id}/enable", data={"csrf_token": token}).status_code == 303
    roles = client.post(f"/staff/{clerk.id}/roles", data={"roles": ["juki", "welfare"], "csrf_token": token})
    assert roles.status_code == 303
    reset = client.post(
        f"/staff/{clerk.id}/reset-password", data={"new_password": "replaced-passphrase", "csrf_token": token}
    )
    assert reset.status_code == 303
    renewed = client.post(f"/staff/{clerk.id}/reset-totp", data={"csrf_token": token})
    assert renewed.status_code == 200 and "再登録しました" in renewed.text

    with runtime.municipal_session(CITY_A) as session:
        events = staff_service.events(session, account_id=clerk.id)
    assert [e.action for e in events[:5]] == [
        "totp_reset",
        "password_reset",
        "roles_changed",
        "enabled",
        "disabled",
    ]
    assert {e.actor_id for e in events[:5]} == {admin.id}
    log = client.get("/staff/events").text
    assert "アカウント無効化" in log and "退職" in log


def test_an_administrator_sees_only_their_own_municipalitys_staff(runtime: Runtime) -> None:
    make_clerk(runtime, "admin", lg_code=CITY_B, login="b-admin")
    b_clerk = make_clerk(runtime, "juki", lg_code=CITY_B)
    client, _ = logged_in(runtime, "admin", lg_code=CITY_A)
    assert "juki-clerk" not in client.get("/staff").text
    # Ids are per municipality: city B's clerk id means nothing in city A's register.
    assert client.get(f"/staff/{b_clerk.id}").status_code == 404


def test_a_bad_new_account_is_refused_with_the_field_named(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "admin")
    token = csrf_of(client, "/staff")
    answer = client.post(
        "/staff",
        data={"login": "x", "name": "X", "password": "short", "roles": ["juki"], "csrf_token": token},
    )
    assert answer.status_code == 422
    assert "12 文字以上" in answer.text


def test_the_auditor_reads_the_event_log(runtime: Runtime) -> None:
    auditor = make_clerk(runtime, "auditor")
    client = client_for(runtime)
    log_in(client, auditor)
    page = client.get("/staff/events")
    assert page.status_code == 200
    assert "ログイン" in page.text and auditor.login in page.text
