"""住民記録: registration through 住基ネット, each 異動 with history and an outbox event, 取得番号."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from renkei.core import ids
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.jukinet.models import JukinetPerson
from renkei.residents import service
from renkei.residents.models import ResidentsResident
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA, SETAGAYA, connect, register, row


def test_registration_issues_a_my_number_through_jukinet_and_seals_it(runtime: Runtime) -> None:
    (done,) = register(runtime, row(1))
    assert ids.is_valid_mynumber(done.mynumber)
    assert done.mynumber not in repr(done)
    with runtime.municipal_session(CHIYODA) as s:
        stored = s.get(ResidentsResident, done.resident_id)
        assert stored is not None
        assert done.mynumber.encode() not in stored.mynumber_sealed
        assert (
            service.mynumber_of(s, resident_id=done.resident_id, settings=runtime.settings) == done.mynumber
        )
        # The ciphertext is bound to its row: moved onto another resident it no longer opens.
        register(runtime, row(2))
        other = s.scalar(sa.select(ResidentsResident).where(ResidentsResident.atena_number == f"{2:015d}"))
        assert other is not None
        other.mynumber_sealed = stored.mynumber_sealed
        s.flush()
        with pytest.raises(Invalid):
            service.mynumber_of(s, resident_id=other.id, settings=runtime.settings)
        s.rollback()


def test_registering_the_same_rows_again_changes_nothing(runtime: Runtime) -> None:
    first = register(runtime, row(1), row(2, household=1, relationship="妻", given_name="花子", sex="2"))
    again = register(runtime, row(1), row(2, household=1, relationship="妻"))
    assert len(first) == 2 and again == []
    with runtime.municipal_session(CHIYODA) as s:
        assert service.counts(s) == {"residents": 2, "households": 1, "registered": 2}
        members = service.household_members(s, household_number=f"{1:010d}")
        assert [m.relationship for m in members] == ["世帯主", "妻"]


def test_a_birth_joins_the_parents_household_and_is_announced(runtime: Runtime) -> None:
    (parent,) = register(runtime, row(1))
    with runtime.municipal_session(CHIYODA) as s:
        child = service.record_birth(
            s,
            parent_id=parent.resident_id,
            given_name="一郎",
            given_name_kana="イチロウ",
            birth_date=dt.date(2024, 5, 5),
            sex="1",
            jukinet=connect(runtime),
            settings=runtime.settings,
        )
        assert (child.surname, child.relationship, child.household_number) == ("山田", "子", f"{1:010d}")
        assert child.atena_number == f"{2:015d}"
        (event,) = service.pending_events(s, consumer="test", limit=10)
        assert (event.kind, event.resident_id, event.name) == ("birth", child.id, "山田　一郎")
        assert [c.reason_code for c in service.changes_of(s, resident_id=child.id)] == ["A11"]
        with pytest.raises(Invalid):
            service.record_birth(
                s,
                parent_id=parent.resident_id,
                given_name="x",
                given_name_kana="エックス",
                birth_date=dt.date(2024, 5, 5),
                sex="3",
                jukinet=connect(runtime),
                settings=runtime.settings,
            )
        with pytest.raises(NotFound):
            service.record_birth(
                s,
                parent_id=999,
                given_name="x",
                given_name_kana="エックス",
                birth_date=dt.date(2024, 5, 5),
                sex="1",
                jukinet=connect(runtime),
                settings=runtime.settings,
            )


def test_moving_carries_the_numbers_over_through_jukinet(runtime: Runtime) -> None:
    (person,) = register(runtime, row(1))
    client = connect(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        certificate = service.move_out(
            s,
            resident_id=person.resident_id,
            destination_lg_code=SETAGAYA,
            effective_on=dt.date(2024, 4, 1),
            jukinet=client,
            settings=runtime.settings,
        )
        assert person.mynumber not in repr(certificate)
        assert service.get_resident(s, resident_id=person.resident_id).status == "moved_out"
    with runtime.municipal_session(SETAGAYA) as s:
        moved = service.move_in(
            s,
            lg_code=SETAGAYA,
            certificate=certificate,
            postal_code="154-0001",
            address="東京都世田谷区池尻1丁目1番1号",
            effective_on=dt.date(2024, 4, 1),
            jukinet=client,
            settings=runtime.settings,
        )
        again = service.move_in(
            s,
            lg_code=SETAGAYA,
            certificate=certificate,
            postal_code="1540001",
            address="東京都世田谷区池尻1丁目1番1号",
            jukinet=client,
            settings=runtime.settings,
        )
        assert again.id == moved.id
        assert service.mynumber_of(s, resident_id=moved.id, settings=runtime.settings) == person.mynumber
        (event,) = service.pending_events(s, consumer="relay", limit=10)
        assert (event.kind, event.previous_lg_code, event.previous_resident_id) == (
            "move_in",
            CHIYODA,
            person.resident_id,
        )
    assert client.identity(certificate.juminhyo_code).lg_code == SETAGAYA


def test_a_move_needs_a_different_connected_municipality(runtime: Runtime) -> None:
    (person,) = register(runtime, row(1))
    client = connect(runtime, CHIYODA)
    with runtime.municipal_session(CHIYODA) as s:
        with pytest.raises(Invalid):
            service.move_out(
                s,
                resident_id=person.resident_id,
                destination_lg_code=CHIYODA,
                jukinet=client,
                settings=runtime.settings,
            )
        with pytest.raises(NotFound):
            service.move_out(
                s,
                resident_id=person.resident_id,
                destination_lg_code="011002",
                jukinet=client,
                settings=runtime.settings,
            )


def test_name_change_keeps_the_former_surname_and_death_removes(runtime: Runtime) -> None:
    (person,) = register(runtime, row(1, given_name="花子", sex="2"))
    client = connect(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        renamed = service.change_name(
            s,
            resident_id=person.resident_id,
            surname="鈴木",
            surname_kana="スズキ",
            jukinet=client,
            settings=runtime.settings,
        )
        assert (renamed.name, renamed.former_surname) == ("鈴木　花子", "山田")
        with pytest.raises(Invalid):
            service.change_name(
                s,
                resident_id=person.resident_id,
                surname="鈴木",
                surname_kana="スズキ",
                jukinet=client,
                settings=runtime.settings,
            )
        moved = service.change_address(
            s,
            resident_id=person.resident_id,
            postal_code="102-0082",
            address="東京都千代田区一番町1番地",
            jukinet=client,
            settings=runtime.settings,
        )
        assert (moved.postal_code, moved.address) == ("1020082", "東京都千代田区一番町1番地")
        dead = service.record_death(
            s,
            resident_id=person.resident_id,
            died_on=dt.date(2025, 1, 2),
            jukinet=client,
            settings=runtime.settings,
        )
        assert (dead.status, dead.removed_on) == ("deceased", dt.date(2025, 1, 2))
        with pytest.raises(Conflict):
            service.change_address(
                s,
                resident_id=person.resident_id,
                postal_code="1000001",
                address="x",
                jukinet=client,
                settings=runtime.settings,
            )
        kinds = [e.kind for e in service.pending_events(s, consumer="c", limit=10)]
        assert kinds == ["name_change", "address_change", "death"]
        history = service.changes_of(s, resident_id=person.resident_id)
        assert [(h.kind, h.reason_code) for h in history] == [
            ("name_change", "C11"),
            ("address_change", "C21"),
            ("death", "B11"),
        ]


def test_each_consumer_sees_events_until_it_acknowledges_them(runtime: Runtime) -> None:
    (person,) = register(runtime, row(1))
    client = connect(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        service.change_address(
            s,
            resident_id=person.resident_id,
            postal_code="1000001",
            address="東京都千代田区千代田2番地",
            jukinet=client,
            settings=runtime.settings,
        )
        service.record_death(
            s,
            resident_id=person.resident_id,
            died_on=dt.date(2025, 1, 2),
            jukinet=client,
            settings=runtime.settings,
        )
        first = service.pending_events(s, consumer="a", limit=1)
        service.acknowledge(s, consumer="a", event_ids=[first[0].event_id])
        service.acknowledge(s, consumer="a", event_ids=[first[0].event_id])
        assert [e.kind for e in service.pending_events(s, consumer="a", limit=10)] == ["death"]
        assert len(service.pending_events(s, consumer="b", limit=10)) == 2
        with pytest.raises(Invalid):
            service.acknowledge(s, consumer="a", event_ids=["no-such-event"])
        with pytest.raises(Invalid):
            service.pending_events(s, consumer=" ", limit=10)


def test_acquisition_numbers_stand_for_residents_without_showing_their_codes(runtime: Runtime) -> None:
    people = register(runtime, row(1), row(2))
    client = connect(runtime)
    with runtime.municipal_session(CHIYODA) as s:
        numbers = service.issue_acquisition_numbers(
            s, resident_ids=[p.resident_id for p in people], jukinet=client, settings=runtime.settings
        )
        assert set(numbers) == {p.resident_id for p in people}
        with pytest.raises(NotFound):
            service.issue_acquisition_numbers(
                s, resident_ids=[999], jukinet=client, settings=runtime.settings
            )
    codes = client.resolve_acquisition_numbers(list(numbers.values()))
    assert all(ids.validate_juminhyo_code(c) == c for c in codes)


def test_lists_and_lookups(runtime: Runtime) -> None:
    register(runtime, row(1), row(2, surname="佐藤", surname_kana="サトウ"))
    with runtime.municipal_session(CHIYODA) as s:
        assert [r.surname for r in service.list_residents(s, query="サトウ")] == ["佐藤"]
        assert service.find_by_atena_number(s, atena_number="1").surname == "山田"
        with pytest.raises(NotFound):
            service.find_by_atena_number(s, atena_number="3")
        with pytest.raises(NotFound):
            service.get_resident(s, resident_id=99)
        with pytest.raises(NotFound):
            service.household_members(s, household_number="9")


def test_a_registration_lost_on_this_side_is_retried_without_a_second_person_at_jukinet(
    runtime: Runtime,
) -> None:
    client = connect(runtime)
    with pytest.raises(RuntimeError), runtime.municipal_session(CHIYODA) as s:
        (lost,) = service.register_residents(
            s, lg_code=CHIYODA, rows=[row(1)], jukinet=client, settings=runtime.settings
        )
        raise RuntimeError("the municipal transaction fails after 住基ネット answered")
    (kept,) = register(runtime, row(1))
    assert kept.mynumber == lost.mynumber
    with runtime.session("jukinet") as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(JukinetPerson)) == 1
