"""The 安全管理措置 pages through the real login: 情報政策課 edits, 監査 reads, other roles are refused."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from renkei.demo import governance as demo
from renkei.governance import register
from renkei.runtime import Runtime
from tests.governance.seed import JIMU, seed_workbook
from tests.web.builders import CITY_A, csrf_of, logged_in

PAGES = (
    "/governance",
    "/governance/jimu",
    "/governance/pia",
    "/governance/issues",
    "/governance/training",
    "/governance/incidents",
    "/governance/network",
    "/governance/indicators",
    "/governance/discrepancies",
)


def test_every_page_shows_the_demo_body_to_the_auditor(runtime: Runtime) -> None:
    demo.setup(runtime, lg_code=CITY_A)
    client, _ = logged_in(runtime, "auditor")
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert "<button>保存</button>" not in page.text, path  # no edit forms for 監査
    with runtime.municipal_session(CITY_A) as session:
        jimu = register.get_jimu(session, name=demo.KEIJIDOSHA)
    detail = client.get(f"/governance/jimu/{jimu.id}")
    assert detail.status_code == 200
    assert (
        "減免申請書" in detail.text
        and "<strong>16</strong>" in detail.text
        and "<strong>8</strong>" in detail.text
    )
    assert "N2" in client.get("/governance/network").text  # the demo's terminal without two-factor login
    assert "地方税関係情報" in client.get("/governance/pia").text
    assert "⑥ " in client.get("/governance/issues").text
    pdf = client.get("/governance/risk.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    book = client.get("/governance/export.xlsx")
    assert book.status_code == 200
    assert "リスク分析表" in load_workbook(io.BytesIO(book.content)).sheetnames


@pytest.mark.parametrize("role", ["juki", "tax", "welfare"])
def test_other_roles_cannot_open_the_governance_pages(runtime: Runtime, role: str) -> None:
    client, _ = logged_in(runtime, role)
    assert client.get("/governance").status_code == 403
    assert client.get("/governance/export.xlsx").status_code == 403


def test_the_auditor_cannot_change_anything(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "auditor")
    token = csrf_of(client, "/account/password")
    response = client.post("/governance/issues", data={"csrf_token": token, "number": "1", "title": "x",
                                                        "impact": "1", "compliance": "1", "ease": "1"})  # fmt: skip
    assert response.status_code == 403


def test_admin_imports_the_seed_and_accepts_a_risk(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "admin")
    token = csrf_of(client, "/governance")
    assert (
        client.post(
            "/governance/jimu", data={"csrf_token": token, "name": JIMU, "kind": "別表第一"}
        ).status_code
        == 303
    )
    files = {"file": ("seed.xlsx", seed_workbook(), "application/octet-stream")}
    page = client.post("/governance/import", data={"csrf_token": token}, files=files)
    assert page.status_code == 200
    assert "要確認: 軽自動車税 リスク分析表 6行 総合評価" in page.text
    accepted = client.post("/governance/risks/1-2/accept", data={"csrf_token": token})
    assert accepted.status_code == 303
    with runtime.municipal_session(CITY_A) as session:
        risk = next(r for r in register.list_risks(session) if r.risk.asset.code == "1-2")
        assert risk.risk.accepted_by == "職員 admin-clerk" and risk.risk.accepted_at is not None


def test_a_bad_workbook_lists_every_error_and_imports_nothing(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "admin")
    token = csrf_of(client, "/governance")
    files = {"file": ("seed.xlsx", seed_workbook(), "application/octet-stream")}
    page = client.post("/governance/import", data={"csrf_token": token}, files=files)
    assert page.status_code == 422
    assert "登録されていない事務です" in page.text and "軽自動車税 手順表 3行" in page.text
    with runtime.municipal_session(CITY_A) as session:
        assert register.list_assets(session) == []


def test_admin_forms_save_through_the_services(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "admin")
    token = csrf_of(client, "/governance")
    steps = [
        ("/governance/jimu", {"name": JIMU, "kind": "別表第一", "progress_flow": "〇"}),
        ("/governance/files", {"name": "減免ファイル", "jimu": JIMU, "subject_count": "120000", "handler_count": "500"}),
        ("/governance/issues", {"number": "1", "title": "研修", "impact": "4.8", "compliance": "5", "ease": "3.3"}),
        ("/governance/training/plans", {"code": "P1", "fiscal_year": "2026", "title": "年次研修"}),
        ("/governance/training/sessions", {"code": "S1", "plan": "P1", "held_on": "2026-04-10", "title": "集合研修"}),
        ("/governance/training/handlers", {"code": "T1", "name": "税務 花子", "department": "税務課",
                                           "assigned_on": "R7.4.1", "files": "減免ファイル"}),
        ("/governance/training/remind", {}),
        ("/governance/incidents", {"code": "INC-9", "title": "誤送信", "affected_count": "150"}),
        ("/governance/incidents/INC-9/advance", {"step": "triage", "note": "影響範囲を確認"}),
        ("/governance/incidents/INC-9/commission", {"kind": "prompt"}),
        ("/governance/indicators", {"name": "職員数", "fiscal_year": "2025", "value": "470"}),
        ("/governance/indicators/refresh", {"fiscal_year": "2026"}),
        ("/governance/files/減免ファイル/sections", {"Ⅰ 基本情報": "完了"}),
    ]  # fmt: skip
    for path, data in steps:
        response = client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 303, (path, response.text[:300])
    pia_page = client.get("/governance/pia?subjects=120000&handlers=500")
    assert "基礎項目評価＋全項目評価" in pia_page.text
    assert "1/6 完了" in pia_page.text
    bad = client.post("/governance/issues", data={"csrf_token": token, "number": "2", "title": "x",
                                                   "impact": "6", "compliance": "1", "ease": "1"})  # fmt: skip
    assert bad.status_code == 422 and "影響性は1.0〜5.0" in bad.text


def test_admin_uploads_a_network_file_and_sees_the_findings(runtime: Runtime) -> None:
    client, _ = logged_in(runtime, "admin")
    token = csrf_of(client, "/governance")
    good = {"model": "α", "segments": [{"区画名": "基幹系", "区分": "マイナンバー利用事務系"}],
            "hosts": [{"名称": "端末A", "区画": "基幹系", "種別": "端末"}]}  # fmt: skip
    files = {"file": ("net.json", json.dumps(good, ensure_ascii=False).encode(), "application/json")}
    assert client.post("/governance/network", data={"csrf_token": token}, files=files).status_code == 303
    page = client.get("/governance/network").text
    assert "指摘 2件" in page and "ネットワーク区画 基幹系" not in page and "ホスト・端末 端末A" in page
    bad = {**good, "hosts": [{"名称": "端末A", "区画": "どこか", "種別": "端末"}]}
    files = {"file": ("net.json", json.dumps(bad, ensure_ascii=False).encode(), "application/json")}
    refused = client.post("/governance/network", data={"csrf_token": token}, files=files)
    assert (
        refused.status_code == 422
        and "定義されていない区画です" in refused.text
        and "hosts[1]" in refused.text
    )
    assert "端末A" in refused.text  # the stored inventory is still shown, unchanged
