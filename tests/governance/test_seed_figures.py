"""Seed 002's own figures come out of renkei's formulas, and the seed's slips are flagged, not kept or overwritten."""

from __future__ import annotations

from decimal import Decimal

import pytest

from renkei.core import clock
from renkei.governance import discrepancies, issues, register, scales
from renkei.governance.excel.importer import import_workbook
from renkei.runtime import Runtime
from tests.governance.builders import FROZEN, LG, add_seed_jimu
from tests.governance.seed import (
    ASSET_ROWS,
    ISSUE_HEADINGS,
    ISSUE_ROWS,
    RISK_ROWS,
    seed_workbook,
    sheet_workbook,
)


@pytest.mark.parametrize("row", ASSET_ROWS, ids=[r[0] for r in ASSET_ROWS])
def test_asset_value_reproduces_every_value_of_the_seed(row: list[object]) -> None:
    c, i, a, stated = row[12], row[13], row[14], row[15]
    assert scales.asset_value(c, i, a) == stated  # type: ignore[arg-type]


def test_asset_value_rises_with_each_rating_and_stays_on_its_scale() -> None:
    assert scales.asset_value(1, 1, 1) == 1
    assert scales.asset_value(3, 3, 3) == 6
    assert scales.asset_value(3, 3, 2) > scales.asset_value(3, 2, 2) > scales.asset_value(3, 2, 1)


@pytest.mark.parametrize("row", RISK_ROWS, ids=[r[0] for r in RISK_ROWS])
def test_residual_evaluation_reproduces_the_seed(row: list[object]) -> None:
    value, vulnerability, threat, measures, stated = row[2], row[4], row[8 - 1], row[9], row[11]
    reductions = [m.reduction for m in scales.parse_measures(str(measures))]
    assert scales.residual_risk(value, vulnerability, threat, reductions) == stated  # type: ignore[arg-type]


def test_the_seed_measures_read_with_their_reductions() -> None:
    first = scales.parse_measures(str(RISK_ROWS[0][9]))
    assert [(m.text, m.reduction) for m in first] == [
        ("個人スペースを作る。", Decimal("0.5")),
        ("周りに人がいないか確認する。", Decimal("0.5")),
    ]
    last = scales.parse_measures(str(RISK_ROWS[4][9]))
    assert [m.reduction for m in last] == [Decimal(0), Decimal(1)]
    assert scales.parse_measures(scales.format_measures(first)) == first


def test_importing_the_seed_sheets_gives_16_and_8_for_the_first_rows(runtime: Runtime) -> None:
    with clock.frozen(FROZEN), runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        report = import_workbook(session, data=seed_workbook())
        risks = {r.risk.asset.code: r for r in register.list_risks(session)}
        assets = {v.asset.code: v for v in register.list_assets(session)}
        assert [assets[c].value for c in ("1-2", "1-3", "1-4", "1-5", "1-6")] == [4, 4, 4, 3, 3]
        assert [risks[c].total for c in ("1-2", "1-3", "1-4")] == [16, 16, 16]
        assert [risks[c].residual for c in ("1-2", "1-3", "1-4", "1-5", "1-6")] == [8, 8, 8, 6, 6]
        assert assets["1-5"].asset.stage == "保存" and assets["1-6"].asset.stage == "削除・廃棄"
        jimu = register.get_jimu(session, name=risks["1-2"].risk.asset.jimu.name)
        assert jimu.procedures_dated_on is not None and jimu.procedures_dated_on.isoformat() == "2018-01-10"
    flagged = [
        (d.sheet, d.row_number, d.column, d.record_key, d.stated, d.computed) for d in report.discrepancies
    ]
    # The seed prints 総合評価 16 for 1-5 and 1-6, but 3 × 2 × 2 = 12 (their 残存評価 6 agrees with 12, not 16).
    assert flagged == [
        ("軽自動車税 リスク分析表", 6, "総合評価", "1-5", "16", "12"),
        ("軽自動車税 リスク分析表", 7, "総合評価", "1-6", "16", "12"),
    ]


def test_the_seed_issue_scores_rank_as_the_seed_and_two_totals_are_flagged(runtime: Runtime) -> None:
    data = sheet_workbook(
        "課題の優先順位", "情報担当職員課題分析（取組むべき課題）", ISSUE_HEADINGS, ISSUE_ROWS
    )
    with clock.frozen(FROZEN), runtime.municipal_session(LG) as session:
        report = import_workbook(session, data=data)
        ranked = issues.ranked_issues(session)
        assert [v.issue.number for v in ranked] == [6, 1, 4, 3, 2, 5, 7, 8, 9]
        by_number = {v.issue.number: v for v in ranked}
        assert by_number[1].total == Decimal("12.5")
        assert by_number[2].total == Decimal("10.3")
        assert by_number[1].issue.point.startswith("自治体クラウド")
    flagged = {(d.record_key, d.column): (d.stated, d.computed) for d in report.discrepancies}
    # 4.8 + 5 + 3.3 = 13.1 and 3.0 + 1.0 + 2.3 = 6.3, where the seed prints 13.2 and 6.5.
    assert flagged == {("課題6", "総合"): ("13.2", "13.1"), ("課題9", "総合"): ("6.5", "6.3")}


def test_importing_the_same_seed_twice_does_not_double_the_flags(runtime: Runtime) -> None:
    with clock.frozen(FROZEN), runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        import_workbook(session, data=seed_workbook())
        import_workbook(session, data=seed_workbook())
        assert len(discrepancies.list_discrepancies(session)) == 2
        first = discrepancies.list_discrepancies(session)[0]
        discrepancies.resolve_discrepancy(session, discrepancy_id=first.id, resolved_by="情報政策課長")
        assert len(discrepancies.list_discrepancies(session)) == 1
