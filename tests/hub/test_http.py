"""The same hub API over HTTP (service_app + HttpTransport): answers and errors cross the wire unchanged."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from renkei.core.errors import Invalid, NotFound
from renkei.hub import rpc
from renkei.protocol.answers import open_answer
from renkei.protocol.http import service_app, trust_in_process
from renkei.protocol.hub import HubClient
from renkei.protocol.transport import HttpTransport
from renkei.runtime import Runtime
from tests.hub.builders import LG_A, LG_B, acquire, mount_provider, poll_request, query, register, residents


def test_a_query_is_submitted_polled_and_opened_over_http(runtime: Runtime) -> None:
    app = service_app(
        "hub",
        [rpc.api(runtime.databases, runtime.settings, runtime.transport)],
        authenticate=trust_in_process,
    )
    transport = HttpTransport({"hub": "http://testserver"}, client=TestClient(app))
    hub = HubClient(transport)

    a, b = register(runtime, LG_A), register(runtime, LG_B)
    person = residents(runtime, LG_A, 1)
    sign_a, sign_b = acquire(runtime, a, LG_A, person)[0], acquire(runtime, b, LG_A, person)[0]
    provider = mount_provider(runtime, a)
    provider.copies[sign_a] = {"TK00000200000310": 3500}

    assert hub.info().agency_code == "0030099000001700"
    accepted = hub.submit_query(query(b, a, sign_b))
    result = hub.poll(poll_request(b, accepted.processing_number))
    assert result.status == "answered" and result.answer is not None
    payload = open_answer(
        result.answer,
        requester_agency_code=b.agency_code,
        sealing_key=b.keys.sealing,
        provider_signing_public_key=hub.agency(a.agency_code).signing_public_key,
    )
    assert payload is not None and payload.copies[0].items == {"TK00000200000310": 3500}

    with pytest.raises(Invalid) as caught:
        hub.submit_query(query(b, a, sign_b).model_copy(update={"request_id": "changed"}))
    assert caught.value.field == "signature"
    with pytest.raises(NotFound):
        hub.agency("0220199999901700")
    with pytest.raises(Invalid) as caught:
        transport.call("hub", "submit_query", {"request_id": "x"})
    assert "電文の形式が不正です" in caught.value.message
    with pytest.raises(NotFound):
        transport.call("hub", "no_such_operation", {})
