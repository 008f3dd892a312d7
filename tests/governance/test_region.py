"""Region workspace and 自治体クラウド plan: two bodies' own data, pooled issues, candidates, cost split, readiness."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from renkei.core.errors import Invalid
from renkei.demo import governance as demo_governance
from renkei.demo import region as demo_region
from renkei.governance import cloud
from renkei.governance import region as regions
from renkei.governance import systems as inventory
from renkei.governance.excel.cloud_book import export_plan, export_systems, import_systems
from renkei.governance.gantt import gantt_svg
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, CITY_B


@pytest.fixture
def region_runtime(runtime: Runtime) -> Runtime:
    demo_governance.setup(runtime, lg_code=CITY_A)
    demo_region.setup(runtime, lg_a=CITY_A, lg_b=CITY_B)
    return runtime


def _plan(runtime: Runtime) -> cloud.CloudPlan:
    with runtime.municipal_session(CITY_A) as session:
        return cloud.plan(session, code=demo_region.REGION, open_member=runtime.municipal_session)


def test_each_body_keeps_its_own_systems_on_its_own_node(region_runtime: Runtime) -> None:
    with region_runtime.municipal_session(CITY_A) as session:
        assert [s.code for s in inventory.list_systems(session)] == ["A-02", "A-01", "A-03"] or {
            s.code for s in inventory.list_systems(session)
        } == {"A-01", "A-02", "A-03"}
    with region_runtime.municipal_session(CITY_B) as session:
        assert {s.code for s in inventory.list_systems(session)} == {"B-01", "B-02", "B-03"}
        assert regions.list_regions(session) == []  # the region lives on its 幹事団体's node only


def test_the_region_pools_issues_by_title_with_mean_scores(region_runtime: Runtime) -> None:
    with region_runtime.municipal_session(CITY_A) as session:
        view = regions.region_view(
            session, code=demo_region.REGION, open_member=region_runtime.municipal_session
        )
    by_title = {i.title: i for i in view.issues}
    first = by_title["原課に意識付けを行う"]  # A: 4.8 5 3.3, B: 4.4 5 3.5
    assert (first.impact, first.compliance, first.ease) == (Decimal("4.6"), Decimal("5.0"), Decimal("3.4"))
    assert first.total == Decimal("13.0") and first.rank == 1 and first.common
    # 全庁的な課題の整理: A 5 5 2.5, B 4.6 5 2.9 → 4.8 5 2.7 = 12.5
    assert by_title["全庁的な課題の整理"].total == Decimal("12.5")
    assert not by_title["外部専門機関による支援の検討"].common
    assert {i.title for i in view.common_issues} == {t for _, t, *_ in demo_region.ISSUES_B}
    assert [i.rank for i in view.issues] == list(range(1, len(view.issues) + 1))


def test_the_region_shows_pia_training_and_network_per_body(region_runtime: Runtime) -> None:
    with region_runtime.municipal_session(CITY_A) as session:
        view = regions.region_view(
            session, code=demo_region.REGION, open_member=region_runtime.municipal_session
        )
    a, b = view.members
    assert a.training_overdue == 3 and not a.training_done and a.network_findings
    assert "児童扶養手当ファイル" in a.pia_attention
    assert b.training_done and b.pia_done and b.network_findings == 0 and b.network_passed


def test_aligned_renewals_become_joint_candidates_with_extensions(region_runtime: Runtime) -> None:
    result = _plan(region_runtime)
    by_business = {c.business: c for c in result.candidates}
    assert set(by_business) == {"住民記録", "個人住民税"}  # 児童手当 renews 2027 and 2031: too far apart
    juki = by_business["住民記録"]
    assert juki.go_live == dt.date(2029, 4, 1)
    assert {s.member.lg_code: s.extension_years for s in juki.shares} == {CITY_A: 1, CITY_B: 0}
    assert juki.alone_total == 29_000 and juki.joint_total == 23_000
    assert next(p.start for p in juki.phases) == dt.date(2026, 4, 1)
    assert juki.phases[3].end == dt.date(2029, 4, 1) and juki.phases[3].months == 12


def test_the_joint_cost_is_split_equally_and_by_population_and_adds_up(region_runtime: Runtime) -> None:
    result = _plan(region_runtime)
    juki = next(c for c in result.candidates if c.business == "住民記録")
    shares = {s.member.lg_code: s.share for s in juki.shares}
    # 23,000 × 30% = 6,900 equally (3,450 each); 16,100 by population 62,000 : 18,000
    assert shares[CITY_B] == 7073  # 3,450 + 16,100 × 18/80 = 7,072.5, rounded half up
    assert sum(v for v in shares.values() if v is not None) == 23_000
    assert {s.member.lg_code: s.saving for s in juki.shares}[CITY_A] == 18_000 - shares[CITY_A]  # type: ignore[operator]


def test_split_keeps_the_total_when_rounding(region_runtime: Runtime) -> None:
    with region_runtime.municipal_session(CITY_A) as session:
        members = regions.get_region(session, code=demo_region.REGION).members
        for total in (1, 7, 9_999, 100_001):
            assert sum(cloud.split(total, members, equal_share_percent=Decimal("33.3")).values()) == total


def test_readiness_reads_stage_one_from_the_bodys_own_duties(region_runtime: Runtime) -> None:
    result = _plan(region_runtime)
    a, b = result.readiness
    assert not a.stages[0].passed and a.reached == 0
    assert any("年次研修の期限超過" in r for r in a.stages[0].reasons)
    assert not a.stages[2].passed  # 独自開発 and 中 customisation: the EA work comes first
    assert b.stages[0].passed and b.stages[1].passed is False  # B-03 names no 特定個人情報ファイル
    assert any("B-03" in r for r in b.stages[1].reasons)


def test_gantt_svg_has_one_bar_per_phase_at_the_right_month(region_runtime: Runtime) -> None:
    result = _plan(region_runtime)
    svg = gantt_svg(result.candidates, title="工程表")
    root = ET.fromstring(svg)
    bars = list(root.iter("{http://www.w3.org/2000/svg}rect"))
    assert len(bars) == sum(len(c.phases) for c in result.candidates) == 10
    first = next(b for b in bars if b.get("data-phase", "").startswith("推進組織"))
    assert first.get("data-start") == "2026-04-01"


def test_plan_workbook_has_every_sheet_and_the_gantt_cells(region_runtime: Runtime) -> None:
    book = load_workbook(io.BytesIO(export_plan(_plan(region_runtime))))
    assert book.sheetnames == [
        "業務システム一覧",
        "共同調達候補",
        "工程表",
        "費用比較",
        "準備状況",
        "課題の優先順位（地域）",
    ]
    gantt = book["工程表"]
    headings = [c.value for c in gantt[1]]
    assert headings[4] == "2026-04"
    row = next(
        r for r in gantt.iter_rows(min_row=2) if r[1].value and str(r[1].value).startswith("システム調達")
    )
    shaded = [headings[c.column - 1] for c in row[4:] if c.value == "■"]
    assert shaded[0] == "2027-10" and len(shaded) == 6
    ranking = book["課題の優先順位（地域）"]
    assert ranking.cell(row=2, column=2).value == "原課に意識付けを行う"


def test_inventory_round_trips_through_excel(region_runtime: Runtime, runtime: Runtime) -> None:
    with region_runtime.municipal_session(CITY_A) as session:
        before = [inventory.as_input(s) for s in inventory.list_systems(session)]
        data = export_systems(session)
        for s in before:
            inventory.delete_system(session, code=s.code)
    with region_runtime.municipal_session(CITY_A) as session:
        import_systems(session, data=data)
        after = [inventory.as_input(s) for s in inventory.list_systems(session)]
    assert after == before


def test_a_bad_inventory_row_rejects_the_file_naming_row_and_column(region_runtime: Runtime) -> None:
    with region_runtime.municipal_session(CITY_A) as session:
        book = load_workbook(io.BytesIO(export_systems(session)))
    book["業務システム一覧"]["F3"] = "少し"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(Invalid) as caught, region_runtime.municipal_session(CITY_A) as session:
        import_systems(session, data=buffer.getvalue())
    assert caught.value.record == "業務システム一覧 3行" and "F列" in (caught.value.field or "")
    assert "なし / 軽微 / 中 / 大" in caught.value.message


def test_a_system_naming_an_unknown_file_is_refused(region_runtime: Runtime) -> None:
    row = inventory.SystemInput("X-1", "住民記録", "x", "v", "パッケージ", "なし", dt.date(2028, 3, 31), 2028, 1,
                                "庁舎内", "マイナンバー利用事務系", files=("ないファイル",))  # fmt: skip
    with pytest.raises(Invalid) as caught, region_runtime.municipal_session(CITY_A) as session:
        inventory.upsert_system(session, row)
    assert caught.value.field == "特定個人情報ファイル" and caught.value.record == "業務システム X-1"
    with pytest.raises(Invalid, match="契約満了日"), region_runtime.municipal_session(CITY_A) as session:
        inventory.upsert_system(session, dataclasses.replace(row, files=(), contract_end=dt.date(2031, 1, 1)))


def test_a_region_needs_two_distinct_valid_bodies(runtime: Runtime) -> None:
    with runtime.municipal_session(CITY_A) as session:
        with pytest.raises(Invalid, match="2団体以上"):
            regions.upsert_region(session, code="R", name="r", members=[regions.MemberInput(CITY_A, "A")])
        with pytest.raises(Invalid, match="重複"):
            regions.upsert_region(
                session,
                code="R",
                name="r",
                members=[regions.MemberInput(CITY_A, "A"), regions.MemberInput(CITY_A, "B")],
            )
        with pytest.raises(Invalid):
            regions.upsert_region(
                session,
                code="R",
                name="r",
                members=[regions.MemberInput(CITY_A, "A"), regions.MemberInput("131017", "B")],
            )


def test_the_demo_is_safe_to_run_twice(region_runtime: Runtime) -> None:
    demo_region.setup(region_runtime, lg_a=CITY_A, lg_b=CITY_B)
    assert len(_plan(region_runtime).candidates) == 2
