"""やりとり履歴 at the hub: the portal sees one person's exchanges with proofs; no other agency may ask."""

from __future__ import annotations

import pytest

from renkei.core import clock
from renkei.core.errors import Forbidden
from renkei.protocol.hub import HubClient
from renkei.protocol.keys import NodeKeys
from renkei.protocol.ledger import InclusionProof, verify_inclusion_proof
from renkei.protocol.messages import AgencyRegistration, PersonRecordsRequest
from renkei.runtime import Runtime
from tests.hub.builders import (
    JUMINHYO,
    LG_A,
    LG_B,
    Node,
    acquire,
    mount_provider,
    poll_request,
    query,
    register,
    residents,
)

PORTAL_CODE = "0030099000011700"


def register_portal(runtime: Runtime) -> Node:
    node = Node(PORTAL_CODE, "情報提供等記録開示システム", "portal", NodeKeys.generate())
    HubClient(runtime.transport).register_agency(
        AgencyRegistration(
            agency_code=PORTAL_CODE,
            name=node.name,
            kind="情報提供等記録開示システム",
            endpoint="portal",
            signing_public_key=node.keys.signing_public_pem,
            sealing_public_key=node.keys.sealing_public_pem,
        )
    )
    return node


def test_the_portal_sees_a_persons_exchanges_with_proofs_and_others_may_not_ask(runtime: Runtime) -> None:
    a, b, portal = register(runtime, LG_A), register(runtime, LG_B), register_portal(runtime)
    people = residents(runtime, LG_A, 2)
    signs_a = acquire(runtime, a, LG_A, people)
    signs_b = acquire(runtime, b, LG_A, people)
    signs_portal = acquire(runtime, portal, LG_A, people)
    provider = mount_provider(runtime, a)
    provider.copies[signs_a[0]] = {"TK00000200000310": 5000}
    hub = HubClient(runtime.transport)
    answered = hub.submit_query(query(b, a, signs_b[0]))
    hub.poll(poll_request(b, answered.processing_number))
    refused = hub.submit_query(query(b, a, signs_b[0], tm=JUMINHYO))
    hub.submit_query(query(b, a, signs_b[1], tm=JUMINHYO))  # the other person

    request = PersonRecordsRequest(agency_code=PORTAL_CODE, sign=signs_portal[0], requested_at=clock.now())
    records = hub.person_records(request.signed(portal.keys.signing)).records

    assert [r["processing_number"] for r in records] == [
        answered.processing_number,
        refused.processing_number,
    ]
    assert [r["result"] for r in records] == ["provided", "refused"]
    assert all("person_ref" not in r for r in records)
    hub_key = hub.info().signing_public_key
    for record in records:
        verify_inclusion_proof(InclusionProof.from_dict(record["proof"]), public_key=hub_key)

    as_b = PersonRecordsRequest(agency_code=b.agency_code, sign=signs_b[0], requested_at=clock.now())
    with pytest.raises(Forbidden):
        hub.person_records(as_b.signed(b.keys.signing))
