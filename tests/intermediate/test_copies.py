"""副本登録: stored by 統合宛名番号, idempotent on レコード識別番号, refused for unknown people, batch or skip."""

from __future__ import annotations

import pytest

from renkei.core.errors import BatchRejected, Conflict, Invalid, NotFound
from renkei.intermediate import service
from renkei.intermediate.schemas import SEGMENT_DELETE
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, FAMILY, TAX, populate, rows, tax_copy


def family(runtime: Runtime) -> list[str]:
    return list(populate(runtime, CHIYODA, rows(CHIYODA, FAMILY, household="0000000001", start=1)).values())


def test_a_copy_is_stored_by_integrated_number_and_a_retry_changes_nothing(runtime: Runtime) -> None:
    taro, hanako, _child = family(runtime)
    batch = [tax_copy(taro, "R1"), tax_copy(hanako, "R2")]
    with runtime.municipal_session(CHIYODA) as session:
        first = service.register_copies(session, lg_code=CHIYODA, entries=batch)
    with runtime.municipal_session(CHIYODA) as session:
        again = service.register_copies(session, lg_code=CHIYODA, entries=batch)
        copies = service.current_copies(session, lg_code=CHIYODA, integrated_number=taro, tm_code=TAX)
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    assert [c.record_id for c in copies] == ["R1"]
    assert copies[0].data is not None and copies[0].data["items"]["TK00000200000190"] == 3512345


def test_different_content_under_an_existing_record_id_is_refused_with_the_real_message(
    runtime: Runtime,
) -> None:
    taro, *_ = family(runtime)
    with runtime.municipal_session(CHIYODA) as session:
        service.register_copy(session, lg_code=CHIYODA, entry=tax_copy(taro, "R1"))
    with runtime.municipal_session(CHIYODA) as session, pytest.raises(Invalid) as caught:
        service.register_copy(session, lg_code=CHIYODA, entry=tax_copy(taro, "R1", TK00000200000020="1"))
    assert caught.value.message == "「レコード識別番号」が既に存在しています。"
    assert caught.value.code == Conflict.code


def test_a_new_record_for_the_same_key_replaces_the_copy_and_a_deletion_removes_it(runtime: Runtime) -> None:
    taro, *_ = family(runtime)
    with runtime.municipal_session(CHIYODA) as session:
        service.register_copy(session, lg_code=CHIYODA, entry=tax_copy(taro, "R1"))
        replaced = service.register_copy(
            session, lg_code=CHIYODA, entry=tax_copy(taro, "R2", TK00000200000190="4000000")
        )
        [copy] = service.current_copies(session, lg_code=CHIYODA, integrated_number=taro)
        assert replaced.replaced == 1 and copy.record_id == "R2"
        deletion = tax_copy(taro, "R3")
        deletion.segment = SEGMENT_DELETE
        deletion.items = {}
        assert service.register_copy(session, lg_code=CHIYODA, entry=deletion).deleted == 1
        assert service.current_copies(session, lg_code=CHIYODA, integrated_number=taro) == []


def test_a_copy_for_someone_without_an_integrated_number_is_refused(runtime: Runtime) -> None:
    family(runtime)
    with runtime.municipal_session(CHIYODA) as session, pytest.raises(Invalid) as caught:
        service.register_copy(session, lg_code=CHIYODA, entry=tax_copy("999999999999999", "R9"))
    assert "統合宛名番号" in caught.value.message
    assert caught.value.code == NotFound.code
    assert caught.value.record == "test R9"


def test_abort_keeps_nothing_and_names_every_bad_entry_while_skip_keeps_the_good_ones(
    runtime: Runtime,
) -> None:
    taro, hanako, child = family(runtime)
    batch = [tax_copy(taro, "R1"), tax_copy("999999999999999", "R2"), tax_copy(hanako, "R3")]
    with pytest.raises(BatchRejected) as caught, runtime.municipal_session(CHIYODA) as session:
        service.register_copies(session, lg_code=CHIYODA, entries=batch, on_error="abort")
    assert [e.record for e in caught.value.errors] == ["test R2"]
    with runtime.municipal_session(CHIYODA) as session:
        assert service.current_copies(session, lg_code=CHIYODA, integrated_number=taro) == []
        summary = service.register_copies(session, lg_code=CHIYODA, entries=batch, on_error="skip")
    assert summary.created == 2 and len(summary.errors) == 1 and "R2" in summary.errors[0]
    with runtime.municipal_session(CHIYODA) as session:
        assert service.copy_statistics(session, lg_code=CHIYODA) == [(TAX, "0101", 2)]
        assert service.current_copies(session, lg_code=CHIYODA, integrated_number=child) == []


def test_copies_named_by_a_business_system_atena_number_are_resolved(runtime: Runtime) -> None:
    taro, *_ = family(runtime)
    entry = tax_copy(taro, "R1")
    entry.integrated_number = None
    entry.system, entry.atena = "juki", f"{1:015d}"
    with runtime.municipal_session(CHIYODA) as session:
        assert service.register_copy(session, lg_code=CHIYODA, entry=entry).created == 1
        assert [
            c.integrated_number
            for c in service.current_copies(session, lg_code=CHIYODA, integrated_number=taro)
        ] == [taro]


def test_copies_are_checked_against_the_layout_and_every_bad_item_is_named(runtime: Runtime) -> None:
    taro, *_ = family(runtime)
    bad = tax_copy(taro, "R1", TK00000200000310="三千五百", TK99999999999999="x")
    bad.items.pop("TK00000200000320")
    with pytest.raises(BatchRejected) as caught, runtime.municipal_session(CHIYODA) as session:
        service.register_copies(session, lg_code=CHIYODA, entries=[bad])
    fields = sorted(e.field or "" for e in caught.value.errors)
    assert fields == [
        "TK00000200000310（市町村民税均等割額）",
        "TK00000200000320（市町村民税所得割額）",
        "TK99999999999999",
    ]
    assert all(e.record == "test R1" for e in caught.value.errors)


def test_a_copy_under_an_expired_layout_version_is_refused(runtime: Runtime) -> None:
    taro, *_ = family(runtime)
    old = tax_copy(taro, "R1")
    old.version = "0001"
    with runtime.municipal_session(CHIYODA) as session, pytest.raises(Invalid) as caught:
        service.register_copy(session, lg_code=CHIYODA, entry=old)
    assert caught.value.field == "版番号" and "有効ではありません" in caught.value.message


def test_the_version_a_copy_was_registered_under_is_kept(runtime: Runtime) -> None:
    taro, *_ = family(runtime)
    with runtime.municipal_session(CHIYODA) as session:
        service.register_copy(session, lg_code=CHIYODA, entry=tax_copy(taro, "R1"))
        [copy] = service.current_copies(session, lg_code=CHIYODA, integrated_number=taro)
    assert copy.version == "0002"
