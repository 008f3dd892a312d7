"""被災者支援: a disaster over an area builds its 台帳 from the register; assessments, shelters, 援護, 罹災証明書."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from renkei.core.errors import Conflict, Invalid
from renkei.disaster import exports, service
from renkei.disaster.schemas import Declaration, damage_level
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA, register, row

AREA = "東京都千代田区千代田"


def struck(runtime: Runtime) -> tuple[int, list[str]]:
    """Three residents in the area (a household of two, one alone), one outside; a declared disaster."""
    done = register(
        runtime,
        row(1, household=1, birth_date=dt.date(1950, 1, 1), address=f"{AREA}1番1号"),
        row(
            2,
            household=1,
            relationship="子",
            given_name="桜",
            sex="2",
            birth_date=dt.date(2022, 5, 5),
            address=f"{AREA}1番1号",
        ),
        row(3, household=3, surname="鈴木", birth_date=dt.date(1990, 1, 1), address=f"{AREA}2番2号"),
        row(4, household=4, surname="遠方", address="東京都千代田区丸の内1丁目1番1号"),
    )
    with runtime.municipal_session(CHIYODA) as s:
        found = service.declare(
            s,
            lg_code=CHIYODA,
            declaration=Declaration(
                name="令和7年千代田地震", kind="地震", occurred_on=dt.date(2025, 9, 1), areas=[AREA]
            ),
            by="防災 太郎",
        )
        assert service.build_ledger(s, disaster_id=found.id) == (3, 2)
        assert service.build_ledger(s, disaster_id=found.id) == (0, 0)  # a retry adds nothing
    return found.id, [d.mynumber for d in done]


def test_the_ledger_holds_the_people_of_the_area_with_care_flags_from_their_age(runtime: Runtime) -> None:
    disaster_id, _ = struck(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        people = service.victims(s, disaster_id=disaster_id)
        assert [(p.name, p.care_reasons) for p in people] == [
            ("山田　太郎", ["高齢者"]),
            ("山田　桜", ["乳幼児"]),
            ("鈴木　太郎", []),
        ]
        assert len({p.house_id for p in people}) == 2
        cared = service.victims(s, disaster_id=disaster_id, cared_only=True)
        assert len(cared) == 2
        updated = service.update_victim(
            s, victim_id=people[2].id, care_reasons=["障害者"], phone="03-1234-5678"
        )
        assert updated.care_reasons == ["障害者"]
        with pytest.raises(Invalid) as caught:
            service.update_victim(s, victim_id=people[2].id, care_reasons=["不明"])
        assert caught.value.field == "要配慮者に該当する事由"


def test_the_damage_ratio_decides_the_level() -> None:
    assert [damage_level(r) for r in (100, 50, 49, 40, 35, 25, 15, 5, 0)] == [
        "全壊", "全壊", "大規模半壊", "大規模半壊", "中規模半壊", "半壊", "準半壊", "準半壊に至らない（一部損壊）", "被害なし",
    ]  # fmt: skip


def test_shelters_count_arrivals_and_departures_and_refuse_overflow(runtime: Runtime) -> None:
    disaster_id, _ = struck(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        people = service.victims(s, disaster_id=disaster_id)
        school = service.open_shelter(
            s, disaster_id=disaster_id, name="千代田小学校", address=AREA, capacity=2
        )
        hall = service.open_shelter(s, disaster_id=disaster_id, name="区民会館", address=AREA, capacity=10)
        service.arrive(s, shelter_id=school.id, victim_id=people[0].id)
        service.arrive(s, shelter_id=school.id, victim_id=people[0].id)  # again: the same stay
        service.arrive(s, shelter_id=school.id, victim_id=people[1].id)
        with pytest.raises(Conflict, match="満員"):
            service.arrive(s, shelter_id=school.id, victim_id=people[2].id)
        with pytest.raises(Conflict, match="別の避難所に入所中"):
            service.arrive(s, shelter_id=hall.id, victim_id=people[0].id)
        service.depart(s, victim_id=people[0].id)
        service.arrive(s, shelter_id=hall.id, victim_id=people[0].id)
        with pytest.raises(Conflict, match="入所していない"):
            service.depart(s, victim_id=people[2].id)
        assert [(x.name, x.present) for x in service.shelters(s, disaster_id=disaster_id)] == [
            ("千代田小学校", 1),
            ("区民会館", 1),
        ]


def test_a_certificate_needs_a_survey_and_certifies_the_level_as_a_pdf(runtime: Runtime) -> None:
    disaster_id, _ = struck(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        person = service.victims(s, disaster_id=disaster_id)[0]
        with pytest.raises(Conflict, match="被害認定調査が済んでいない"):
            service.issue_certificate(s, victim_id=person.id, by="税務 花子", municipality="東京都千代田区")
        service.assess(
            s,
            house_id=person.house_id,
            structure="木造",
            damage_ratio=45,
            surveyed_on=dt.date(2025, 9, 3),
            surveyor="税務 花子",
        )
        with pytest.raises(Invalid) as caught:
            service.assess(
                s,
                house_id=person.house_id,
                structure="鉄骨",
                damage_ratio=10,
                surveyed_on=dt.date(2025, 9, 3),
                surveyor="x",
            )
        assert caught.value.field == "構造"
        issued, document = service.issue_certificate(
            s, victim_id=person.id, by="税務 花子", municipality="東京都千代田区"
        )
    assert issued.damage_level == "大規模半壊" and issued.number == f"D{disaster_id:03d}-000001"
    text = PdfReader(io.BytesIO(document)).pages[0].extract_text()
    assert "罹" in text and "大規模半壊" in text and "令和7年9月1日" in text


def test_exports_carry_the_real_field_names_and_never_the_my_number(runtime: Runtime) -> None:
    disaster_id, mynumbers = struck(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        people = service.victims(s, disaster_id=disaster_id)
        shelter = service.open_shelter(
            s, disaster_id=disaster_id, name="千代田小学校", address=AREA, capacity=5
        )
        service.arrive(s, shelter_id=shelter.id, victim_id=people[1].id)
        for _ in range(2):  # a resend with the same key is recorded once
            service.give_support(
                s,
                victim_id=people[1].id,
                kind="relief",
                item="毛布",
                quantity=2,
                given_on=dt.date(2025, 9, 2),
                by="福祉",
                request_key="k1",
            )
        name, data = exports.export(s, disaster_id=disaster_id, ledger="victims", fmt="csv")
        _, houses = exports.export(s, disaster_id=disaster_id, ledger="houses", fmt="csv")
        _, book = exports.export(s, disaster_id=disaster_id, ledger="victims", fmt="xlsx")
        with pytest.raises(Invalid):
            exports.export(s, disaster_id=disaster_id, ledger="victims", fmt="pdf")
    text = data.decode("utf-8-sig")
    assert name == f"被災者台帳-{disaster_id}.csv"
    assert text.splitlines()[0].startswith(
        "台帳番号,世帯番号,氏名,ふりがな,生年月日,年齢,性別,続柄,住所,居所,電話番号,被害の状況,要配慮者"
    )
    assert "千代田小学校" in text and "救援物資:毛布×2(2025-09-02)" in text and text.count("毛布") == 1
    assert (
        houses.decode("utf-8-sig").splitlines()[0]
        == "住家番号,所在地,構造,損害割合,被害の程度,調査日,調査員,居住世帯数,居住者数,備考"
    )
    sheet = load_workbook(io.BytesIO(book)).active
    assert sheet is not None and sheet["A1"].value == "台帳番号" and sheet.max_row == 4
    for number in mynumbers:
        assert number not in text and number.encode() not in book


def test_a_declaration_with_a_bad_field_names_it(runtime: Runtime) -> None:
    with runtime.municipal_session(CHIYODA) as s:
        for bad, field in (
            ({"kind": "隕石"}, "種別"),
            ({"areas": [" "]}, "地域"),
            ({"name": " "}, "名称"),
            ({"occurred_on": dt.date(2999, 1, 1)}, "発生日"),
        ):
            values: dict[str, object] = {
                "name": "台風",
                "kind": "風水害",
                "occurred_on": dt.date(2025, 1, 1),
                "areas": [AREA],
            }
            values.update(bad)
            with pytest.raises(Invalid) as caught:
                service.declare(s, lg_code=CHIYODA, declaration=Declaration(**values), by="x")  # type: ignore[arg-type]
            assert caught.value.field == field
