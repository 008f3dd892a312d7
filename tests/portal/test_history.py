"""やりとり履歴: every exchange about the person, newest first, each proof checked; a tampered one shown as failed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.core.ids import municipality_agency_code
from renkei.hub.models import HubRecord
from renkei.portal import history
from renkei.runtime import Runtime
from tests.portal.builders import JUMINHYO, LG_A, LG_B, PIN, Holder, ask_about, portal_of, world


@pytest.fixture
def holders(runtime: Runtime) -> list[Holder]:
    return world(runtime)


def logged_in(runtime: Runtime, holder: Holder) -> int:
    portal = portal_of(runtime)
    challenge = portal.begin_login()
    person = portal.login_with_card(
        challenge_id=challenge.challenge_id, card_number=holder.card_number, pin=PIN
    )
    return person.user_id


def test_the_person_sees_every_exchange_about_them_verified_and_nobody_elses(
    runtime: Runtime, holders: list[Holder]
) -> None:
    answered = ask_about(runtime, holders[0])
    refused = ask_about(runtime, holders[0], tm=JUMINHYO)
    ask_about(runtime, holders[1])  # someone else
    user_id = logged_in(runtime, holders[0])

    shown = portal_of(runtime).history(user_id)

    assert [e.processing_number for e in shown.exchanges] == [refused.process_number, answered.process_number]
    assert all(e.verified for e in shown.exchanges)
    assert shown.exchanges[0].result == "refused" and shown.exchanges[0].tm_name == "住民票関係情報"
    assert shown.exchanges[1].requester_code == municipality_agency_code(LG_B)
    assert shown.exchanges[1].provider_code == municipality_agency_code(LG_A)
    assert shown.head is not None and shown.head["tree_size"] >= 2
    assert shown.failed == 0


def test_an_edited_record_is_shown_as_failed_never_hidden(runtime: Runtime, holders: list[Holder]) -> None:
    ask_about(runtime, holders[0])
    edited = ask_about(runtime, holders[0], tm=JUMINHYO)
    user_id = logged_in(runtime, holders[0])
    with runtime.session("hub") as session:
        record = session.scalar(
            sa.select(HubRecord).where(HubRecord.processing_number == edited.process_number)
        )
        assert record is not None
        record.body = {**record.body, "requester_name": "別の機関"}

    shown = portal_of(runtime).history(user_id)

    assert len(shown.exchanges) == 2 and shown.failed == 1
    failed = next(e for e in shown.exchanges if e.processing_number == edited.process_number)
    assert not failed.verified and failed.problem


def test_filters_by_agency_and_period_and_pages(runtime: Runtime, holders: list[Holder]) -> None:
    for _ in range(3):
        ask_about(runtime, holders[0])
    user_id = logged_in(runtime, holders[0])
    portal = portal_of(runtime)
    today = clock.today()

    assert portal.history(user_id, agency=municipality_agency_code(LG_A)).total == 3
    assert portal.history(user_id, date_from=today + dt.timedelta(days=1)).total == 0
    assert portal.history(user_id, date_to=today - dt.timedelta(days=1)).total == 0
    paged = history.select(portal.exchanges(user_id), page=2, page_size=2)
    assert (paged.total, paged.pages, len(paged.exchanges)) == (3, 2, 1)
    with pytest.raises(Invalid) as error:
        portal.history(user_id, agency="0000000000000000")
    assert error.value.field == "agency"
    with pytest.raises(Invalid) as error:
        portal.history(user_id, date_from=today, date_to=today - dt.timedelta(days=3))
    assert error.value.field == "date_from"


def test_csv_and_pdf_downloads_carry_every_row(runtime: Runtime, holders: list[Holder]) -> None:
    done = ask_about(runtime, holders[0])
    exchanges = portal_of(runtime).exchanges(logged_in(runtime, holders[0]))

    text = history.to_csv(exchanges).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("処理通番,照会日時")
    assert str(done.process_number) in text and "検証済み" in text
    assert history.to_pdf(exchanges).startswith(b"%PDF")


def test_batch_proofs_equal_single_proofs_for_every_size() -> None:
    """The hub's one-pass proofs for a person's entries are the RFC 9162 paths, for every tree shape."""
    import hashlib

    from renkei.protocol import merkle
    from renkei.protocol.ledger.log import _path_from_levels

    for size in (1, 2, 3, 5, 8, 13, 64, 100, 257):
        leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(size)]
        levels = [leaves]
        while len(levels[-1]) > 1:
            below = levels[-1]
            levels.append([merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
        for index in range(size):
            path = _path_from_levels(levels, index, size)
            assert path == merkle.inclusion_path(leaves, index)
            assert merkle.verify_inclusion(leaves[index], index, size, path, merkle.root(leaves))


def test_a_withheld_record_is_counted_now_and_shown_when_its_withholding_ends(
    runtime: Runtime, holders: list[Holder]
) -> None:
    today = clock.today()
    seen = ask_about(runtime, holders[0])
    kept = ask_about(runtime, holders[0], tm=JUMINHYO, withheld_until=today + dt.timedelta(days=30))
    user_id = logged_in(runtime, holders[0])
    portal = portal_of(runtime)

    now = portal.history(user_id)
    assert [e.processing_number for e in now.exchanges] == [seen.process_number]
    assert now.withheld == 1 and now.total == 1
    with runtime.session("hub") as session:  # committed to the log now, with its end date
        record = session.scalar(
            sa.select(HubRecord).where(HubRecord.processing_number == kept.process_number)
        )
        assert (
            record is not None
            and record.body["non_disclosure_until"] == (today + dt.timedelta(days=30)).isoformat()
        )

    later = clock.now() + dt.timedelta(days=31)
    with clock.frozen(later):
        after = portal.history(user_id)
    assert after.withheld == 0
    released = next(e for e in after.exchanges if e.processing_number == kept.process_number)
    assert released.verified and released.withheld_until == (today + dt.timedelta(days=30)).isoformat()


def test_a_withholding_end_outside_the_retention_is_refused_naming_the_field(
    runtime: Runtime, holders: list[Holder]
) -> None:
    with pytest.raises(Invalid) as refused:
        ask_about(runtime, holders[0], withheld_until=clock.today() + dt.timedelta(days=8 * 366))
    assert refused.value.field == "non_disclosure_until"
