"""Demo 地域共同対応: the two demo municipalities plan a joint 自治体クラウド as a region (seed 002's B県 case).

The first municipality is the 幹事団体 and keeps the region; the second gets a small governance record of its own
(a file, handlers trained this year, a clean network, its own issue scores) so the region view has two bodies to
compare. Each body's 業務システム are entered on its own node. Safe to run twice: every write is an upsert.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.demo import governance as demo_governance
from renkei.governance import issues, network, register, training
from renkei.governance import region as regions
from renkei.governance import systems as inventory
from renkei.governance.cloud import plan
from renkei.runtime import Runtime

# The fields of inventory.SystemInput in order, without the note.
Row = tuple[str, str, str, str, str, str, dt.date, int, int, str, str, tuple[str, ...]]
REGION = "DEMO-REGION"
REGION_NAME = "デモ地域 自治体クラウド検討会（B県モデル）"
# (団体, code, 業務, システム名, 事業者, 種別, カスタマイズ, 契約満了日, 更新年度, 年間経費 千円, 設置形態, 区分, files)
SYSTEMS_A: tuple[Row, ...] = (
    ("A-01", "住民記録", "住民記録システム", "甲システム株式会社", "パッケージ", "軽微", dt.date(2028, 3, 31), 2028, 18_000, "庁舎内", network.MYNUMBER, ()),
    ("A-02", "個人住民税", "税務総合システム", "甲システム株式会社", "パッケージ", "中", dt.date(2029, 3, 31), 2029, 24_000, "庁舎内", network.MYNUMBER, ("軽自動車税減免ファイル",)),
    ("A-03", "児童手当", "子育て支援システム", "乙情報サービス", "独自開発", "大", dt.date(2027, 3, 31), 2027, 9_000, "データセンター", network.MYNUMBER, ("児童手当ファイル",)),
)  # fmt: skip
SYSTEMS_B: tuple[Row, ...] = (
    ("B-01", "住民記録", "住基クラウドサービス", "丙ソリューションズ", "パッケージ", "なし", dt.date(2029, 3, 31), 2029, 11_000, "データセンター", network.MYNUMBER, ("住民記録ファイル",)),
    ("B-02", "個人住民税", "市税システム", "丙ソリューションズ", "パッケージ", "軽微", dt.date(2029, 3, 31), 2029, 15_000, "データセンター", network.MYNUMBER, ("住民記録ファイル",)),
    ("B-03", "児童手当", "児童手当システム", "丁電算", "パッケージ", "なし", dt.date(2031, 3, 31), 2031, 4_000, "クラウド", network.MYNUMBER, ()),
)  # fmt: skip
# Joint quotes (千円/年, 初期費用 千円) for the 業務 whose renewals align.
ESTIMATES = (("住民記録", 23_000, 30_000), ("個人住民税", 31_000, 42_000))
# The second body's own scores of some of seed 002's issues (its raters saw them differently).
ISSUES_B = (
    (1, "全庁的な課題の整理", "4.6", "5", "2.9"),
    (2, "業務の洗い出し、整理", "5", "4.8", "1.9"),
    (3, "原課に意識付けを行う", "4.4", "5", "3.5"),
    (4, "他市町村と情報共有共同対応の可能性を探る", "5", "1.8", "3.6"),
)


def _apply(session: Session, rows: tuple[Row, ...]) -> None:
    for row in rows:
        inventory.upsert_system(session, inventory.SystemInput(*row))


def _second_body(session: Session, today: dt.date) -> None:
    jimu = "住民基本台帳法による住民基本台帳に関する事務"
    register.upsert_jimu(session, name=jimu, kind="別表第一", department="市民課")
    register.upsert_file(session, name="住民記録ファイル", jimu=jimu, subject_count=30_000, handler_count=40,
                         last_published_on=today - dt.timedelta(days=400), tm_code="TM00000000000001")  # fmt: skip
    register.upsert_asset(session, code="R-1", jimu=jimu, name="住民異動届", medium="紙", stage="取得",
                          handling="窓口で受領する。", confidentiality=3, integrity=3, availability=2)  # fmt: skip
    fiscal_year = today.year if today.month >= 4 else today.year - 1
    training.upsert_plan(
        session,
        code=f"P{fiscal_year}",
        fiscal_year=fiscal_year,
        title="特定個人情報の適正な取扱いに関する研修",
    )
    training.upsert_session(session, code="S-B1", plan=f"P{fiscal_year}", held_on=today - dt.timedelta(days=30),
                            title="安全管理措置（集合研修）", hours="2")  # fmt: skip
    for code, name in (("S001", "市民 一郎"), ("S002", "窓口 二葉")):
        training.upsert_handler(session, code=code, name=name, department="市民課", files=["住民記録ファイル"],
                                assigned_on=today - dt.timedelta(days=700))  # fmt: skip
        training.record_attendance(session, session_code="S-B1", handler_code=code)
    clean = demo_governance._inventory()
    clean = dataclasses.replace(
        clean,
        hosts=[h for h in clean.hosts if h.two_factor or h.segment != "基幹系" or h.kind != "端末"],
        flows=[f for f in clean.flows if f.code != "F-06"],
    )
    network.replace_inventory(session, clean)
    for number, title, impact, compliance, ease in ISSUES_B:
        issues.upsert_issue(
            session, number=number, title=title, impact=impact, compliance=compliance, ease=ease
        )


def setup(runtime: Runtime, *, lg_a: str, lg_b: str, names: tuple[str, str] = ("A市", "B町")) -> list[str]:
    """The region on lg_a's node, both inventories, the second body's governance; returns summary lines."""
    today = clock.today()
    with runtime.municipal_session(lg_a) as session:
        _apply(session, SYSTEMS_A)
    with runtime.municipal_session(lg_b) as session:
        _second_body(session, today)
        _apply(session, SYSTEMS_B)
    with runtime.municipal_session(lg_a) as session:
        regions.upsert_region(
            session,
            code=REGION,
            name=REGION_NAME,
            members=[
                regions.MemberInput(lg_a, names[0], population=62_000),
                regions.MemberInput(lg_b, names[1], population=18_000),
            ],
        )
        for business, annual, initial in ESTIMATES:
            regions.set_estimate(
                session, region=REGION, business=business, annual_cost=annual, initial_cost=initial
            )
    with runtime.municipal_session(lg_a) as session:
        result = plan(session, code=REGION, open_member=runtime.municipal_session, today=today)
    lines = [f"地域共同対応（デモ） / region demo: {REGION_NAME}"]
    for c in result.candidates:
        lines.append(
            f"  共同調達候補 {c.business}: 稼働 {c.go_live}、単独 {c.alone_total:,}千円/年 → 共同 {c.joint_total or 0:,}千円/年"
        )
    for r in result.readiness:
        lines.append(f"  {r.member.name}: 第{r.reached}段階まで到達")
    return lines
