"""Legal basis per use: 別表第一 as data, 条例-based 独自利用事務, and refusals that are recorded and kept."""

from __future__ import annotations

import datetime as dt
import io
from contextlib import AbstractContextManager
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from renkei.addressee import service
from renkei.addressee.plan_export import export_plan
from renkei.cli import cli
from renkei.core import clock
from renkei.core.errors import Invalid, Refused
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA, register, row

JIDOTEATE = "JM01074000000000"
TAX_INFO = "TM00000000000002"
ORDINANCE = "令和7年千代田区条例第12号"


def at(day: dt.date) -> AbstractContextManager[None]:
    return clock.frozen(dt.datetime.combine(day, dt.time(3, 0)))


def one_person(runtime: Runtime) -> str:
    (a,) = register(runtime, row(1))
    with runtime.municipal_session(CHIYODA) as s:
        return service.integrated_number_of_resident(s, resident_id=a.resident_id)


def local_use(runtime: Runtime, *, end_on: dt.date | None = dt.date(2026, 3, 31)) -> str:
    with runtime.municipal_session(CHIYODA) as s:
        service.register_ordinance(
            s,
            number=ORDINANCE,
            title="千代田区子育て応援給付金条例",
            adopted_on=dt.date(2025, 3, 20),
            start_on=dt.date(2025, 4, 1),
            end_on=end_on,
        )
        row_ = service.define_local_jimu(
            s,
            lg_code=CHIYODA,
            ordinance_number=ORDINANCE,
            article="第3条",
            jimu_name="子育て応援給付金の支給に関する事務",
            system="jidoteate",
            tm_codes=[TAX_INFO],
            similar_jimu_code=JIDOTEATE,
        )
        return row_.jimu_code


def reveal(runtime: Runtime, number: str, jimu_code: str) -> str:
    with runtime.municipal_session(CHIYODA) as s:
        return service.reveal_mynumber(
            s,
            integrated_number=number,
            staff_id="7",
            staff_name="窓口　花子",
            reason="給付の審査のため",
            jimu_code=jimu_code,
            settings=runtime.settings,
        )


def log_actions(runtime: Runtime, number: str) -> list[tuple[str, str]]:
    with runtime.municipal_session(CHIYODA) as s:
        return [(e.action, e.reason) for e in reversed(service.access_log(s, integrated_number=number))]


def test_a_beppyo1_jimu_reveals_and_a_jimu_without_basis_is_refused_and_the_refusal_kept(
    runtime: Runtime,
) -> None:
    number = one_person(runtime)
    assert len(reveal(runtime, number, JIDOTEATE)) == 12
    with pytest.raises(Refused) as refused:
        reveal(runtime, number, "JM01999000000000")
    assert "根拠なし" in refused.value.message and refused.value.field == "事務コード"
    with pytest.raises(Refused):
        reveal(runtime, number, "")
    actions = log_actions(runtime, number)
    assert [a for a, _ in actions] == [
        "reveal_mynumber",
        "refused_reveal_mynumber",
        "refused_reveal_mynumber",
    ]
    assert "JM01999000000000" in actions[1][1] and "給付の審査のため" in actions[1][1]


def test_the_beppyo1_table_is_data_naming_each_item(runtime: Runtime) -> None:
    with runtime.municipal_session(CHIYODA) as s:
        bases = {b.jimu_code: b for b in service.list_bases(s)}
    assert bases["JM01027000000000"].label == "番号法別表第一 十六の項"
    assert bases["JM01027000000000"].system == "tax" and bases["JM01027000000000"].valid
    assert {b.system for b in bases.values()} >= {"tax", "kokuho", "kaigo", "jidoteate", "seiho", "juki"}


def test_a_jorei_jimu_may_use_the_number_only_while_its_ordinance_is_in_force(runtime: Runtime) -> None:
    number = one_person(runtime)
    jimu = local_use(runtime)
    assert jimu == f"JM09{CHIYODA}000001"
    with at(dt.date(2025, 3, 31)), pytest.raises(Refused) as early:
        reveal(runtime, number, jimu)
    assert "まだ施行されていません" in early.value.message
    with at(dt.date(2025, 4, 1)):
        assert len(reveal(runtime, number, jimu)) == 12
        with runtime.municipal_session(CHIYODA) as s:
            basis = service.basis_for(s, jimu_code=jimu)
        assert basis.kind == "条例" and basis.label == f"{ORDINANCE} 第3条（千代田区子育て応援給付金条例）"
    with at(dt.date(2026, 4, 1)), pytest.raises(Refused) as late:
        reveal(runtime, number, jimu)
    assert "失効" in late.value.message
    assert [a for a, _ in log_actions(runtime, number)] == [
        "refused_reveal_mynumber",
        "reveal_mynumber",
        "refused_reveal_mynumber",
    ]


