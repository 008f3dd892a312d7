"""The node's interface for business systems: a query and its result by 処理通番, and a bulk batch."""

from __future__ import annotations

import pytest

from renkei.core.errors import Invalid
from renkei.intermediate import service
from renkei.intermediate.rpc import api as dispatcher
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, FAMILY, INCOME, OTHERS, SETAGAYA, TAX, TAX_ITEMS, rows, tax_copy
from tests.linkage.scenario import A_AGENCY, JIDOTEATE, NINTEI, join_hub, move_family, populate
from tests.linkage.test_in_process import InProcess


def test_a_business_system_asks_through_the_node_and_reads_the_result(runtime: Runtime) -> None:
    net = InProcess(runtime)
    people = populate(net, CHIYODA, rows(CHIYODA, FAMILY + OTHERS, household="0000000001", start=1))
    populate(net, SETAGAYA, rows(SETAGAYA, OTHERS, household="0000000009", start=900))
    join_hub(net, CHIYODA)
    join_hub(net, SETAGAYA)
    atenas = list(people)[:3]
    with runtime.municipal_session(CHIYODA) as session:
        service.register_copies(
            session, lg_code=CHIYODA, entries=[tax_copy(people[a], f"R{i}") for i, a in enumerate(atenas)]
        )
    moved = move_family(net, atenas)
    node = dispatcher(SETAGAYA, runtime.databases, runtime.settings, runtime.transport)
    ask = {"jm_code": JIDOTEATE, "jt_code": NINTEI, "provider": A_AGENCY, "tm_code": TAX, "system": "juki"}
    submitted = node("query", {**ask, "atena": moved[0]})
    assert submitted["status"] == "pending"
    net.deliver()
    answered = node("result", {"processing_number": submitted["processing_number"]})
    assert (
        answered["status"] == "answered" and str(answered["copies"][0]["items"][INCOME]) == TAX_ITEMS[INCOME]
    )

    batch = node("query_bulk", {"requests": [{**ask, "atena": a} for a in moved]})
    assert batch["submitted"] == 3
    net.deliver()
    assert node("bulk_result", {"batch": batch["batch"]}) == {"pending": 0}
    with pytest.raises(Invalid):
        node("query", {"atena": moved[0]})
