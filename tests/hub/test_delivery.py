"""Delivery to nodes registered by URL, back-off, and answers that fail the hub's checks."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from renkei.core import clock
from renkei.hub import delivery, service
from renkei.hub.models import HubQuery
from renkei.protocol.hub import HubClient
from renkei.protocol.transport import Body, HttpTransport, InProcessTransport
from renkei.runtime import Runtime
from tests.hub.builders import LG_A, LG_B, acquire, mount_provider, poll_request, query, register, residents


def test_an_url_endpoint_is_reached_over_http_and_a_service_name_through_the_process() -> None:
    local = InProcessTransport()
    target, service = delivery.route("http://127.0.0.1:8101/node/v1/131016", local)
    assert isinstance(target, HttpTransport) and service == "lg131016"
    assert delivery.route("lg131016", local) == (local, "lg131016")


def test_back_off_grows_and_is_capped() -> None:
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert delivery.backoff(30) == dt.timedelta(minutes=5)


def test_a_node_whose_url_cannot_be_reached_keeps_the_query_pending(runtime: Runtime) -> None:
    a = register(runtime, LG_A, endpoint="http://127.0.0.1:9/node/v1/131016")
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
        from renkei.protocol.answers import Draft, make_answers
        from renkei.protocol.messages import ForwardedBatch

        batch = ForwardedBatch.model_validate(body)
        drafts = [
            Draft(q.processing_number, q.requester_agency_code, "", status="not_found") for q in batch.queries
        ]
        signed = make_answers(drafts, provider_agency_code=a.agency_code, signing_key=impostor.keys.signing)
        return {
            "results": [
                {"processing_number": x.processing_number, "answer": x.model_dump(mode="json")}
                for x in signed
            ]
        }

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


def test_a_claimed_query_is_not_delivered_twice_and_a_lapsed_lease_is_delivered_again(
    runtime: Runtime,
) -> None:
    """The serve loop claims, sends outside any transaction, then settles; the lease keeps others away."""
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    person = residents(runtime, LG_A, 1)
    sign_a, sign_b = acquire(runtime, a, LG_A, person)[0], acquire(runtime, b, LG_A, person)[0]
    provider = mount_provider(runtime, a)
    provider.copies[sign_a] = {"TK00000200000310": 5000}
    hub = HubClient(runtime.transport)
    settings = runtime.settings
    start = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        accepted = hub.submit_query(query(b, a, sign_b))
        with runtime.session("hub") as session:
            (claim,) = service.claim_due(session, settings=settings)
        # while leased, neither the loop nor a poll delivers it again
        assert hub.deliver_pending()["delivered"] == 0
        assert hub.poll(poll_request(b, accepted.processing_number)).status == "pending"
        with runtime.session("hub") as session:
            assert service.claim_due(session, settings=settings) == []
    # the hub stopped before settling: once the lease lapses the query is still pending and goes out again
    with clock.frozen(start + delivery.LEASE + dt.timedelta(seconds=1)):
        with runtime.session("hub") as session:
            (again,) = service.claim_due(session, settings=settings)
        sent = service.send_batch([again], transport=runtime.transport, settings=settings)
        with runtime.session("hub") as session:
            report, _pushes = service.settle_batch(session, [again], sent, settings=settings)
            assert report.answered == 1
        # a late settle of the first claim finds the query closed and changes nothing
        with runtime.session("hub") as session:
            report, pushes = service.settle_batch(session, [claim], sent, settings=settings)
            assert report.delivered == 0 and pushes == []
        assert hub.poll(poll_request(b, accepted.processing_number)).status == "answered"
    assert provider.calls == [accepted.processing_number]
    with runtime.session("hub") as session:
        assert len(service.list_records(session, processing_number=accepted.processing_number)) == 1