def test_linking_a_system_needs_a_jimu_with_a_basis_today(runtime: Runtime) -> None:
    number = one_person(runtime)
    jimu = local_use(runtime, end_on=dt.date(2025, 12, 31))
    with at(dt.date(2025, 6, 1)), runtime.municipal_session(CHIYODA) as s:
        assert service.link_system(s, integrated_number=number, system="jidoteate", jimu_code=jimu)
    with at(dt.date(2026, 1, 5)):
        with pytest.raises(Refused), runtime.municipal_session(CHIYODA) as s:
            service.link_system(s, integrated_number=number, system="kokuho", jimu_code=jimu)
        with runtime.municipal_session(CHIYODA) as s:  # the 国保 system's own 別表第一 事務 still holds
            assert service.link_system(s, integrated_number=number, system="kokuho")
    actions = log_actions(runtime, number)
    assert [a for a, _ in actions] == ["refused_link"]
    assert "国保" in actions[0][1]


def test_bad_ordinances_and_jimu_are_refused_with_the_field(runtime: Runtime) -> None:
    with runtime.municipal_session(CHIYODA) as s:
        with pytest.raises(Invalid) as backwards:
            service.register_ordinance(
                s, number=ORDINANCE, title="x", start_on=dt.date(2025, 4, 1), end_on=dt.date(2025, 3, 31)
            )
        assert backwards.value.field == "失効日" and backwards.value.record == ORDINANCE
        with pytest.raises(Invalid) as late_adoption:
            service.register_ordinance(
                s, number=ORDINANCE, title="x", start_on=dt.date(2025, 4, 1), adopted_on=dt.date(2025, 5, 1)
            )
        assert late_adoption.value.field == "公布日"
    local_use(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        with pytest.raises(Invalid) as no_info:
            service.define_local_jimu(
                s,
                lg_code=CHIYODA,
                ordinance_number=ORDINANCE,
                article="第4条",
                jimu_name="y",
                system="tax",
                tm_codes=[],
            )
        assert no_info.value.field == "特定個人情報"
        with pytest.raises(Invalid) as unknown_tm:
            service.define_local_jimu(
                s,
                lg_code=CHIYODA,
                ordinance_number=ORDINANCE,
                article="第4条",
                jimu_name="y",
                system="tax",
                tm_codes=["TM00000000009999"],
            )
        assert unknown_tm.value.field == "特定個人情報"
        # a retry of the same definition is the same 事務
        again = service.define_local_jimu(
            s,
            lg_code=CHIYODA,
            ordinance_number=ORDINANCE,
            article="第3条",
            jimu_name="子育て応援給付金の支給に関する事務",
            system="jidoteate",
            tm_codes=[TAX_INFO],
            similar_jimu_code=JIDOTEATE,
        )
        assert again.jimu_code == f"JM09{CHIYODA}000001"


def test_the_plan_shows_each_jimu_planned_adopted_in_force_or_ended_and_exports_to_excel(
    runtime: Runtime,
) -> None:
    local_use(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        service.register_ordinance(
            s,
            number="令和8年千代田区条例第3号",
            title="千代田区医療費助成条例",
            start_on=dt.date(2026, 10, 1),
        )
        service.define_local_jimu(
            s,
            lg_code=CHIYODA,
            ordinance_number="令和8年千代田区条例第3号",
            article="第2条",
            jimu_name="医療費助成に関する事務",
            system="kokuho",
            tm_codes=["TM00000000000001"],
        )

        def statuses(day: dt.date) -> list[str]:
            return [r.status for r in service.plan(s, on=day)]

        assert statuses(dt.date(2025, 3, 1)) == ["planned", "planned"]
        assert statuses(dt.date(2025, 3, 25)) == ["adopted", "planned"]
        assert statuses(dt.date(2025, 9, 1)) == ["in_force", "planned"]
        assert statuses(dt.date(2026, 4, 1)) == ["ended", "planned"]
        data = export_plan(s, on=dt.date(2025, 9, 1))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["独自利用計画"]
    header = [c.value for c in sheet[2]]
    assert header[:5] == ["条例番号", "条例の題名", "条項", "事務コード", "独自利用事務"]
    first = [c.value for c in sheet[3]]
    assert first[0] == ORDINANCE and first[3] == f"JM09{CHIYODA}000001"
    assert first[9] == "2025-04-01（令和7年4月1日）" and first[11] == "施行中" and first[12] == "未届出"
    assert "TM00000000000002 地方税関係情報" in first[7]
    assert [c.value for c in book["条例"][4]][5] == "計画中"


def test_the_cli_registers_an_ordinance_a_jimu_and_writes_the_plan(
    cli_env: dict[str, str], tmp_path: Path, runtime: Runtime
) -> None:
    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), env=cli_env)
        return result.exit_code, result.output

    m = ("--municipality", CHIYODA)
    code, out = invoke(
        "local-use",
        "ordinance",
        *m,
        "--number",
        ORDINANCE,
        "--title",
        "子育て応援給付金条例",
        "--adopted-on",
        "2025-03-20",
        "--start-on",
        "2025-04-01",
        "--end-on",
        "2025-03-01",
    )
    assert code != 0 and "失効日" in out
    code, out = invoke(
        "local-use",
        "ordinance",
        *m,
        "--number",
        ORDINANCE,
        "--title",
        "子育て応援給付金条例",
        "--adopted-on",
        "2025-03-20",
        "--start-on",
        "2025-04-01",
    )
    assert code == 0, out
    code, out = invoke(
        "local-use",
        "jimu",
        *m,
        "--ordinance",
        ORDINANCE,
        "--article",
        "第3条",
        "--name",
        "子育て応援給付金の支給",
        "--system",
        "jidoteate",
        "--tm",
        TAX_INFO,
    )
    assert code == 0 and out.startswith(f"JM09{CHIYODA}000001"), out
    target = tmp_path / "plan.xlsx"
    code, out = invoke("local-use", "plan", *m, "--xlsx", str(target))
    assert code == 0 and "施行中" in out and target.stat().st_size > 0
    code, out = invoke("local-use", "bases", *m)
    assert code == 0 and f"{ORDINANCE} 第3条" in out and "番号法別表第一 十六の項" in out


