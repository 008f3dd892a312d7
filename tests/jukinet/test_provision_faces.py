"""本人確認情報の提供 from the command line and the disclosure page, as a national body and the window use them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from renkei.cli import cli
from renkei.protocol.provision import IdentityQuery, ProvisionClient, ProvisionRequest, RecipientRegistration
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.web.builders import CITY_A, logged_in, populate


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        staff_service, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_a_batch_file_and_the_disclosure_from_the_command_line(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    people = populate(runtime)
    code, out = invoke(cli_env, "jukinet", "register-recipient", "NENKIN01", "日本年金機構")
    assert code == 0 and "B1-001" in out
    code, out = invoke(cli_env, "jukinet", "register-recipient", "nenkin", "日本年金機構")
    assert code == 1 and "code" in out and "Traceback" not in out
    queries = tmp_path / "query.csv"
    queries.write_text(
        "照会番号,住民票コード,氏名,生年月日,性別,住所\n"
        "A1,,山田　太郎,昭和60年4月1日,男,\n"
        "A2,,山田　次郎,1985-04-01,1,\n",
        encoding="cp932",
    )
    answers = tmp_path / "answer.csv"
    code, out = invoke(
        cli_env,
        "jukinet",
        "provide-batch",
        str(queries),
        "--recipient",
        "NENKIN01",
        "--affair",
        "B1-002",
        "--out",
        str(answers),
    )
    assert code == 0, out
    assert "2件中1件を提供しました" in out
    lines = answers.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("照会番号,結果,住民票コード,個人番号")
    assert lines[1].startswith("A1,提供,") and lines[2].startswith("A2,該当なし,")
    code, out = invoke(
        cli_env, "jukinet", "provide", "--recipient", "NENKIN01", "--affair", "B1-005", "--name", "山田　太郎"
    )
    assert code == 1 and "生年月日" in out
    code, out = invoke(cli_env, "jukinet", "disclosure", "--resident", f"{CITY_A}:{people['太郎'][0]}")
    assert code == 0, out
    assert "一括提供\t基本4情報による照会\tB1-002" in out and "日本年金機構（NENKIN01）\t提供" in out
    code, out = invoke(cli_env, "jukinet", "verify-records")
    assert code == 0 and "改ざんは検出されませんでした" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("番号,氏名\n1,x\n", encoding="utf-8")
    code, out = invoke(
        cli_env,
        "jukinet",
        "provide-batch",
        str(bad),
        "--recipient",
        "NENKIN01",
        "--affair",
        "B1-002",
        "--out",
        str(answers),
    )
    assert code == 1 and "見出し" in out


def test_the_window_shows_a_resident_who_received_their_identity(runtime: Runtime) -> None:
    people = populate(runtime)
    client = ProvisionClient(runtime.transport)
    client.register_recipient(RecipientRegistration(code="GAIMU001", name="外務大臣"))
    client.provide(
        ProvisionRequest(
            recipient_code="GAIMU001",
            affair_code="B1-005",
            queries=[IdentityQuery(name="山田花子", birth_date=dt.date(1987, 6, 2), sex="2")],
        )
    )
    juki, _ = logged_in(runtime, "juki")
    page = juki.get(f"/jukinet/disclosure/{people['花子'][0]}")
    assert page.status_code == 200
    assert "外務大臣（GAIMU001）" in page.text and "旅券法による一般旅券の発給" in page.text
    assert "即時提供" in page.text and "令和" in page.text
    assert "提供の記録はありません" in juki.get(f"/jukinet/disclosure/{people['太郎'][0]}").text
    overview = juki.get("/jukinet")
    assert overview.status_code == 200 and "GAIMU001" in overview.text and "日本年金機構" in overview.text
    tax, _ = logged_in(runtime, "tax")
    assert tax.get(f"/jukinet/disclosure/{people['花子'][0]}").status_code == 403
    assert tax.get("/jukinet").status_code == 403
