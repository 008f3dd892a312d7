"""事務事業評価シート: seed 004's figures reproduced, indicators counted from the toolkit, Excel and PDF round trip."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from renkei.core.errors import Invalid
from renkei.demo import evaluation as demo_evaluation
from renkei.demo import governance as demo_governance
from renkei.governance import evaluation as ev
from renkei.governance import indicators
from renkei.governance.evaluation_pdf import evaluation_pdf
from renkei.governance.excel.evaluation_sheet import SHEET, export_sheet, import_sheet
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, CITY_B


@pytest.fixture
def sheets(runtime: Runtime) -> Runtime:
    demo_governance.setup(runtime, lg_code=CITY_A)
    demo_evaluation.setup(runtime, lg_code=CITY_A)
    return runtime


def _lines(view: ev.SheetView, category: str) -> dict[str, list[str]]:
    block = next(b for b in view.blocks if b[0] == category)
    return {line.name: line.values for line in block[4] if line.name}


def test_seed_004_sheet_shows_its_indicators_and_totals(sheets: Runtime) -> None:
    with sheets.municipal_session(CITY_A) as session:
        view = ev.view(
            session, ev.get_evaluation(session, project_code=demo_evaluation.POLICY, fiscal_year=2019)
        )
    assert view.years == [2016, 2017, 2018, 2019, 2020] and view.estimates == [False] * 4 + [True]
    assert _lines(view, "活動指標")["研修会等の開催回数"] == ["2", "5", "3", "4", "4"]
    assert _lines(view, "対象指標")["各課が保有する個人情報の項目件数"][:2] == ["1096", "1141"]
    # seed 004: 事業費計(A) 243 … 495, トータルコスト 1,157 1,156 1,160 1,571 1,384
    assert [c.project_total for c in view.costs] == [Decimal(v) for v in (243, 243, 243, 358, 495)]
    assert [c.total_cost for c in view.costs] == [Decimal(v) for v in (1157, 1156, 1160, 1571, 1384)]


def test_the_hardening_sheet_counts_the_toolkits_own_figures(sheets: Runtime) -> None:
    with sheets.municipal_session(CITY_A) as session:
        sheet = ev.get_evaluation(session, project_code=demo_evaluation.HARDENING, fiscal_year=2025)
        view = ev.view(session, sheet)
    outcome = _lines(view, "成果指標")
    # this 年度: 6 handlers, 3 trained within a year (the session 100 days ago) → 50%
    assert outcome["特定個人情報取扱者の年次研修受講率"][-1] == "50"
    # INC-001 owes no report (1 person); INC-002's 速報 is not yet due (known 1 day ago): both in time
    assert outcome["期限内に報告・対応したインシデントの割合"][-1] == "100"
    assert int(outcome["ネットワーク点検の未解決の指摘件数"][-1]) >= 1
    # 児童手当ファイル is current; 軽自動車税減免ファイル (published 2021-03-01) is past its five years and
    # 児童扶養手当ファイル was never published → 1 of 3
    assert outcome["特定個人情報保護評価が期限内のファイルの割合"][-1] == "33.3"


def test_incidents_in_time_counts_a_missed_report(runtime: Runtime) -> None:
    import datetime as dt

    from renkei.governance import incidents

    with runtime.municipal_session(CITY_A) as session:
        aware = dt.datetime(2026, 5, 1, 1, tzinfo=dt.UTC)
        incidents.report_incident(
            session, code="I1", title="x", affected_count=200, aware_at=aware, reported_at=aware
        )
        incidents.report_incident(
            session, code="I2", title="y", affected_count=1, aware_at=aware, reported_at=aware
        )
        rate = indicators.incidents_in_time(
            session, start=dt.date(2026, 4, 1), end=dt.date(2027, 3, 31), as_of=dt.date(2026, 12, 1)
        )
    assert rate == Decimal("50.0")


def test_the_sheet_round_trips_through_excel_into_a_fresh_body(sheets: Runtime) -> None:
    with sheets.municipal_session(CITY_A) as session:
        sheet = ev.get_evaluation(session, project_code=demo_evaluation.POLICY, fiscal_year=2019)
        data = export_sheet(session, sheet)
        before = ev.view(session, sheet)
    with sheets.municipal_session(CITY_B) as session:  # a body with no indicators at all
        imported = import_sheet(session, data=data)
        after = ev.view(session, imported)
        again = export_sheet(session, imported)
    assert (after.sheet.name, after.sheet.texts, after.sheet.costs) == (
        before.sheet.name, before.sheet.texts, before.sheet.costs,
    )  # fmt: skip
    assert [(b[0], b[2], b[4]) for b in after.blocks] == [(b[0], b[2], b[4]) for b in before.blocks]
    first = [[c.value for c in row] for row in load_workbook(io.BytesIO(data))[SHEET].iter_rows()]
    second = [[c.value for c in row] for row in load_workbook(io.BytesIO(again))[SHEET].iter_rows()]
    assert first == second


def test_edits_typed_into_the_sheet_are_read_back(sheets: Runtime) -> None:
    with sheets.municipal_session(CITY_A) as session:
        book = load_workbook(
            io.BytesIO(
                export_sheet(
                    session, ev.get_evaluation(session, project_code=demo_evaluation.POLICY, fiscal_year=2019)
                )
            )
        )
    ws = book[SHEET]
    cost_row = next(r[0].row for r in ws.iter_rows() if r[0].value == "(2) 総事業費の推移")
    ws.cell(row=cost_row + 1, column=9, value=100)  # 国庫支出金, 2020年度
    ws.cell(row=cost_row + 6, column=9, value=595)  # 事業費計(A) restated to match
    ws.cell(row=cost_row + 10, column=9).value = None  # トータルコスト left for renkei to compute
    total_row = next(r[0].row for r in ws.iter_rows() if r[0].value == "総合評価")
    ws.cell(row=total_row, column=3, value="ポリシーの遵守を継続して確認する。")
    buffer = io.BytesIO()
    book.save(buffer)
    with sheets.municipal_session(CITY_A) as session:
        sheet = import_sheet(session, data=buffer.getvalue())
        view = ev.view(session, sheet)
    assert view.costs[-1].project_total == Decimal(595) and view.costs[-1].total_cost == Decimal(595 + 889)
    assert view.text("総合評価") == "ポリシーの遵守を継続して確認する。"


def test_a_total_that_contradicts_its_parts_rejects_the_file_naming_the_cell(sheets: Runtime) -> None:
    with sheets.municipal_session(CITY_A) as session:
        book = load_workbook(
            io.BytesIO(
                export_sheet(
                    session, ev.get_evaluation(session, project_code=demo_evaluation.POLICY, fiscal_year=2019)
                )
            )
        )
    ws = book[SHEET]
    cost_row = next(r[0].row for r in ws.iter_rows() if r[0].value == "(2) 総事業費の推移")
    ws.cell(row=cost_row + 6, column=5, value=999)
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(Invalid) as caught, sheets.municipal_session(CITY_B) as session:
        import_sheet(session, data=buffer.getvalue())
    assert caught.value.record == f"{SHEET} {cost_row + 6}行" and caught.value.field == "2016年度（E列）"
    assert "243" in caught.value.message
    with sheets.municipal_session(CITY_B) as session:
        assert ev.list_evaluations(session) == []  # nothing kept


def test_a_wrong_choice_is_refused_with_the_choices(runtime: Runtime) -> None:
    with pytest.raises(Invalid) as caught, runtime.municipal_session(CITY_A) as session:
        ev.upsert_evaluation(
            session, project_code="X", fiscal_year=2025, name="x", texts={"目的妥当性": "たぶん"}
        )
    assert caught.value.field == "目的妥当性" and "妥当である" in caught.value.message


def test_the_pdf_is_a_pdf_with_the_sheet(sheets: Runtime) -> None:
    with sheets.municipal_session(CITY_A) as session:
        data = evaluation_pdf(
            session, ev.get_evaluation(session, project_code=demo_evaluation.POLICY, fiscal_year=2019)
        )
    assert data.startswith(b"%PDF") and len(data) > 5000


def test_pages_show_download_and_take_back_the_sheet(sheets: Runtime) -> None:
    from tests.web.builders import csrf_of, logged_in

    client, _ = logged_in(sheets, "admin")
    assert "セキュリティポリシー遵守運用事業" in client.get("/governance/evaluations").text
    base = f"/governance/evaluations/{demo_evaluation.POLICY}/2019"
    page = client.get(base)
    assert (
        page.status_code == 200
        and "1,571" not in page.text
        and "1571" in page.text
        and "研修会等の開催回数" in page.text
    )
    assert client.get(base + "/sheet.pdf").content.startswith(b"%PDF")
    data = client.get(base + "/sheet.xlsx").content
    token = csrf_of(client, "/governance/evaluations")
    back = client.post("/governance/evaluations/import", data={"csrf_token": token},
                       files={"file": ("s.xlsx", data, "application/octet-stream")})  # fmt: skip
    assert back.status_code == 303 and back.headers["location"] == base
    assert client.post(base + "/refresh", data={"csrf_token": token}).status_code == 303
    broken = client.post("/governance/evaluations/import", data={"csrf_token": token},
                         files={"file": ("s.xlsx", b"not excel", "application/octet-stream")})  # fmt: skip
    assert broken.status_code == 422 and "Excel" in broken.text
    assert client.get("/governance/evaluations/NOPE/2019").status_code == 404


def test_the_cli_writes_excel_and_pdf_and_reads_the_excel_back(
    sheets: Runtime, cli_env: dict[str, str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from renkei.cli import cli

    out = tmp_path / "s.xlsx"
    base = ["governance", "evaluation"]
    done = CliRunner().invoke(cli, [*base, "export", "--code", demo_evaluation.HARDENING, "--year", "2025", "--refresh",
                                    "--out", str(out), "--municipality", CITY_A], env=cli_env)  # fmt: skip
    assert done.exit_code == 0, done.output
    pdf = CliRunner().invoke(cli, [*base, "export", "--code", demo_evaluation.POLICY, "--year", "2019",
                                   "--out", str(tmp_path / "s.pdf"), "--municipality", CITY_A], env=cli_env)  # fmt: skip
    assert pdf.exit_code == 0 and (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    back = CliRunner().invoke(cli, [*base, "import", str(out), "--municipality", CITY_B], env=cli_env)
    assert back.exit_code == 0 and "情報セキュリティ強化対策事業" in back.output, back.output
