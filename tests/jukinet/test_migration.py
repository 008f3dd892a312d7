"""人口移動報告用データ: each month's 転入者 by 転入先, 従前の住所地, sex and age band, reproducible and checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from click.testing import CliRunner

from renkei.cli import cli
from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.jukinet.migration import age_band
from renkei.jukinet.models import JukinetIdentityChange
from renkei.protocol.provision import migration_csv, migration_report_of
from renkei.residents import service as residents
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.residents.builders import CHIYODA, SETAGAYA, connect, register, row
from tests.web.builders import logged_in

APRIL = dt.datetime(2025, 4, 10, 3, 0, tzinfo=dt.UTC)
MAY_FIRST_JST = dt.datetime(2025, 4, 30, 15, 30, tzinfo=dt.UTC)  # 2025-05-01 00:30 in Tokyo


@pytest.fixture(autouse=True)
def light_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        staff_service, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    )


def move(runtime: Runtime, resident_id: int, *, at: dt.datetime) -> None:
    client = connect(runtime)
    with clock.frozen(at):
        with runtime.municipal_session(CHIYODA) as s:
            certificate = residents.move_out(
                s,
                resident_id=resident_id,
                destination_lg_code=SETAGAYA,
                effective_on=at.date(),
                jukinet=client,
                settings=runtime.settings,
            )
        with runtime.municipal_session(SETAGAYA) as s:
            residents.move_in(
                s,
                lg_code=SETAGAYA,
                certificate=certificate,
                postal_code="1540001",
                address="東京都世田谷区池尻1丁目1番1号",
                effective_on=at.date(),
                jukinet=client,
                settings=runtime.settings,
            )


def people(runtime: Runtime) -> list[int]:
    done = register(
        runtime,
        row(1, birth_date=dt.date(1995, 4, 11), sex="1"),  # 29 on 2025-04-10
        row(2, birth_date=dt.date(1995, 4, 10), sex="1"),  # 30 on 2025-04-10
        row(3, birth_date=dt.date(1996, 1, 1), sex="1"),  # 29
        row(4, birth_date=dt.date(1930, 1, 1), sex="2"),  # 95
    )
    connect(runtime)
    return [d.resident_id for d in done]


def test_the_bands_are_five_years_up_to_ninety() -> None:
    assert [age_band(a) for a in (0, 4, 5, 29, 30, 89, 90, 104)] == [
        "0〜4歳",
        "0〜4歳",
        "5〜9歳",
        "25〜29歳",
        "30〜34歳",
        "85〜89歳",
        "90歳以上",
        "90歳以上",
    ]


def test_a_month_counts_its_move_ins_and_stays_the_same_afterwards(runtime: Runtime) -> None:
    ids = people(runtime)
    for rid in ids:
        move(runtime, rid, at=APRIL if rid != ids[3] else MAY_FIRST_JST)
    april = migration_report_of(runtime.transport, "2025-04")
    assert april.total == 3 and april.by_municipality == {SETAGAYA: 3}
    assert [(r.from_lg_code, r.sex, r.age_band, r.count) for r in april.rows] == [
        (CHIYODA, "1", "25〜29歳", 2),
        (CHIYODA, "1", "30〜34歳", 1),
    ]
    assert april.rows[0].lg_name == "東京都世田谷区" and april.rows[0].from_lg_name == "東京都千代田区"
    may = migration_report_of(runtime.transport, "2025-05")  # recorded after midnight in Tokyo
    assert [(r.sex, r.age_band, r.count) for r in may.rows] == [("2", "90歳以上", 1)]
    again = migration_report_of(runtime.transport, "2025-04")
    assert again.digest == april.digest and migration_csv(again) == migration_csv(april)
    lines = migration_csv(april).split("\r\n")
    assert (
        lines[0]
        == "報告年月,転入先市区町村コード,転入先市区町村名,従前住所地市区町村コード,従前住所地市区町村名,性別,年齢階級,転入者数"
    )
    assert lines[1] == "2025-04,131121,東京都世田谷区,131016,東京都千代田区,1,25〜29歳,2"
    with pytest.raises(Invalid, match="報告年月"):
        migration_report_of(runtime.transport, "2025-13")


def test_the_command_checks_totals_against_each_register_and_the_page_shows_them(
    runtime: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    ids = people(runtime)
    for rid in ids[:2]:
        move(runtime, rid, at=APRIL)
    out = tmp_path / "ido.csv"
    result = CliRunner().invoke(
        cli, ["jukinet", "migration-report", "--month", "2025-04", "--out", str(out)], env=cli_env
    )
    assert result.exit_code == 0, result.output
    assert "転入者 2人" in result.output and "一致しました" in result.output
    assert out.read_bytes().decode("utf-8").count("\r\n") == 3
    client, _ = logged_in(runtime, "juki", lg_code=SETAGAYA)
    page = client.get("/jukinet/migration?month=2025-04")
    assert page.status_code == 200 and "住民記録の転入 2件、報告 2人（一致）" in page.text
    download = client.get("/jukinet/migration.csv?month=2025-04")
    assert download.content == out.read_bytes()
    with runtime.session("jukinet") as s:  # a 転入 lost at 全国サーバ shows as a mismatch
        lost = s.scalars(
            sa.select(JukinetIdentityChange).where(JukinetIdentityChange.kind == "move_in")
        ).first()
        s.delete(lost)
    result = CliRunner().invoke(cli, ["jukinet", "migration-report", "--month", "2025-04"], env=cli_env)
    assert result.exit_code == 1 and f"不一致 {SETAGAYA}: 住民記録の転入 2件、報告 1人" in result.output
