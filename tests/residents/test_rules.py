"""Input checked against the real world: no future births or deaths, 転出 at most 14 days ahead, 転入・転居 after
the fact, postcodes that exist and match the address and the municipality; nothing refused is stored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.residents import rules
from renkei.residents import service as residents
from renkei.residents.importer import import_file
from renkei.residents.population import HEADINGS
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA, SETAGAYA, connect, register, row

TODAY = dt.date(2026, 5, 1)
NOON = dt.datetime(2026, 5, 1, 3, 0, tzinfo=dt.UTC)  # 12:00 JST


@pytest.fixture
def taro(runtime: Runtime) -> int:
    with clock.frozen(NOON):
        (person,) = register(runtime, row(1))
    return person.resident_id


def _status(runtime: Runtime, resident_id: int, lg_code: str = CHIYODA) -> tuple[str, str, str]:
    with runtime.municipal_session(lg_code) as session:
        r = residents.get_resident(session, resident_id=resident_id)
        return r.status, r.postal_code, r.address


def test_a_death_date_in_the_future_is_refused_and_nothing_changes(runtime: Runtime, taro: int) -> None:
    client = connect(runtime)
    with (
        clock.frozen(NOON),
        pytest.raises(Invalid, match="死亡日が未来の日付です") as refused,
        runtime.municipal_session(CHIYODA) as session,
    ):
        residents.record_death(
            session, resident_id=taro, died_on=TODAY + dt.timedelta(days=1), jukinet=client,
            settings=runtime.settings,
        )  # fmt: skip
    assert refused.value.field == "死亡日"
    assert _status(runtime, taro)[0] == "active"


def test_a_birth_in_the_future_or_before_the_parent_is_refused(runtime: Runtime, taro: int) -> None:
    client = connect(runtime)
    for born, reason in (
        (TODAY + dt.timedelta(days=1), "生年月日が未来"),
        (dt.date(1970, 1, 1), "親の生年月日"),
    ):
        with (
            clock.frozen(NOON),
            pytest.raises(Invalid, match=reason),
            runtime.municipal_session(CHIYODA) as session,
        ):
            residents.record_birth(
                session, parent_id=taro, given_name="次郎", given_name_kana="ジロウ", birth_date=born,
                sex="1", jukinet=client, settings=runtime.settings,
            )  # fmt: skip
    with runtime.municipal_session(CHIYODA) as session:
        assert residents.list_residents(session, query="ジロウ") == []


@pytest.mark.parametrize(
    ("postal_code", "address", "reason"),
    [
        ("999-9999", "東京都千代田区千代田1番", "郵便番号 999-9999 は存在しません"),
        (
            "060-0000",
            "北海道札幌市中央区北1条",
            "北海道札幌市中央区の郵便番号です",
        ),  # another prefecture: a 転出
        ("154-0001", "東京都世田谷区池尻1丁目", "東京都世田谷区の郵便番号です"),  # another city: a 転出
        ("100-0001", "東京都千代田区一番町1番", "と一致しません"),  # the postcode is 千代田, not 一番町
        ("100-0001", "大阪府大阪市北区梅田1番", "と一致しません"),
        ("12", "東京都千代田区千代田1番", "7桁の数字"),
    ],
)
def test_a_move_within_the_city_must_stay_in_it_at_a_postcode_that_exists_and_matches(
    runtime: Runtime, taro: int, postal_code: str, address: str, reason: str
) -> None:
    client = connect(runtime)
    before = _status(runtime, taro)
    with (
        clock.frozen(NOON),
        pytest.raises(Invalid, match=reason),
        runtime.municipal_session(CHIYODA) as session,
    ):
        residents.change_address(
            session, resident_id=taro, postal_code=postal_code, address=address, jukinet=client,
            settings=runtime.settings,
        )  # fmt: skip
    assert _status(runtime, taro) == before


def test_a_valid_move_within_the_city_is_kept_with_the_postcode_normalised(
    runtime: Runtime, taro: int
) -> None:
    client = connect(runtime)
    with clock.frozen(NOON), runtime.municipal_session(CHIYODA) as session:
        residents.change_address(
            session, resident_id=taro, postal_code="１０２－００８２".replace("－", "-"),
            address="千代田区一番町１番地", jukinet=client, settings=runtime.settings,
        )  # fmt: skip
    assert _status(runtime, taro) == ("active", "1020082", "千代田区一番町１番地")


def test_a_move_out_is_planned_at_most_14_days_ahead_and_must_leave_the_city(
    runtime: Runtime, taro: int
) -> None:
    client = connect(runtime)
    with clock.frozen(NOON):
        with pytest.raises(Invalid, match="14日後"), runtime.municipal_session(CHIYODA) as session:
            residents.move_out(
                session, resident_id=taro, destination_lg_code=SETAGAYA,
                effective_on=TODAY + dt.timedelta(days=15), jukinet=client, settings=runtime.settings,
            )  # fmt: skip
        with pytest.raises(Invalid, match="転居として"), runtime.municipal_session(CHIYODA) as session:
            residents.move_out(
                session, resident_id=taro, destination_lg_code=CHIYODA, jukinet=client,
                settings=runtime.settings,
            )  # fmt: skip
        assert _status(runtime, taro)[0] == "active"
        with runtime.municipal_session(CHIYODA) as session:
            certificate = residents.move_out(
                session, resident_id=taro, destination_lg_code=SETAGAYA,
                effective_on=TODAY + dt.timedelta(days=14), jukinet=client, settings=runtime.settings,
            )  # fmt: skip
        # 転入 is notified after the move: not before the planned day, and into an address in the new city.
        with (
            pytest.raises(Invalid, match="異動日が未来の日付です"),
            runtime.municipal_session(SETAGAYA) as session,
        ):
            residents.move_in(
                session, lg_code=SETAGAYA, certificate=certificate, postal_code="154-0001",
                address="東京都世田谷区池尻1丁目", effective_on=TODAY + dt.timedelta(days=14),
                jukinet=client, settings=runtime.settings,
            )  # fmt: skip
        with (
            pytest.raises(Invalid, match="千代田区の郵便番号です"),
            runtime.municipal_session(SETAGAYA) as session,
        ):
            residents.move_in(
                session, lg_code=SETAGAYA, certificate=certificate, postal_code="100-0001",
                address="東京都千代田区千代田1番", jukinet=client, settings=runtime.settings,
            )  # fmt: skip
    with runtime.municipal_session(SETAGAYA) as session:
        assert residents.list_residents(session, query="タロウ") == []


def test_an_import_row_with_a_postcode_that_does_not_exist_or_does_not_match_is_rejected(
    runtime: Runtime, tmp_path: Path
) -> None:
    lines = [
        ",".join(HEADINGS),
        f"1,1,世帯主,山田,太郎,ヤマダ,タロウ,1980-04-01,男,100-0001,東京都千代田区千代田1番,2000-04-01,{CHIYODA}",
        f"2,2,世帯主,山田,次郎,ヤマダ,ジロウ,1980-04-01,男,999-9999,東京都千代田区千代田1番,2000-04-01,{CHIYODA}",
        f"3,3,世帯主,山田,三郎,ヤマダ,サブロウ,1980-04-01,男,154-0001,東京都世田谷区池尻1丁目,2000-04-01,{CHIYODA}",
        f"4,4,世帯主,山田,四郎,ヤマダ,シロウ,2999-04-01,男,100-0001,東京都千代田区千代田1番,2000-04-01,{CHIYODA}",
    ]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    client = connect(runtime, CHIYODA)
    result = import_file(
        lambda: runtime.municipal_session(CHIYODA), path=path, lg_code=CHIYODA, jukinet=client,
        settings=runtime.settings, on_error="skip", rejects=tmp_path / "rejects.csv",
    )  # fmt: skip
    assert result.registered == 1
    assert [(e.record, e.field) for e in result.errors] == [
        ("3行目", "郵便番号"),
        ("4行目", "郵便番号"),
        ("5行目", "生年月日"),
    ]
    assert "存在しません" in result.errors[0].message
    assert "世田谷区の郵便番号です" in result.errors[1].message


def test_the_postcode_rule_accepts_an_address_without_its_prefecture_and_half_width_digits() -> None:
    assert rules.check_address("1000001", "千代田区千代田1-1", lg_code=CHIYODA) == "1000001"
    assert rules.check_address("〒100-0001", "東京都 千代田区 千代田１番", lg_code=CHIYODA) == "1000001"
