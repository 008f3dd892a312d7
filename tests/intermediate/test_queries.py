"""情報照会 at the requester: the real 符号未取得 message, unknown 処理通番, self information."""

from __future__ import annotations

import pytest

from renkei.core.errors import NotFound
from renkei.intermediate import service
from renkei.intermediate.schemas import QueryRequest
from renkei.protocol.hub import HubClient
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, FAMILY, SETAGAYA, TAX, populate, rows, tax_copy
from tests.linkage.scenario import A_AGENCY, JIDOTEATE, NINTEI


def test_a_person_without_a_sign_gets_the_real_intermediate_server_message(runtime: Runtime) -> None:
    people = populate(runtime, SETAGAYA, rows(SETAGAYA, FAMILY, household="0000000002", start=1))
    hub = HubClient(runtime.transport)
    request = QueryRequest(
        jm_code=JIDOTEATE, jt_code=NINTEI, provider=A_AGENCY, tm_code=TAX, atena=f"{1:015d}", system="juki"
    )
    with runtime.municipal_session(SETAGAYA) as session:
        service.register_with_hub(session, lg_code=SETAGAYA, settings=runtime.settings, hub=hub)
    with pytest.raises(NotFound) as caught:
        service.submit_query(
            runtime.municipal_sessions(SETAGAYA),
            lg_code=SETAGAYA,
            settings=runtime.settings,
            hub=hub,
            request=request,
        )
    number = people[f"{1:015d}"]
    assert caught.value.message == f"指定された団体内統合宛名番号「{number}」は符号が未取得です。"


def test_an_unknown_processing_number_is_named(runtime: Runtime) -> None:
    hub = HubClient(runtime.transport)
    with runtime.municipal_session(SETAGAYA) as session:
        service.register_with_hub(session, lg_code=SETAGAYA, settings=runtime.settings, hub=hub)
    with pytest.raises(NotFound) as caught:
        service.poll_query(
            runtime.municipal_sessions(SETAGAYA),
            lg_code=SETAGAYA,
            settings=runtime.settings,
            hub=hub,
            process_number="99999999999999999999",
        )
    assert caught.value.field == "処理通番" and "99999999999999999999" in caught.value.message


def test_self_information_lists_the_copies_held_on_a_person(runtime: Runtime) -> None:
    people = list(populate(runtime, CHIYODA, rows(CHIYODA, FAMILY, household="0000000001", start=1)).values())
    with runtime.municipal_session(CHIYODA) as session:
        service.register_copy(session, lg_code=CHIYODA, entry=tax_copy(people[0], "R1"))
        mine = service.self_information(session, lg_code=CHIYODA, integrated_number=people[0])
        theirs = service.self_information(session, lg_code=CHIYODA, integrated_number=people[1])
    assert [(c["tm_code"], c["record_key"]) for c in mine["copies"]] == [(TAX, "2025")]
    assert theirs["copies"] == [] and mine["records"] == []
