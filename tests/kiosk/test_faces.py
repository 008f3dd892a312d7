"""コンビニ交付 from the command line and the pages: the kiosk screen, 証明書確認, settlement, 印鑑登録 at the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from renkei.cli import cli
from renkei.core import clock
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.kiosk.builders import AUTH_PIN, card_holder
from tests.web.builders import CITY_A, client_for, csrf_of, logged_in


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        staff_service, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_a_kiosk_issuance_from_the_command_line_verifies_and_settles(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    holder = card_holder(runtime)
    pdf = tmp_path / "juminhyo.pdf"
    code, out = invoke(
        cli_env,
        "kiosk",
        "issue",
        "--card",
        holder.card_number,
        "--pin",
        AUTH_PIN,
        "--kind",
        "juminhyo",
        "--out",
        str(pdf),
    )
    assert code == 0, out
    assert "住民票の写しを交付しました（手数料 200円）" in out
    verification = out.split("証明書確認番号 ")[1].split(" ")[0]
    code, out = invoke(cli_env, "certificates", "verify", "--lg-code", CITY_A, str(pdf))
    assert code == 0 and "電子公印は有効です" in out and "千代田区長" in out
    altered = tmp_path / "altered.pdf"
    data = bytearray(pdf.read_bytes())
    data[data.index(b"stream") + 30] ^= 0x01
    altered.write_bytes(bytes(data))
    code, out = invoke(cli_env, "certificates", "verify", "--lg-code", CITY_A, str(altered))
    assert code == 1 and "改ざん" in out
    code, out = invoke(cli_env, "certificates", "check-code", "--lg-code", CITY_A, verification)
    assert code == 0 and "住民票の写し" in out
    code, out = invoke(
        cli_env,
        "kiosk",
        "issue",
        "--card",
        holder.card_number,
        "--pin",
        "0000",
        "--kind",
        "inkan",
        "--out",
        str(pdf),
    )
    assert code == 1 and "PINが違います" in out
    code, out = invoke(cli_env, "kiosk", "settlement", "--month", clock.today().strftime("%Y-%m"))
    assert code == 0 and f"{CITY_A}\t住民票の写し\t1\t1\t200" in out
    code, out = invoke(
        cli_env, "certificates", "history", "--lg-code", CITY_A, "--resident", str(holder.resident_id)
    )
    assert "住民票の写し" in out and "KIOSK-0001" in out
    code, out = invoke(cli_env, "kiosk", "history", "--card", holder.card_number, "--pin", AUTH_PIN)
    assert code == 0 and "交付履歴 1件" in out and "住民票の写し" in out
    code, out = invoke(cli_env, "kiosk", "transactions")
    assert "交付" in out and "拒否" in out


def test_the_kiosk_screen_gives_a_pdf_or_the_message_a_kiosk_shows(runtime: Runtime) -> None:
    holder = card_holder(runtime)
    browser = client_for(runtime)
    token = csrf_of(browser, "/kiosk")
    wrong = browser.post(
        "/kiosk",
        data={"card_number": holder.card_number, "pin": "1111", "kind": "juminhyo", "csrf_token": token},
    )
    assert wrong.status_code == 403 and "あと2回" in wrong.text
    done = browser.post(
        "/kiosk",
        data={"card_number": holder.card_number, "pin": AUTH_PIN, "kind": "inkan", "csrf_token": token},
    )
    assert done.status_code == 200 and done.headers["content-type"] == "application/pdf"
    assert browser.get("/kiosk/check?lg_code=131016&code=AAAA-AAAA-AAAA-AAAA").status_code == 200
    own = browser.post(
        "/kiosk/history", data={"card_number": holder.card_number, "pin": AUTH_PIN, "csrf_token": token}
    )
    assert own.status_code == 200 and "交付履歴 1件" in own.text and "印鑑登録証明書" in own.text
    refused = browser.post(
        "/kiosk/history", data={"card_number": holder.card_number, "pin": "2222", "csrf_token": token}
    )
    assert "あと" in refused.text and "交付履歴 1件" not in refused.text
    clerk, _ = logged_in(runtime, "juki")
    page = clerk.get(f"/certificates/residents/{holder.resident_id}")
    assert page.status_code == 200 and "印鑑登録証明書" in page.text and "WEB-KIOSK" in page.text
    admin, _ = logged_in(runtime, "admin")
    settlement = admin.get("/kiosk/settlement")
    assert (
        settlement.status_code == 200 and "印鑑登録証明書" in settlement.text and "200円" in settlement.text
    )
    assert clerk.get("/kiosk/settlement").status_code == 403


def test_a_seal_is_registered_at_the_window(runtime: Runtime) -> None:
    holder = card_holder(runtime, seal=False)
    clerk, _ = logged_in(runtime, "juki")
    page = f"/certificates/residents/{holder.resident_id}"
    answer = clerk.post(f"{page}/seal", data={"impression": "鈴木", "csrf_token": csrf_of(clerk, page)})
    assert answer.status_code == 422 and "印影" in answer.text
    answer = clerk.post(f"{page}/seal", data={"impression": "山田", "csrf_token": csrf_of(clerk, page)})
    assert answer.status_code == 303 and "登録番号" in clerk.get(page).text
