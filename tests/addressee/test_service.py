"""団体内統合宛名: 統合宛名番号, sealed My Number found by blind index, links, 住登外者, 名寄せ, logged display."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from renkei.addressee import service
from renkei.addressee.models import AddresseeAccessLog, AddresseePerson
from renkei.core import crypto, ids
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.residents import service as residents
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA, SETAGAYA, connect, register, row


def test_each_resident_gets_a_15_digit_number_and_a_juki_link(runtime: Runtime) -> None:
    a, b = register(runtime, row(1), row(2))
    with runtime.municipal_session(CHIYODA) as s:
        number = service.integrated_number_of_resident(s, resident_id=a.resident_id)
        assert len(number) == 15 and number.isdigit()
        assert service.integrated_number_of_resident(s, resident_id=b.resident_id) != number
        person = service.find_by_atena(s, system="juki", atena="1")
        assert person.integrated_number == number
        assert [(x.system, x.atena_number) for x in person.links] == [("juki", f"{1:015d}")]
        assert service.register_residents(s, registered=[a], settings=runtime.settings) == 0
        with pytest.raises(NotFound):
            service.integrated_number_of_resident(s, resident_id=999)


def test_the_my_number_is_sealed_and_found_through_the_blind_index(runtime: Runtime) -> None:
    (a,) = register(runtime, row(1))
    with runtime.municipal_session(CHIYODA) as s:
        (found,) = service.find_by_mynumber(s, mynumber=a.mynumber, settings=runtime.settings)
        stored = s.get(AddresseePerson, found.integrated_number)
        assert stored is not None and stored.mynumber_sealed is not None
        assert a.mynumber.encode() not in stored.mynumber_sealed
        assert stored.mynumber_index == crypto.blind_index(
            runtime.settings.secret("blind_index_key"), a.mynumber
        )
        with pytest.raises(Invalid):
            service.find_by_mynumber(s, mynumber="123456789012", settings=runtime.settings)  # bad check digit


def test_business_systems_get_their_own_number_series(runtime: Runtime) -> None:
    a, b = register(runtime, row(1), row(2))
    with runtime.municipal_session(CHIYODA) as s:
        number = service.integrated_number_of_resident(s, resident_id=a.resident_id)
        tax = service.link_system(s, integrated_number=number, system="tax")
        kokuho = service.link_system(s, integrated_number=number, system="kokuho", atena_number="77")
        assert tax == "000002000000001"
        assert kokuho == f"{77:015d}"
        assert service.find_by_atena(s, system="kokuho", atena="77").integrated_number == number
        assert service.link_system(s, integrated_number=number, system="kokuho", atena_number="77") == kokuho
        other = service.integrated_number_of_resident(s, resident_id=b.resident_id)
        with pytest.raises(Conflict):
            service.link_system(s, integrated_number=other, system="kokuho", atena_number="77")
        with pytest.raises(Invalid):
            service.link_system(s, integrated_number=number, system="pachinko")
        with pytest.raises(NotFound):
            service.find_by_atena(s, system="tax", atena="5")


def test_non_residents_are_registered_by_a_business_system(runtime: Runtime) -> None:
    (a,) = register(runtime, row(1))
    with runtime.municipal_session(CHIYODA) as s:
        outsider = service.register_non_resident(
            s,
            system="tax",
            name="田中　一郎",
            name_kana="タナカ　イチロウ",
            birth_date=dt.date(1970, 1, 1),
            sex="1",
            address="大阪府大阪市北区梅田1丁目",
            settings=runtime.settings,
        )
        assert (outsider.kind, outsider.resident_id, outsider.has_mynumber) == ("non_resident", None, False)
        assert outsider.links[0].system == "tax"
        # The same My Number registered again as a 住登外者 is a certain 名寄せ case.
        twin = service.register_non_resident(
            s,
            system="kaigo",
            name="山田　太郎",
            name_kana="ヤマダ　タロウ",
            birth_date=dt.date(1980, 4, 1),
            sex="1",
            address="神奈川県横浜市",
            mynumber=a.mynumber,
            settings=runtime.settings,
        )
        assert len(service.find_by_mynumber(s, mynumber=a.mynumber, settings=runtime.settings)) == 2
        reasons = {g.reason: g.integrated_numbers for g in service.duplicate_candidates(s)}
        assert twin.integrated_number in reasons["同一個人番号"]
        assert twin.integrated_number in reasons["カナ氏名・生年月日・性別が一致"]
        assert [p.integrated_number for p in service.search(s, query="タナカイチロウ")] == [
            outsider.integrated_number
        ]
        with pytest.raises(Invalid):
            service.register_non_resident(
                s,
                system="juki",
                name="x",
                name_kana="エックス",
                birth_date=dt.date(1970, 1, 1),
                sex="1",
                address="x",
                settings=runtime.settings,
            )


def test_revealing_a_my_number_records_who_when_and_why(runtime: Runtime) -> None:
    (a,) = register(runtime, row(1))
    with runtime.municipal_session(CHIYODA) as s:
        number = service.integrated_number_of_resident(s, resident_id=a.resident_id)
        shown = service.reveal_mynumber(
            s,
            integrated_number=number,
            staff_id="7",
            staff_name="窓口　花子",
            reason="児童手当の申請確認",
            jimu_code="JM01074000000000",
            settings=runtime.settings,
        )
        assert shown == a.mynumber
        (log,) = service.access_log(s, integrated_number=number)
        assert (log.staff_id, log.staff_name, log.reason, log.action) == (
            "7",
            "窓口　花子",
            "児童手当の申請確認",
            "reveal_mynumber",
        )
        with pytest.raises(Invalid):
            service.reveal_mynumber(
                s,
                integrated_number=number,
                staff_id="7",
                staff_name="x",
                reason=" ",
                jimu_code="JM01074000000000",
                settings=runtime.settings,
            )
        assert s.scalar(sa.select(sa.func.count()).select_from(AddresseeAccessLog)) == 1


def test_a_sealed_number_copied_to_another_person_does_not_open(runtime: Runtime) -> None:
    a, b = register(runtime, row(1), row(2))
    with runtime.municipal_session(CHIYODA) as s:
        first = s.get(AddresseePerson, service.integrated_number_of_resident(s, resident_id=a.resident_id))
        second = s.get(AddresseePerson, service.integrated_number_of_resident(s, resident_id=b.resident_id))
        assert first is not None and second is not None
        second.mynumber_sealed = first.mynumber_sealed
        s.flush()
        with pytest.raises(Invalid):
            service.reveal_mynumber(
                s,
                integrated_number=second.integrated_number,
                staff_id="1",
                staff_name="x",
                reason="確認",
                jimu_code="JM01074000000000",
                settings=runtime.settings,
            )
        s.rollback()


def test_resident_events_are_applied_once_and_a_returning_resident_keeps_the_number(runtime: Runtime) -> None:
    (a,) = register(runtime, row(1))
    client = connect(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        original = service.integrated_number_of_resident(s, resident_id=a.resident_id)
        child = residents.record_birth(
            s,
            parent_id=a.resident_id,
            given_name="次郎",
            given_name_kana="ジロウ",
            birth_date=dt.date(2024, 1, 1),
            sex="1",
            jukinet=client,
            settings=runtime.settings,
        )
        certificate = residents.move_out(
            s,
            resident_id=a.resident_id,
            destination_lg_code=SETAGAYA,
            jukinet=client,
            settings=runtime.settings,
        )
        assert service.consume_resident_events(s, settings=runtime.settings) == 2
        assert service.consume_resident_events(s, settings=runtime.settings) == 0
        assert service.get(s, integrated_number=original).status == "moved_out"
        assert service.integrated_number_of_resident(s, resident_id=child.id) != original
    with runtime.municipal_session(SETAGAYA) as s:
        moved = residents.move_in(
            s,
            lg_code=SETAGAYA,
            certificate=certificate,
            postal_code="1540001",
            address="東京都世田谷区池尻1丁目",
            jukinet=client,
            settings=runtime.settings,
        )
        service.consume_resident_events(s, settings=runtime.settings)
        assert (
            service.get(
                s, integrated_number=service.integrated_number_of_resident(s, resident_id=moved.id)
            ).status
            == "active"
        )
        back = residents.move_out(
            s, resident_id=moved.id, destination_lg_code=CHIYODA, jukinet=client, settings=runtime.settings
        )
        service.consume_resident_events(s, settings=runtime.settings)
    with runtime.municipal_session(CHIYODA) as s:
        returned = residents.move_in(
            s,
            lg_code=CHIYODA,
            certificate=back,
            postal_code="1000001",
            address="東京都千代田区千代田1番1号",
            jukinet=client,
            settings=runtime.settings,
        )
        service.consume_resident_events(s, settings=runtime.settings)
        assert service.integrated_number_of_resident(s, resident_id=returned.id) == original
        person = service.get(s, integrated_number=original)
        assert person.status == "active"
        assert {x.atena_number for x in person.links} == {f"{1:015d}", f"{3:015d}"}
        assert ids.is_valid_mynumber(
            service.reveal_mynumber(
                s,
                integrated_number=original,
                staff_id="1",
                staff_name="x",
                reason="確認",
                jimu_code="JM01074000000000",
                settings=runtime.settings,
            )
        )
