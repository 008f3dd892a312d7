"""The region pages and CLI: the 幹事団体's admin sees the plan; the inventory round-trips through the page."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner, Result
from openpyxl import load_workbook

from renkei.cli import cli
from renkei.demo import governance as demo_governance
from renkei.demo import region as demo_region
from renkei.governance import systems as inventory
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, CITY_B, csrf_of, logged_in


def _setup(runtime: Runtime) -> None:
    demo_governance.setup(runtime, lg_code=CITY_A)
    demo_region.setup(runtime, lg_a=CITY_A, lg_b=CITY_B)


def test_the_coordinators_auditor_sees_the_joint_plan(runtime: Runtime) -> None:
    _setup(runtime)
    client, _ = logged_in(runtime, "auditor")
    listing = client.get("/governance/region")
    assert listing.status_code == 200 and demo_region.REGION_NAME in listing.text
    page = client.get(f"/governance/region/{demo_region.REGION}")
    assert page.status_code == 200, page.text[:400]
    text = page.text
    assert "原課に意識付けを行う" in text and "<svg" in text and "住民記録" in text and "第0段階" in text
    assert "年次研修の期限超過" in text
    svg = client.get(f"/governance/region/{demo_region.REGION}/gantt.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<rect" in svg.content
    book = client.get(f"/governance/region/{demo_region.REGION}/plan.xlsx")
    assert "工程表" in load_workbook(io.BytesIO(book.content)).sheetnames
    assert client.get("/governance/region/NO-SUCH").status_code == 404


def test_a_member_that_does_not_coordinate_sees_no_region(runtime: Runtime) -> None:
    _setup(runtime)
    client, _ = logged_in(runtime, "admin", lg_code=CITY_B)
    assert demo_region.REGION_NAME not in client.get("/governance/region").text
    assert client.get(f"/governance/region/{demo_region.REGION}").status_code == 404
    assert "B-01" in client.get("/governance/systems").text


def test_admin_adds_a_system_and_a_bad_one_gets_a_clear_error(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "admin")
    token = csrf_of(client, "/governance/systems")
    form = {"csrf_token": token, "code": "Z-1", "business": "住民記録", "name": "新システム", "vendor": "甲",
            "kind": "パッケージ", "customization": "なし", "contract_end": "2028-03-31", "renewal_year": "2028",
            "annual_cost": "1,200", "hosting": "クラウド", "zone": "マイナンバー利用事務系"}  # fmt: skip
    assert client.post("/governance/systems", data=form).status_code == 303
    with runtime.municipal_session(CITY_A) as session:
        assert inventory.get_system(session, code="Z-1").annual_cost == 1200
    bad = client.post("/governance/systems", data={**form, "kind": "自作"})
    assert bad.status_code == 422 and "種別" in bad.text


def test_the_inventory_round_trips_through_the_pages(runtime: Runtime) -> None:
    _setup(runtime)
    client, _ = logged_in(runtime, "admin")
    data = client.get("/governance/systems.xlsx").content
    with runtime.municipal_session(CITY_A) as session:
        before = [inventory.as_input(s) for s in inventory.list_systems(session)]
        for s in before:
            inventory.delete_system(session, code=s.code)
    token = csrf_of(client, "/governance/systems")
    files = {"file": ("systems.xlsx", data, "application/octet-stream")}
    response = client.post("/governance/systems/import", data={"csrf_token": token}, files=files)
    assert response.status_code == 200 and "3件を取り込みました" in response.text
    with runtime.municipal_session(CITY_A) as session:
        assert [inventory.as_input(s) for s in inventory.list_systems(session)] == before


def test_the_cli_sets_a_region_and_prints_the_plan(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    _setup(runtime)

    def call(*args: str) -> Result:
        return CliRunner().invoke(cli, ["governance", *args], env=cli_env)

    done = call("region", "set", "--municipality", CITY_B, "--code", "R2", "--name", "二団体",
                "--member", f"{CITY_B}:B町:18000", "--member", f"{CITY_A}:A市:62000")  # fmt: skip
    assert done.exit_code == 0, done.output
    out = tmp_path / "plan.xlsx"
    svg = tmp_path / "plan.svg"
    shown = call(
        "region", "plan", "--municipality", CITY_B, "--code", "R2", "--xlsx", str(out), "--svg", str(svg)
    )
    assert shown.exit_code == 0, shown.output
    assert "住民記録: 稼働 2029-04-01" in shown.output and "見積未入力" in shown.output
    assert out.exists() and svg.read_text(encoding="utf-8").startswith("<svg")
    bad = call(
        "region",
        "set",
        "--municipality",
        CITY_B,
        "--code",
        "R3",
        "--name",
        "x",
        "--member",
        f"{CITY_B}:B町:1",
    )
    assert bad.exit_code == 1 and "2団体以上" in bad.output
