"""住基ネット: 住民票コード pools, 付番 that never repeats, 本人確認情報 history, 取得番号."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from renkei.core import ids
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.jukinet import service
from renkei.jukinet.models import JukinetCodePool, JukinetIssuedMynumber, JukinetJuminhyoCode, JukinetPerson
from renkei.jukinet.numbering import NumberingKeys, derive_mynumber, mynumber_hash
from renkei.protocol.jukinet import IdentityChange, Person
from renkei.runtime import Runtime

CHIYODA = "131016"
SETAGAYA = "131121"


def keys(runtime: Runtime) -> NumberingKeys:
    return NumberingKeys.from_master(runtime.settings.secret("jukinet_key"))


def person(code: str, **overrides: object) -> Person:
    values: dict[str, object] = {
        "juminhyo_code": code,
        "name": "山田　花子",
        "name_kana": "ヤマダ　ハナコ",
        "birth_date": dt.date(1990, 1, 2),
        "sex": "2",
        "address": "東京都千代田区千代田1番1号",
    }
    values.update(overrides)
    return Person(**values)  # type: ignore[arg-type]


def test_it_names_municipalities_from_the_national_code_list(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        chiyoda = service.register_municipality(s, lg_code=CHIYODA)
        again = service.register_municipality(s, lg_code="13101")  # 5 digits: the check digit is added
        assert chiyoda.name == "東京都千代田区"
        assert again == chiyoda
        assert [m.lg_code for m in service.municipalities(s)] == [CHIYODA]


def test_it_refuses_unknown_municipality_codes(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        with pytest.raises(Invalid):
            service.register_municipality(s, lg_code="131017")  # wrong check digit
        with pytest.raises(NotFound):
            service.register_municipality(s, lg_code="999997")  # valid form, no such municipality
        with pytest.raises(NotFound):
            service.issue_juminhyo_codes(s, lg_code=SETAGAYA, count=1)  # not connected


def test_pools_hold_valid_codes_never_handed_out_twice(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        service.register_municipality(s, lg_code=SETAGAYA)
        first = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=300)
        second = service.issue_juminhyo_codes(s, lg_code=SETAGAYA, count=300)
        assert len(set(first) | set(second)) == 600
        assert all(ids.validate_juminhyo_code(c) == c for c in first + second)
        pools = s.scalars(sa.select(JukinetCodePool).order_by(JukinetCodePool.id)).all()
        assert [(p.lg_code, p.size) for p in pools] == [(CHIYODA, 300), (SETAGAYA, 300)]
        assert s.scalar(sa.select(sa.func.count()).select_from(JukinetJuminhyoCode)) == 600


def test_it_issues_valid_distinct_my_numbers_and_answers_a_retry_with_the_same(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        codes = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=50)
        answered = service.register_persons(
            s, lg_code=CHIYODA, persons=[person(c) for c in codes], keys=keys(runtime)
        )
        assert [code for code, _ in answered] == codes
        numbers = [number for _, number in answered]
        assert len(set(numbers)) == 50
        assert all(ids.is_valid_mynumber(n) for n in numbers)
        retry = service.register_persons(
            s, lg_code=CHIYODA, persons=[person(c) for c in codes[:5]], keys=keys(runtime)
        )
        assert retry == answered[:5]


def test_a_retry_with_a_fresh_code_gets_the_first_code_and_number_back(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        service.register_municipality(s, lg_code=SETAGAYA)
        (first,) = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=1)
        (answer,) = service.register_persons(
            s,
            lg_code=CHIYODA,
            persons=[person(first, request_key="131016:000000000000001")],
            keys=keys(runtime),
        )
        # The municipality lost its side of the first attempt and asks again with a code from a new pool.
        (second,) = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=1)
        (again,) = service.register_persons(
            s,
            lg_code=CHIYODA,
            persons=[person(second, request_key="131016:000000000000001")],
            keys=keys(runtime),
        )
        assert again == answer == (first, answer[1])
        assert s.get(JukinetPerson, second) is None
        (theirs,) = service.issue_juminhyo_codes(s, lg_code=SETAGAYA, count=1)
        with pytest.raises(Conflict):
            service.register_persons(
                s,
                lg_code=SETAGAYA,
                persons=[person(theirs, request_key="131016:000000000000001")],
                keys=keys(runtime),
            )


def test_the_number_is_a_keyed_conversion_of_the_code(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        (code,) = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=1)
        ((_, number),) = service.register_persons(
            s, lg_code=CHIYODA, persons=[person(code)], keys=keys(runtime)
        )
    assert number == derive_mynumber(keys(runtime).generation, code, 0)
    other = NumberingKeys.from_master(b"\x99" * 32)
    assert derive_mynumber(other.generation, code, 0) != number


def test_a_number_ever_issued_is_never_issued_again_even_when_retired(runtime: Runtime) -> None:
    k = keys(runtime)
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        (code,) = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=1)
        # The number this code would get first was issued before to someone else and later retired.
        taken = derive_mynumber(k.generation, code, 0)
        s.add(
            JukinetIssuedMynumber(
                mynumber_hash=mynumber_hash(k.hashing, taken),
                juminhyo_code="00000000000",
                counter=0,
                retired_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            )
        )
        s.flush()
        ((_, number),) = service.register_persons(s, lg_code=CHIYODA, persons=[person(code)], keys=k)
        assert number != taken
        assert number == derive_mynumber(k.generation, code, 1)
        issued = s.get(JukinetIssuedMynumber, mynumber_hash(k.hashing, number))
        assert issued is not None and issued.counter == 1


def test_it_keeps_no_my_number_in_plaintext(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        (code,) = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=1)
        ((_, number),) = service.register_persons(
            s, lg_code=CHIYODA, persons=[person(code)], keys=keys(runtime)
        )
        row = s.get(JukinetPerson, code)
        assert row is not None
        assert number.encode() not in row.mynumber_sealed
        assert keys(runtime).sealer().decrypt(row.mynumber_sealed, code.encode()).decode() == number


def test_it_refuses_codes_not_handed_to_the_municipality(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        service.register_municipality(s, lg_code=SETAGAYA)
        (theirs,) = service.issue_juminhyo_codes(s, lg_code=SETAGAYA, count=1)
        with pytest.raises(Invalid) as error:
            service.register_persons(s, lg_code=CHIYODA, persons=[person(theirs)], keys=keys(runtime))
        assert error.value.record == theirs
        with pytest.raises(Invalid):
            service.register_persons(
                s, lg_code=SETAGAYA, persons=[person(theirs), person(theirs)], keys=keys(runtime)
            )


def test_changes_are_kept_as_history_and_a_repeated_report_is_recorded_once(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        service.register_municipality(s, lg_code=SETAGAYA)
        (code,) = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=1)
        service.register_persons(s, lg_code=CHIYODA, persons=[person(code)], keys=keys(runtime))
        common = {"juminhyo_code": code, "name_kana": "スズキ　ハナコ", "former_surname": "山田"}
        moved_out = IdentityChange(
            kind="move_out",
            lg_code=CHIYODA,
            effective_on=dt.date(2024, 3, 1),
            name="鈴木　花子",
            address="東京都千代田区千代田1番1号",
            **common,  # type: ignore[arg-type]
        )
        moved_in = IdentityChange(
            kind="move_in",
            lg_code=SETAGAYA,
            effective_on=dt.date(2024, 3, 2),
            name="鈴木　花子",
            address="東京都世田谷区池尻1丁目1番1号",
            **common,  # type: ignore[arg-type]
        )
        service.report_changes(s, changes=[moved_out, moved_in])
        service.report_changes(s, changes=[moved_in])
        now = service.identity(s, juminhyo_code=code)
        assert (now.lg_code, now.status, now.name, now.former_surname) == (
            SETAGAYA,
            "active",
            "鈴木　花子",
            "山田",
        )
        assert [h.kind for h in now.history] == ["move_out", "move_in"]
        death = moved_in.model_copy(update={"kind": "death", "effective_on": dt.date(2025, 1, 1)})
        service.report_changes(s, changes=[death])
        assert service.identity(s, juminhyo_code=code).status == "deceased"
        with pytest.raises(Conflict):
            service.report_changes(s, changes=[death.model_copy(update={"kind": "address_change"})])


def test_a_change_from_a_municipality_the_person_does_not_live_in_is_refused(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        service.register_municipality(s, lg_code=SETAGAYA)
        (code,) = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=1)
        service.register_persons(s, lg_code=CHIYODA, persons=[person(code)], keys=keys(runtime))
        change = IdentityChange(
            juminhyo_code=code,
            kind="address_change",
            lg_code=SETAGAYA,
            effective_on=dt.date(2024, 1, 1),
            name="山田　花子",
            name_kana="ヤマダ　ハナコ",
            address="東京都世田谷区",
        )
        with pytest.raises(Conflict):
            service.report_changes(s, changes=[change])
        with pytest.raises(NotFound):
            service.report_changes(s, changes=[change.model_copy(update={"juminhyo_code": "12345678903"})])


def test_acquisition_numbers_are_single_use_and_reveal_nothing(runtime: Runtime) -> None:
    with runtime.session("jukinet") as s:
        service.register_municipality(s, lg_code=CHIYODA)
        service.register_municipality(s, lg_code=SETAGAYA)
        codes = service.issue_juminhyo_codes(s, lg_code=CHIYODA, count=3)
        numbers = service.register_persons(
            s, lg_code=CHIYODA, persons=[person(c) for c in codes], keys=keys(runtime)
        )
        acquisition = service.issue_acquisition_numbers(s, lg_code=CHIYODA, juminhyo_codes=codes)
        assert len(set(acquisition)) == 3
        assert not set(acquisition) & (set(codes) | set(numbers))
        assert service.resolve_acquisition_numbers(s, acquisition_numbers=acquisition[::-1]) == codes[::-1]
        with pytest.raises(Conflict):
            service.resolve_acquisition_numbers(s, acquisition_numbers=acquisition[:1])
        with pytest.raises(NotFound):
            service.resolve_acquisition_numbers(s, acquisition_numbers=["NOPE"])
        with pytest.raises(Invalid):
            service.issue_acquisition_numbers(s, lg_code=SETAGAYA, juminhyo_codes=codes[:1])


def test_bulk_rows_are_numbered_like_persons_and_a_bad_row_is_named(runtime: Runtime) -> None:
    from renkei.protocol.jukinet import JukinetClient
    from renkei.protocol.jukinet_bulk import PersonRow

    client = JukinetClient(runtime.transport)
    client.register_municipality(CHIYODA)
    codes = client.issue_juminhyo_codes(CHIYODA, 3)
    rows = [
        PersonRow(
            code, "山田　花子", "ヤマダ　ハナコ", None, dt.date(1990, 1, 2), "2", "東京都千代田区", f"k{i}"
        )
        for i, code in enumerate(codes)
    ]
    first = client.register_person_rows(CHIYODA, rows[:2])
    assert [c for c, _ in first] == codes[:2]
    assert all(ids.validate_mynumber(n) == n for _, n in first)
    # A retry with a fresh code but the same request key answers what was issued the first time.
    again = client.register_person_rows(CHIYODA, [rows[0]._replace(juminhyo_code=codes[2])])
    assert again == first[:1]
    with pytest.raises(Invalid) as bad:
        client.register_person_rows(CHIYODA, [rows[2]._replace(sex="3")])  # type: ignore[arg-type]
    assert bad.value.field == "rows"
    assert bad.value.record == "rows.0.5"
    with runtime.session("jukinet") as s:
        assert s.get(JukinetPerson, codes[0]) is not None
