"""Card free-space applications: registered centrally, written and deleted by their municipality with the PIN."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from renkei.cli import cli
from renkei.core.errors import Conflict, Forbidden, Invalid, Unauthenticated
from renkei.protocol.card_apps import AppRegistration, CardAppClient
from renkei.protocol.jpki import JpkiClient
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.kiosk.builders import AUTH_PIN, card_holder
from tests.web.builders import CITY_A, CITY_B, csrf_of, logged_in


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        staff_service, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


def test_a_seal_card_number_is_written_read_and_deleted_with_the_cards_rules(runtime: Runtime) -> None:
    holder = card_holder(runtime, tax=False)
    apps = CardAppClient(runtime.transport)
    seal_app = apps.register(AppRegistration(lg_code=CITY_A, name="印鑑登録証", purpose="印鑑登録証の代わり"))
    library = apps.register(AppRegistration(lg_code=CITY_A, name="図書館カード", pin_to_read=True))
    other = apps.register(AppRegistration(lg_code=CITY_B, name="図書館カード"))
    assert apps.register(AppRegistration(lg_code=CITY_A, name="印鑑登録証")).code == seal_app.code
    card = holder.card_number
    apps.write(
        lg_code=CITY_A,
        card_number=card,
        app_code=seal_app.code,
        pin=AUTH_PIN,
        data={"登録番号": "0123456789"},
    )
    apps.write(
        lg_code=CITY_A, card_number=card, app_code=library.code, pin=AUTH_PIN, data={"利用者番号": "L-1"}
    )
    with pytest.raises(Conflict, match="既にカードに搭載"):
        apps.write(lg_code=CITY_A, card_number=card, app_code=seal_app.code, pin=AUTH_PIN, data={})
    with pytest.raises(Forbidden, match="他の団体"):
        apps.write(lg_code=CITY_A, card_number=card, app_code=other.code, pin=AUTH_PIN, data={})
    with pytest.raises(Forbidden, match="この団体の住民のカードではありません"):
        apps.write(lg_code=CITY_B, card_number=card, app_code=other.code, pin=AUTH_PIN, data={})
    with pytest.raises(Invalid, match="256バイト"):
        apps.write(
            lg_code=CITY_A, card_number=card, app_code=library.code, pin=AUTH_PIN, data={"x": "あ" * 200}
        )
    without_pin = {a.name: a.data for a in apps.read(card_number=card)}
    assert without_pin == {"印鑑登録証": {"登録番号": "0123456789"}, "図書館カード": None}
    with_pin = {a.name: a.data for a in apps.read(card_number=card, pin=AUTH_PIN)}
    assert with_pin["図書館カード"] == {"利用者番号": "L-1"}
    with pytest.raises(Unauthenticated, match="あと2回"):
        apps.delete(lg_code=CITY_A, card_number=card, app_code=seal_app.code, pin="0000")
    apps.delete(lg_code=CITY_A, card_number=card, app_code=seal_app.code, pin=AUTH_PIN)
    assert [a.name for a in apps.read(card_number=card)] == ["図書館カード"]
    JpkiClient(runtime.transport).suspend(card_number=card)
    with pytest.raises(Forbidden, match="一時停止中"):
        apps.write(lg_code=CITY_A, card_number=card, app_code=seal_app.code, pin=AUTH_PIN, data={})
    with pytest.raises(Forbidden):
        apps.read(card_number=card)


def test_card_applications_from_the_command_line_and_the_window(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    holder = card_holder(runtime, tax=False)

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["cardapps", *args], env=cli_env)
        return result.exit_code, result.output

    code, out = run("register", "--lg-code", CITY_A, "--name", "印鑑登録証")
    assert code == 0
    app_code = out.split("\t")[0]
    code, out = run(
        "write",
        "--lg-code",
        CITY_A,
        "--card",
        holder.card_number,
        "--app",
        app_code,
        "--pin",
        AUTH_PIN,
        "--data",
        "登録番号=42",
    )
    assert code == 0, out
    code, out = run("read", "--card", holder.card_number)
    assert "登録番号=42" in out
    code, out = run(
        "write",
        "--lg-code",
        CITY_A,
        "--card",
        holder.card_number,
        "--app",
        app_code,
        "--pin",
        AUTH_PIN,
        "--data",
        "bad",
    )
    assert code == 1 and "項目=値" in out
    clerk, _ = logged_in(runtime, "juki")
    page = f"/cardapps/residents/{holder.resident_id}"
    assert "登録番号" in clerk.get(page).text
    answer = clerk.post(
        f"{page}/delete",
        data={
            "card_number": holder.card_number,
            "app_code": app_code,
            "pin": AUTH_PIN,
            "csrf_token": csrf_of(clerk, page),
        },
    )
    assert answer.status_code == 303 and "空き領域にアプリケーションはありません" in clerk.get(page).text
    answer = clerk.post("/cardapps", data={"name": "図書館カード", "csrf_token": csrf_of(clerk, "/cardapps")})
    assert answer.status_code == 303 and "図書館カード" in clerk.get("/cardapps").text
