"""独自利用事務 in governance: same しきい値判断 and 評価書, and the day view flags those without a current PIA."""

from __future__ import annotations

import datetime as dt

from renkei.addressee import service as addressee
from renkei.governance import local_use, overview, pia, register
from renkei.runtime import Runtime
from tests.governance.builders import LG

ORDINANCE = "令和7年千代田区条例第12号"
NAME = "子育て応援給付金の支給に関する事務"
DAY = dt.date(2026, 6, 1)


def registry(runtime: Runtime) -> str:
    with runtime.municipal_session(LG) as s:
        addressee.register_ordinance(
            s,
            number=ORDINANCE,
            title="子育て応援給付金条例",
            adopted_on=dt.date(2025, 3, 1),
            start_on=dt.date(2025, 4, 1),
        )
        return addressee.define_local_jimu(
            s,
            lg_code=LG,
            ordinance_number=ORDINANCE,
            article="第3条",
            jimu_name=NAME,
            system="jidoteate",
            tm_codes=["TM00000000000002"],
            similar_jimu_code="JM01074000000000",
        ).jimu_code


def test_a_local_use_in_force_but_unknown_to_governance_shows_on_the_day_view(runtime: Runtime) -> None:
    jimu = registry(runtime)
    with runtime.municipal_session(LG) as s:
        (flag,) = local_use.attention(s, today=DAY)
        assert flag.name == NAME and jimu in flag.basis and "登録されていません" in flag.reason
        summary = overview.overview(s, today=DAY)
        assert summary.local_use == [flag]
        assert any(NAME in line for line in summary.lines())
        assert local_use.sync_from_registry(s, today=DAY) == 1
        assert local_use.sync_from_registry(s, today=DAY) == 0  # idempotent
        (synced,) = [j for j in register.list_jimu(s) if j.kind == "条例事務"]
        assert synced.name == NAME and synced.basis == f"{ORDINANCE} 第3条（{jimu}）"
        (no_file,) = local_use.attention(s, today=DAY)
        assert "しきい値判断が未実施" in no_file.reason


def test_a_local_use_file_gets_the_same_threshold_and_is_flagged_until_its_evaluation_is_published(
    runtime: Runtime,
) -> None:
    registry(runtime)
    with runtime.municipal_session(LG) as s:
        local_use.sync_from_registry(s, today=DAY)
        file = register.upsert_file(
            s,
            name="子育て応援給付金ファイル",
            jimu=NAME,
            subject_count=12_000,
            handler_count=30,
            tm_code="TM00000000000002",
        )
        assert pia.status(file, today=DAY).level is pia.Level.BASIC
        (missing,) = local_use.attention(s, today=DAY)
        assert "基礎項目評価が必要ですが評価書が未公表" in missing.reason
        addressee.record_notification(
            s, jimu_code=addressee.plan(s)[0].jimu_code, notification_id="n1", status="filed"
        )
        reasons = sorted(a.reason for a in local_use.attention(s, today=DAY))
        assert any("評価書の公表前に情報連携の届出" in r for r in reasons)
        register.upsert_file(
            s,
            name="子育て応援給付金ファイル",
            jimu=NAME,
            subject_count=12_000,
            handler_count=30,
            tm_code="TM00000000000002",
            last_published_on=dt.date(2020, 5, 1),
        )
        (overdue,) = local_use.attention(s, today=DAY)
        assert "再評価の期限（2025-05-01）を過ぎています" in overdue.reason
        register.upsert_file(
            s,
            name="子育て応援給付金ファイル",
            jimu=NAME,
            subject_count=12_000,
            handler_count=30,
            tm_code="TM00000000000002",
            last_published_on=dt.date(2025, 5, 1),
        )
        assert local_use.attention(s, today=DAY) == []
        assert overview.overview(s, today=DAY).local_use == []


def test_the_toolkit_alone_flags_its_own_jorei_jimu(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as s:
        register.upsert_jimu(s, name="独自の医療費助成", kind="条例事務", basis="医療費助成条例 第2条")
        (flag,) = local_use.attention(s, today=DAY)
        assert flag.basis == "医療費助成条例 第2条"