def test_the_cli_files_a_notification_and_the_commission_accepts_it(
    cli_env: dict[str, str], runtime: Runtime
) -> None:
    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args), env=cli_env)
        return result.exit_code, result.output

    m = ("--municipality", CHIYODA)
    assert (
        invoke(
            "local-use",
            "ordinance",
            *m,
            "--number",
            ORDINANCE,
            "--title",
            "子育て応援給付金条例",
            "--adopted-on",
            "2026-03-20",
            "--start-on",
            "2026-04-01",
        )[0]
        == 0
    )
    code, out = invoke(
        "local-use",
        "jimu",
        *m,
        "--ordinance",
        ORDINANCE,
        "--article",
        "第3条",
        "--name",
        "子育て応援給付金の支給",
        "--system",
        "jidoteate",
        "--tm",
        TAX_INFO,
        "--similar",
        JIDOTEATE,
    )
    jimu = out.split("\t")[0]
    code, out = invoke("local-use", "notify", *m, "--jimu", jimu, "--ask", f"市町村長:{TAX_INFO}")
    assert code == 0 and "届出中" in out, out
    notification_id = out.split("\t")[0].removeprefix("届出 ")
    code, out = invoke("local-use", "commission", "list", "--status", "filed")
    assert code == 0 and notification_id in out
    code, out = invoke(
        "local-use", "commission", "accept", "--requester", CHIYODA, notification_id, "--operator", "審査官"
    )
    assert code == 0 and "受理" in out and "登録 1 件" in out, out
    code, out = invoke("local-use", "commission", "entries")
    assert code == 0 and jimu in out and f"{ORDINANCE} 第3条" in out
    code, out = invoke("hub", "permissions", "list")
    (line,) = [row for row in out.splitlines() if row.startswith("独自利用")]
    assert jimu in line and "第19条第9号" in line and "2026-04-01（令和8年4月1日）" in line
    code, out = invoke("local-use", "notification", *m, "--jimu", jimu)
    assert code == 0 and "受理" in out, out
    code, out = invoke("local-use", "plan", *m)
    assert "届出: 受理" in out
    code, out = invoke("local-use", "governance-sync", *m)
    assert code == 0 and "1 件を登録" in out and "しきい値判断が未実施" in out, out


def test_a_non_resident_for_a_jimu_without_basis_is_not_registered_and_the_refusal_is_kept(
    runtime: Runtime,
) -> None:
    jimu = local_use(runtime, end_on=dt.date(2025, 12, 31))
    with at(dt.date(2026, 1, 5)):
        with pytest.raises(Refused), runtime.municipal_session(CHIYODA) as s:
            service.register_non_resident(
                s,
                system="jidoteate",
                name="外部　太郎",
                name_kana="ガイブ　タロウ",
                birth_date=dt.date(1980, 1, 1),
                sex="1",
                address="大阪府大阪市北区1-1",
                jimu_code=jimu,
                settings=runtime.settings,
            )
        with runtime.municipal_session(CHIYODA) as s:
            assert service.search(s, query="外部") == []
            (entry,) = service.access_log(s)
        assert entry.action == "refused_link" and entry.integrated_number == ""
