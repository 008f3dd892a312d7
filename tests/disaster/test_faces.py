"""被災者支援 from the command line and the disaster office's pages; who may write and who may only read."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from fastapi.testclient import TestClient

from renkei.cli import cli
from renkei.disaster import service
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.web.builders import CITY_A, csrf_of, logged_in, populate

AREA = "東京都千代田区千代田"


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        staff_service, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_a_small_disaster_from_the_command_line(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    populate(runtime)
    lg = ("--lg-code", CITY_A)
    code, out = invoke(
        cli_env,
        "disaster",
        "declare",
        *lg,
        "--name",
        "千代田豪雨",
        "--kind",
        "風水害",
        "--occurred-on",
        "2025-08-01",
        "--area",
        AREA,
    )
    assert code == 0 and "被災者 2人・住家 1件" in out, out
    with runtime.municipal_session(CITY_A) as s:
        (found,) = service.disasters(s)
        house = service.houses(s, disaster_id=found.id)[0]
        victim = service.victims(s, disaster_id=found.id)[0]
    code, out = invoke(
        cli_env,
        "disaster",
        "assess",
        *lg,
        "--house",
        str(house.id),
        "--structure",
        "木造",
        "--ratio",
        "55",
        "--surveyor",
        "税務 一郎",
    )
    assert code == 0 and "全壊" in out
    code, out = invoke(
        cli_env,
        "disaster",
        "shelter",
        *lg,
        str(found.id),
        "--name",
        "千代田小学校",
        "--address",
        AREA,
        "--capacity",
        "1",
    )
    assert code == 0
    code, out = invoke(cli_env, "disaster", "arrive", *lg, "--shelter", "1", "--victim", str(victim.id))
    assert code == 0
    code, out = invoke(cli_env, "disaster", "arrive", *lg, "--shelter", "1", "--victim", str(victim.id + 1))
    assert code == 1 and "満員" in out and "Traceback" not in out
    pdf = tmp_path / "risai.pdf"
    code, out = invoke(cli_env, "disaster", "certificate", *lg, "--victim", str(victim.id), "--out", str(pdf))
    assert code == 0 and "全壊" in out and pdf.read_bytes().startswith(b"%PDF")
    code, out = invoke(
        cli_env,
        "disaster",
        "export",
        *lg,
        str(found.id),
        "--ledger",
        "victims",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path),
    )
    assert code == 0 and (tmp_path / f"被災者台帳-{found.id}.xlsx").exists()
    code, out = invoke(cli_env, "disaster", "list", *lg)
    assert "避難中 1人" in out and "罹災証明書 1件" in out


def _post(client: TestClient, path: str, page: str, **data: str) -> str:
    answer = client.post(path, data={**data, "csrf_token": csrf_of(client, page)})
    assert answer.status_code == 303, answer.text
    return str(client.get(answer.headers["location"]).text)


def test_the_disaster_office_works_through_the_pages(runtime: Runtime) -> None:
    populate(runtime)
    office, _ = logged_in(runtime, "welfare")
    page = _post(
        office, "/disaster", "/disaster", name="千代田地震", kind="地震", occurred_on="2025-09-01", areas=AREA
    )
    assert (
        "住民記録から被災者台帳を作りました" in page
        and "山田　太郎" in page
        and "個人番号は表示しません" in page
    )
    with runtime.municipal_session(CITY_A) as s:
        (found,) = service.disasters(s)
        house = service.houses(s, disaster_id=found.id)[0]
        people = service.victims(s, disaster_id=found.id)
    base = f"/disaster/{found.id}"
    page = _post(office, f"{base}/houses/{house.id}/assess", base, structure="非木造", damage_ratio="25")
    assert "半壊" in page
    bad = office.post(
        f"{base}/houses/{house.id}/assess",
        data={"structure": "木造", "damage_ratio": "多い", "csrf_token": csrf_of(office, base)},
    )
    assert bad.status_code == 422 and "損害割合" in bad.text
    page = _post(office, f"{base}/shelters", base, name="区民会館", address=AREA, capacity="30")
    page = _post(office, f"{base}/victims/{people[1].id}/arrive", base, shelter_id="1")
    assert "入所を記録しました" in page and "1人" in page
    page = _post(
        office, f"{base}/victims/{people[1].id}/support", base, kind="relief", item="飲料水", quantity="6"
    )
    assert "飲料水" in page
    page = _post(
        office, f"{base}/victims/{people[1].id}/care", base, care_reasons="妊産婦", phone="090-0000-0000"
    )
    assert "妊産婦" in page
    pdf = office.post(
        f"{base}/victims/{people[0].id}/certificate", data={"csrf_token": csrf_of(office, base)}
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    csv = office.get(f"{base}/export/victims.csv")
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").startswith("台帳番号,世帯番号,氏名")
    auditor, _ = logged_in(runtime, "auditor")
    assert auditor.get(base).status_code == 200 and "罹災証明書を交付" not in auditor.get(base).text
    refused = auditor.post(f"{base}/build", data={"csrf_token": csrf_of(auditor, base)})
    assert refused.status_code == 403
    juki, _ = logged_in(runtime, "juki")
    assert juki.get("/disaster").status_code == 403
