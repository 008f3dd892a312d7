"""公的個人認証 pages: a 住基担当 issues and manages a card at the window; others see the CA's state or nothing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from renkei.protocol.jpki import JpkiClient
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.web.builders import CITY_A, csrf_of, logged_in, populate


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        staff_service, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


def _post(client: TestClient, path: str, page: str, **data: str) -> str:
    answer = client.post(path, data={**data, "csrf_token": csrf_of(client, page)})
    assert answer.status_code == 303, answer.text
    return str(client.get(answer.headers["location"]).text)


def test_a_juki_clerk_issues_suspends_and_resumes_a_card(runtime: Runtime) -> None:
    people = populate(runtime)
    resident_id = people["太郎"][0]
    client, _ = logged_in(runtime, "juki")
    page = f"/jpki/residents/{resident_id}"
    assert "カードの交付" in client.get(page).text
    issued = _post(
        client,
        f"{page}/issue",
        page,
        identity_document="運転免許証",
        auth_pin="1234",
        sign_pin="ABC123",
        want_sign="1",
    )
    assert "カードを交付しました" in issued and "署名用" in issued and "有効" in issued
    card_number = (
        JpkiClient(runtime.transport)
        .holder_status(lg_code=CITY_A, resident_id=resident_id)
        .cards[0]
        .card_number
    )
    suspended = _post(client, f"{page}/suspend", page, card_number=card_number)
    assert "一時停止中" in suspended
    resumed = _post(
        client, f"{page}/resume", page, card_number=card_number, identity_document="マイナンバーカード"
    )
    assert "一時停止を解除しました" in resumed
    renewed = _post(
        client, f"{page}/renew", page, card_number=card_number, kind="sign", identity_document="旅券"
    )
    assert "更新による置換" in renewed
    reset = _post(
        client,
        f"{page}/reset-pin",
        page,
        card_number=card_number,
        slot="auth",
        new_pin="9876",
        identity_document="旅券",
    )
    assert "PINを初期化しました" in reset
    revoked = _post(
        client,
        f"{page}/revoke",
        page,
        card_number=card_number,
        kind="both",
        reason="unspecified",
        identity_document="旅券",
    )
    assert "廃止" in revoked


def test_a_bad_pin_on_the_form_gets_a_clear_error_page(runtime: Runtime) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "juki")
    page = f"/jpki/residents/{people['花子'][0]}"
    answer = client.post(
        f"{page}/issue",
        data={
            "identity_document": "運転免許証",
            "auth_pin": "12",
            "sign_pin": "ABC123",
            "want_sign": "1",
            "csrf_token": csrf_of(client, page),
        },
    )
    assert answer.status_code == 422 and "数字4桁" in answer.text


def test_the_overview_shows_the_test_ca_and_the_log(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "auditor")
    page = client.get("/jpki")
    assert page.status_code == 200
    assert "renkei JPKI Test CA for Digital Signature" in page.text and "init_ca" in page.text


def test_the_window_is_closed_to_other_roles(runtime: Runtime) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "tax")
    assert client.get(f"/jpki/residents/{people['太郎'][0]}").status_code == 403
    assert client.get("/jpki").status_code == 403
