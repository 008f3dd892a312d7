"""自己情報: the municipality's copies about the person, fetched through the hub, sealed to the portal, and recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.addressee import service as addressee
from renkei.intermediate import service as intermediate
from renkei.intermediate.schemas import CopyInput
from renkei.protocol.portal import PORTAL_AGENCY_CODE
from renkei.runtime import Runtime
from tests.portal.builders import LG_B, PIN, Holder, portal_of, world

TAX = "TM00000000000002"
INCOME = "TK00000200000190"


@pytest.fixture
def holders(runtime: Runtime) -> list[Holder]:
    return world(runtime)


def tax_copy(runtime: Runtime, holder: Holder, income: str) -> None:
    with runtime.municipal_session(LG_B) as session:
        number = addressee.integrated_number_of_resident(session, resident_id=holder.resident_id)
        intermediate.register_copies(
            session,
            lg_code=LG_B,
            entries=[
                CopyInput(
                    source="test 課税",
                    record_id=f"T2025{holder.resident_id:010d}",
                    integrated_number=number,
                    tm_code=TAX,
                    dataset_no="0101",
                    dataset_record_key="2025",
                    version="0002",
                    published_from=dt.date(2025, 6, 1),
                    items={
                        "TK00000200000010": "2025",
                        "TK00000200000020": "3",
                        INCOME: income,
                        "TK00000200000310": "3500",
                        "TK00000200000320": "100000",
                    },
                )
            ],
        )


def test_the_person_sees_their_own_copies_by_layout_version_and_the_fetch_is_in_their_history(
    runtime: Runtime, holders: list[Holder]
) -> None:
    tax_copy(runtime, holders[0], "4200000")
    tax_copy(runtime, holders[1], "9900000")  # someone else's
    portal = portal_of(runtime)
    challenge = portal.begin_login()
    user_id = portal.login_with_card(
        challenge_id=challenge.challenge_id, card_number=holders[0].card_number, pin=PIN
    ).user_id

    results = {r.tm_code: r for r in portal.self_information(user_id)}

    tax = results[TAX]
    assert tax.status == "provided" and len(tax.copies) == 1
    assert tax.copies[0].version == "0002"
    items = {i.tk: i for i in tax.copies[0].items}
    assert items[INCOME].value == "4200000" and items[INCOME].name != INCOME  # labelled from the layout
    assert all(r.status in ("not_found", "provided") for r in results.values())
    history = portal.history(user_id)
    fetched = [e for e in history.exchanges if e.requester_code == PORTAL_AGENCY_CODE]
    assert {e.processing_number for e in fetched} == {r.processing_number for r in results.values()}
    assert all(e.verified for e in fetched)
