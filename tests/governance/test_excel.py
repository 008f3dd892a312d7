"""Excel in and out: a lossless round trip, and every kind of bad sheet refused whole with sheet, row and column."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from renkei.core import clock
from renkei.core.errors import BatchRejected, Invalid
from renkei.demo import governance as demo
from renkei.governance import register
from renkei.governance.excel.importer import import_workbook
from renkei.governance.excel.workbook import export_workbook
from renkei.runtime import Runtime
from tests.governance.builders import FROZEN, LG, add_seed_jimu
from tests.governance.seed import ASSET_HEADINGS, ASSET_ROWS, RISK_ROWS, save, seed_workbook, sheet_workbook

OTHER = "131121"


def cells(data: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def rejected(runtime: Runtime, data: bytes, *, seed_jimu: bool = True) -> list[str]:
    """Import `data`, expect a refusal; return each error as text, and check nothing was kept."""
    with runtime.municipal_session(LG) as session:
        if seed_jimu:
            add_seed_jimu(session)
    with pytest.raises(BatchRejected) as caught, runtime.municipal_session(LG) as session:
        import_workbook(session, data=data)
    with runtime.municipal_session(LG) as session:
        assert register.list_assets(session) == []
        assert register.list_risks(session) == []
    return [str(e) for e in caught.value.errors]


def test_export_then_import_into_another_body_gives_the_same_workbook(runtime: Runtime) -> None:
    with clock.frozen(FROZEN):
        demo.setup(runtime, lg_code=LG)
        with runtime.municipal_session(LG) as session:
            first = export_workbook(session)
        with runtime.municipal_session(OTHER) as session:
            report = import_workbook(session, data=first)
        with runtime.municipal_session(OTHER) as session:
            second = export_workbook(session)
    assert report.discrepancies == []
    assert cells(first) == cells(second)
    sheets = cells(first)
    assert sheets["リスク分析表"][2][:3] == [demo.KEIJIDOSHA, "1-2", "減免申請書"]
    assert len(sheets) == 18  # 17 tables and the chart sheet


def test_the_workbook_carries_native_charts_of_the_risk_matrix_and_progress(runtime: Runtime) -> None:
    with clock.frozen(FROZEN):
        demo.setup(runtime, lg_code=LG)
        with runtime.municipal_session(LG) as session:
            data = export_workbook(session)
    book = load_workbook(io.BytesIO(data))
    charts = book["グラフ"]._charts
    assert len(charts) == 2
    sheet = cells(data)["グラフ"]
    assert sheet[1][:3] == ["脅威×脆弱性", "対策前", "対策後"]
    with runtime.municipal_session(LG) as session:
        risks = len(register.list_risks(session))
    assert sum(row[1] for row in sheet[2:11]) == risks  # every risk is in one cell of the matrix


def test_importing_a_body_s_own_export_changes_nothing(runtime: Runtime) -> None:
    with clock.frozen(FROZEN):
        demo.setup(runtime, lg_code=LG)
        with runtime.municipal_session(LG) as session:
            first = export_workbook(session)
            import_workbook(session, data=first)
            assert cells(export_workbook(session)) == cells(first)


def test_a_rating_outside_its_scale_names_sheet_row_and_column(runtime: Runtime) -> None:
    rows = [list(r) for r in ASSET_ROWS]
    rows[1][12] = 4  # 機密性 of 1-3
    rows[3][14] = "高"  # 可用性 of 1-5
    errors = rejected(runtime, seed_workbook(assets=rows, risks=[]))
    assert errors == [
        "[record 軽自動車税 手順表 4行, field 機密性（M列）] 機密性は1〜3の整数で入力してください（入力値: 4）",
        "[record 軽自動車税 手順表 6行, field 可用性（O列）] 可用性は1〜3の整数で入力してください（入力値: '高'）",
    ]


def test_a_risk_rating_outside_its_scale_is_refused(runtime: Runtime) -> None:
    risks = [list(r) for r in RISK_ROWS]
    risks[0][7] = 0  # 脅威評価
    errors = rejected(runtime, seed_workbook(risks=risks))
    assert errors == [
        "[record 軽自動車税 リスク分析表 3行, field 脅威評価（H列）] 脅威評価は1〜3の整数で入力してください（入力値: 0）"
    ]


def test_an_unknown_jimu_is_refused(runtime: Runtime) -> None:
    errors = rejected(runtime, seed_workbook(risks=[]), seed_jimu=False)
    assert len(errors) == 5
    assert errors[0].startswith("[record 軽自動車税 手順表 3行")
    assert "登録されていない事務です: 軽自動車税の減免申請に係る事務" in errors[0]


def test_duplicate_asset_ids_are_refused(runtime: Runtime) -> None:
    rows = [list(r) for r in ASSET_ROWS]
    rows[2][0] = "1-2"
    errors = rejected(runtime, seed_workbook(assets=rows, risks=[]))
    assert errors == ["[record 軽自動車税 手順表 5行, field ID（A列）] ID 1-2 が重複しています（3行と同じ）"]


def test_a_renamed_column_is_named(runtime: Runtime) -> None:
    headings = ["ID", "資産名", *ASSET_HEADINGS[2:]]
    data = sheet_workbook("情報資産取扱手順表", "情報資産取扱手順表", ["事務", *headings],
                          [[ "x", *r] for r in ASSET_ROWS])  # fmt: skip
    errors = rejected(runtime, data)
    assert errors == [
        "[record 情報資産取扱手順表 2行, field 情報資産名称] 列「情報資産名称」がありません。"
        "認識できない見出し 「資産名」（C列） があります（列名が変わっていませんか）"
    ]


def test_a_moved_column_is_named(runtime: Runtime) -> None:
    headings = list(ASSET_HEADINGS)
    headings[12], headings[13] = headings[13], headings[12]  # 完全性 before 機密性
    rows = [[*r[:12], r[13], r[12], *r[14:]] for r in ASSET_ROWS]
    book = load_workbook(io.BytesIO(seed_workbook(assets=rows, risks=[])))
    ws = book["軽自動車税 手順表"]
    for index, heading in enumerate(headings, start=1):
        ws.cell(row=2, column=index, value=heading)
    errors = rejected(runtime, save(book))
    assert errors == [
        "[record 軽自動車税 手順表 2行, field 機密性] 列「機密性」はM列にあるはずがN列にあります（列が移動しています）",
        "[record 軽自動車税 手順表 2行, field 完全性] 列「完全性」はN列にあるはずがM列にあります（列が移動しています）",
    ]


def test_a_sheet_renkei_does_not_know_is_refused(runtime: Runtime) -> None:
    data = sheet_workbook("メモ", "自由記入", ["あ"], [["い"]])
    with pytest.raises(BatchRejected) as caught, runtime.municipal_session(LG) as session:
        import_workbook(session, data=data)
    assert "シート「メモ」は取り込めません" in str(caught.value.errors[0])


def test_a_file_that_is_not_a_workbook_is_refused(runtime: Runtime) -> None:
    with pytest.raises(Invalid, match="Excelファイル"), runtime.municipal_session(LG) as session:
        import_workbook(session, data=b"not a zip", filename="x.xlsx")


def test_one_bad_row_anywhere_keeps_the_good_sheets_out_too(runtime: Runtime) -> None:
    risks = [list(r) for r in RISK_ROWS]
    risks[4][9] = "・書類をすぐに裁断する。△たくさん"
    errors = rejected(runtime, seed_workbook(risks=risks))
    assert errors == [
        "[record 軽自動車税 リスク分析表 7行, field 対策（J列）] 対策の△の後は数値で書いてください: '書類をすぐに裁断する。△たくさん'"
    ]


def test_a_risk_whose_asset_name_differs_from_the_procedure_table_is_refused(runtime: Runtime) -> None:
    risks = [list(r) for r in RISK_ROWS]
    risks[0][1] = "申請書"
    errors = rejected(runtime, seed_workbook(risks=risks))
    assert errors == [
        "[record 軽自動車税 リスク分析表 3行, field 情報資産名称（B列）] ID 1-2 の情報資産名称が手順表（減免申請書）と違います"
    ]


def test_bad_cells_in_the_other_sheets_are_located(runtime: Runtime) -> None:
    with clock.frozen(FROZEN):
        demo.setup(runtime, lg_code=LG)
        with runtime.municipal_session(LG) as session:
            book = load_workbook(io.BytesIO(export_workbook(session)))
    book["特定個人情報ファイル"]["D3"] = "たくさん"
    book["進捗管理"]["B4"] = "済"
    book["取扱者"]["F3"] = "存在しないファイル"
    book["インシデント"]["E3"] = "昨日"
    book["政策指標"]["A3"] = "謎"
    with (
        clock.frozen(FROZEN),
        pytest.raises(BatchRejected) as caught,
        runtime.municipal_session(OTHER) as session,
    ):
        import_workbook(session, data=save(book))
    errors = [str(e) for e in caught.value.errors]
    assert (
        "[record 進捗管理 4行, field 業務フロー（B列）] 業務フローは 〇（完了）△（着手）×（未着手）-（不要）のいずれかで入力してください（入力値: '済'）"
        in errors
    )
    assert any(e.startswith("[record 特定個人情報ファイル 3行, field 対象人数（D列）]") for e in errors)
    assert any(e.startswith("[record 取扱者 3行, field 取扱ファイル（F列）]") for e in errors)
    assert any(e.startswith("[record インシデント 3行, field 報告受付（E列）]") for e in errors)
    assert any(e.startswith("[record 政策指標 3行, field 区分（A列）]") for e in errors)
    with runtime.municipal_session(OTHER) as session:
        assert register.list_jimu(session) == []


def test_the_seed_progress_matrix_is_read_with_its_marks(runtime: Runtime) -> None:
    from tests.governance.seed import PROGRESS_HEADINGS, PROGRESS_ROWS

    data = sheet_workbook("進捗管理", "〇〇市役所 業務フロー等進捗状況", PROGRESS_HEADINGS, PROGRESS_ROWS)
    with runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        import_workbook(session, data=data)
        rows = {j.name: j for j in register.list_jimu(session)}
    third = rows[PROGRESS_ROWS[2][0]]
    assert (third.progress_flow, third.progress_linkage, third.progress_ordinance) == ("△", "△", "×")
    assert rows[PROGRESS_ROWS[0][0]].progress_linkage == "-"


def test_a_progress_row_for_an_unknown_jimu_is_refused(runtime: Runtime) -> None:
    from tests.governance.seed import PROGRESS_HEADINGS

    data = sheet_workbook(
        "進捗管理", "進捗", PROGRESS_HEADINGS, [["知らない事務", "〇", "〇", "〇", "〇", "〇", "〇"]]
    )
    errors = rejected(runtime, data)
    assert errors == ["[record 進捗管理 3行, field 別表1事務（A列）] 登録されていない事務です: 知らない事務"]


def test_duplicate_ids_across_two_sheets_of_one_table_are_refused(runtime: Runtime) -> None:
    book = load_workbook(io.BytesIO(seed_workbook(risks=[])))
    del book["軽自動車税 リスク分析表"]
    copy = book.copy_worksheet(book["軽自動車税 手順表"])
    copy.title = "軽自動車税 手順表2"
    copy.delete_rows(4, 4)  # keep only row 1-2
    errors = rejected(runtime, save(book))
    assert errors == [
        "[record 軽自動車税 手順表2 3行, field ID（A列）] ID 1-2 が重複しています（軽自動車税 手順表 3行と同じ）"
    ]
