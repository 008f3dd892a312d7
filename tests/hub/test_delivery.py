"""Delivery to nodes registered by URL, back-off, and answers that fail the hub's checks."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from renkei.core import clock
from renkei.hub import delivery
from renkei.hub.models import HubQuery
from renkei.protocol.hub import HubClient
from renkei.protocol.transport import Body, HttpTransport, InProcessTransport
from renkei.runtime import Runtime
from tests.hub.builders import LG_A, LG_B, acquire, poll_request, query, register, residents


def test_an_url_endpoint_is_reached_over_http_and_a_service_name_through_the_process() -> None:
    local = InProcessTransport()
    target, service = delivery.route("http://127.0.0.1:8101/rpc/lg131016", local)
    assert isinstance(target, HttpTransport) and service == "lg131016"
    assert delivery.route("lg131016", local) == (local, "lg131016")


def test_back_off_grows_and_is_capped() -> None:
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert delivery.backoff(30) == dt.timedelta(minutes=5)


def test_a_node_whose_url_cannot_be_reached_keeps_the_query_pending(runtime: Runtime) -> None:
    a = register(runtime, LG_A, endpoint="http://127.0.0.1:9/rpc/lg131016")
    b = register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    hub = HubClient(runtime.transport)
    accepted = hub.submit_query(query(b, a, sign_b))
    assert hub.poll(poll_request(b, accepted.processing_number)).status == "pending"
    with runtime.session("hub") as session:
        stored = session.scalars(sa.select(HubQuery)).one()
        assert stored.attempts == 1 and "lg131016" in (stored.last_error or "")


def test_an_answer_signed_by_someone_else_is_not_accepted(runtime: Runtime) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]
    impostor = register(runtime, "011002")

    def forged(operation: str, body: Body) -> Body:
        from renkei.protocol.answers import make_answer
        from renkei.protocol.messages import ForwardedQuery

        forwarded = ForwardedQuery.model_validate(body)
        return make_answer(
            forwarded, status="not_found", payload=None, signing_key=impostor.keys.signing
        ).model_dump(mode="json")

    runtime.in_process.mount(a.endpoint, forged)
    hub = HubClient(runtime.transport)
    with clock.frozen(dt.datetime(2026, 6, 1, tzinfo=dt.UTC)):
        accepted = hub.submit_query(query(b, a, sign_b))
        assert hub.deliver_pending()["retrying"] == 1
        assert hub.poll(poll_request(b, accepted.processing_number)).status == "pending"
    with runtime.session("hub") as session:
        assert "署名の検証に失敗" in (session.scalars(sa.select(HubQuery)).one().last_error or "")


def test_a_provider_that_rejects_the_query_makes_it_a_recorded_refusal(runtime: Runtime) -> None:
    from renkei.core.errors import Forbidden
    from renkei.hub import service

    a, b = register(runtime, LG_A), register(runtime, LG_B)
    sign_b = acquire(runtime, b, LG_A, residents(runtime, LG_A, 1))[0]

    def rejecting(operation: str, body: Body) -> Body:
        raise Forbidden("この照会には応じられません")

    runtime.in_process.mount(a.endpoint, rejecting)
    hub = HubClient(runtime.transport)
    accepted = hub.submit_query(query(b, a, sign_b))
    result = hub.poll(poll_request(b, accepted.processing_number))
    assert result.status == "refused" and "この照会には応じられません" in (result.refusal_reason or "")
    with runtime.session("hub") as session:
        assert (
            service.list_records(session, processing_number=accepted.processing_number)[0]["result"]
            == "refused"
        )
