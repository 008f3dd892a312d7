"""The register's rules: ratings on their scales, acceptance withdrawn by a change, the heat map, issues, indicators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.governance import indicators, issues, register, scales
from renkei.governance.scales import Measure
from renkei.runtime import Runtime
from tests.governance.builders import FROZEN, LG, add_seed_jimu
from tests.governance.seed import JIMU


def asset(session: Session, code: str = "1-2") -> None:
    register.upsert_asset(
        session, code=code, jimu=JIMU, name="減免申請書", medium="紙", stage="取得",
        confidentiality=3, integrity=2, availability=2,
    )  # fmt: skip


def test_changing_a_rating_or_a_measure_withdraws_the_acceptance(runtime: Runtime) -> None:
    with clock.frozen(FROZEN), runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        asset(session)
        register.upsert_risk(session, asset_code="1-2", vulnerability_rating=2, threat_rating=2,
                             measures=[Measure("個人スペースを作る。", Decimal("0.5"))])  # fmt: skip
        risk = register.accept_risk(session, asset_code="1-2", accepted_by="税務課長")
        assert risk.accepted_at == FROZEN
        register.upsert_risk(session, asset_code="1-2", vulnerability_rating=2, threat_rating=2, residual_risk="変更",
                             measures=[Measure("個人スペースを作る。", Decimal("0.5"))])  # fmt: skip
        assert risk.accepted_by == "税務課長"  # wording only: still accepted
        register.upsert_risk(session, asset_code="1-2", vulnerability_rating=3, threat_rating=2,
                             measures=[Measure("個人スペースを作る。", Decimal("0.5"))])  # fmt: skip
        assert risk.accepted_by is None and risk.accepted_at is None
        view = register.list_risks(session)[0]
        assert (view.total, view.residual, view.residual_vulnerability) == (24, Decimal(20), Decimal("2.5"))


def test_reductions_never_take_the_vulnerability_below_one(runtime: Runtime) -> None:
    assert scales.residual_risk(4, 2, 2, [Decimal(1), Decimal(1)]) == 8
    assert scales.residual_risk(4, 3, 2, [Decimal("0.5")]) == 20


def test_the_heat_map_counts_before_and_after_measures(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        for code, v, reduction in (("A", 3, "1"), ("B", 3, "0.5"), ("C", 1, "0")):
            asset(session, code)
            register.upsert_risk(session, asset_code=code, vulnerability_rating=v, threat_rating=2,
                                 measures=[Measure("対策", Decimal(reduction))])  # fmt: skip
        heat = register.heat_map(register.list_risks(session))
    assert heat.cell(2, 3) == 2 and heat.cell(2, 1) == 1
    assert heat.cell(2, 2, residual=True) == 1 and heat.cell(2, 3, residual=True) == 1  # 2.5 rounds up to 3
    assert heat.level(3, 3) == "high" and heat.level(1, 3) == "mid" and heat.level(1, 2) == "low"


def test_register_refuses_what_it_cannot_hold(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        add_seed_jimu(session)
        with pytest.raises(Invalid, match="取扱段階"):
            register.upsert_asset(session, code="9", jimu=JIMU, name="x", medium="紙", stage="閲覧",
                                  confidentiality=1, integrity=1, availability=1)  # fmt: skip
        with pytest.raises(Invalid, match="種類"):
            register.upsert_asset(session, code="9", jimu=JIMU, name="x", medium="布", stage="取得",
                                  confidentiality=1, integrity=1, availability=1)  # fmt: skip
        with pytest.raises(NotFound):
            register.upsert_risk(session, asset_code="404", vulnerability_rating=1, threat_rating=1)
        asset(session)
        with pytest.raises(Invalid, match="対策の内容"):
            register.upsert_risk(session, asset_code="1-2", vulnerability_rating=1, threat_rating=1,
                                 measures=[Measure("紙・電子 △1", Decimal(1))])  # fmt: skip
        with pytest.raises(NotFound):
            register.accept_risk(session, asset_code="1-2", accepted_by="x")
        with pytest.raises(Invalid, match="区分"):
            register.upsert_jimu(session, name="y", kind="法律")
        with pytest.raises(Invalid, match="業務フロー"):
            register.upsert_jimu(session, name=JIMU, progress={"progress_flow": "済"})
        assert register.upsert_jimu(session, name=JIMU, progress={"progress_flow": "○"}).progress_flow == "〇"


def test_issue_scores_are_tenths_between_one_and_five(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        for bad in ("0.9", "5.1", "4.35", "高い", ""):
            with pytest.raises(Invalid, match="影響性"):
                issues.upsert_issue(session, number=1, title="x", impact=bad, compliance=1, ease=1)
        issues.upsert_issue(session, number=1, title="a", impact="3", compliance="4", ease="3")
        issues.upsert_issue(session, number=2, title="b", impact="4", compliance="3", ease="3")
        issues.upsert_issue(session, number=3, title="c", impact="3", compliance="4", ease="3")
        # equal 総合 10.0: higher 法令準拠 first, then 影響性, then the lower number
        assert [v.issue.number for v in issues.ranked_issues(session)] == [1, 3, 2]
        issues.delete_issue(session, number=3)
        assert [v.rank for v in issues.ranked_issues(session)] == [1, 2]


def test_indicators_are_counted_from_the_data_and_typed_in(runtime: Runtime) -> None:
    with clock.frozen(FROZEN), runtime.municipal_session(LG) as session:
        from renkei.governance import training

        add_seed_jimu(session)
        register.upsert_file(session, name="F", jimu=JIMU, subject_count=10, handler_count=2)
        training.upsert_plan(session, code="P", fiscal_year=2026, title="研修")
        training.upsert_session(session, code="S", plan="P", held_on=dt.date(2026, 4, 10), title="研修")
        training.upsert_handler(
            session, code="A", name="a", department="d", assigned_on=dt.date(2026, 4, 1), files=["F"]
        )
        training.upsert_handler(
            session, code="B", name="b", department="d", assigned_on=dt.date(2026, 4, 1), files=["F"]
        )
        training.record_attendance(session, session_code="S", handler_code="A")
        indicators.set_indicator(session, name="職員数", fiscal_year=2025, value="1,096")
        indicators.refresh(session, fiscal_year=2026)
        years, rows = indicators.table(session)
        with pytest.raises(Invalid, match="単位"):
            indicators.set_indicator(
                session, name="新しい指標", fiscal_year=2026, value=1, category="活動指標"
            )
    values = {r.name: r.values for r in rows}
    assert years == [2025, 2026]
    assert values["職員数"] == {2025: ("1096", False)}
    assert values["研修会等の開催回数"] == {2026: ("1", True)}
    assert values["ネットワーク接続機器台数"] == {2026: ("0", False)}
    assert values["特定個人情報取扱者の年次研修受講率"] == {2026: ("50", True)}
    assert indicators.fiscal_year_of(dt.date(2027, 3, 31)) == 2026
