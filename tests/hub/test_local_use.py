"""The hub's side of 独自利用事務: a signed 届出, the commission's decision, entries for that requester only, the
basis beside each exchange in the person's records (やりとり履歴), and refusals with their reason."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid
from renkei.hub import local_use
from renkei.protocol.hub import HubClient
from renkei.protocol.local_use import LocalUseClient, LocalUseNotification, RequestedInformation
from renkei.protocol.messages import PersonRecordsRequest
from renkei.runtime import Runtime
from tests.hub.builders import (
    LG_A,
    LG_B,
    TAX,
    Node,
    acquire,
    mount_provider,
    poll_request,
    query,
    register,
    residents,
)
from tests.hub.test_person_records import PORTAL_CODE, register_portal

JIMU = f"JM09{LG_B}000001"


def notification(b: Node, *, notification_id: str = "n-1", **changes: object) -> LocalUseNotification:
    fields: dict[str, object] = {
        "notification_id": notification_id,
        "requester_agency_code": b.agency_code,
        "jimu_code": JIMU,
        "jimu_name": "子育て応援給付金の支給に関する事務",
        "similar_jimu_code": "JM01074000000000",
        "ordinance_number": "令和8年世田谷区条例第7号",
        "ordinance_title": "世田谷区子育て応援給付金条例",
        "article": "第4条",
        "start_on": dt.date(2026, 4, 1),
        "end_on": dt.date(2027, 3, 31),
        "information": [RequestedInformation(provider="市町村長", tm_code=TAX)],
        **changes,
    }
    signed: LocalUseNotification = LocalUseNotification.model_validate(fields).signed(b.keys.signing)
    return signed


def test_an_accepted_notification_is_used_by_its_requester_only_and_shown_with_its_basis(
    runtime: Runtime,
) -> None:
    a, b, c, portal = (
        register(runtime, LG_A),
        register(runtime, LG_B),
        register(runtime, "131130"),
        register_portal(runtime),
    )
    people = residents(runtime, LG_A, 1)
    signs_b, signs_c = acquire(runtime, b, LG_A, people), acquire(runtime, c, LG_A, people)
    signs_portal = acquire(runtime, portal, LG_A, people)
    provider = mount_provider(runtime, a)
    provider.copies[acquire(runtime, a, LG_A, people)[0]] = {"TK00000200000310": 5000}
    client, hub = LocalUseClient(runtime.transport), HubClient(runtime.transport)

    filed = client.file_notification(notification(b))
    assert filed.status == "filed" and client.file_notification(notification(b)) == filed  # resent: the same
    with pytest.raises(Conflict):
        client.file_notification(notification(b, article="第5条"))
    with runtime.session("hub") as session:
        accepted = local_use.accept(
            session, requester_code=b.agency_code, notification_id="n-1", operator="審査官"
        )
    assert accepted.status == "accepted" and accepted.entries == 1

    with clock.frozen(dt.datetime(2026, 12, 1, 3, 0)):
        ok = hub.submit_query(query(b, a, signs_b[0], jimu=JIMU, procedure=f"JT09{LG_B}000001"))
        assert ok.status == "pending"
        assert hub.poll(poll_request(b, ok.processing_number)).status == "answered"
        stranger = hub.submit_query(query(c, a, signs_c[0], jimu=JIMU, procedure=f"JT09{LG_B}000001"))
        assert stranger.status == "refused"  # B's entry is not C's
    with clock.frozen(dt.datetime(2027, 4, 1, 3, 0)):
        late = hub.submit_query(query(b, a, signs_b[0], jimu=JIMU, procedure=f"JT09{LG_B}000001"))
    assert late.status == "refused" and "期間外" in (late.refusal_reason or "")

    request = PersonRecordsRequest(agency_code=PORTAL_CODE, sign=signs_portal[0], requested_at=clock.now())
    records = hub.person_records(request.signed(portal.keys.signing)).records
    by_number = {r["processing_number"]: r for r in records}
    assert "令和8年世田谷区条例第7号 第4条" in by_number[ok.processing_number]["basis"]
    assert by_number[ok.processing_number]["result"] == "provided"
    assert by_number[late.processing_number]["result"] == "refused"


def test_the_commission_returns_what_the_rules_refuse_and_only_local_governments_may_file(
    runtime: Runtime,
) -> None:
    b = register(runtime, LG_B)
    minister = register(runtime, "131199", kind="厚生労働大臣")
    client = LocalUseClient(runtime.transport)
    wide = notification(b, information=[RequestedInformation(provider="日本年金機構", tm_code=TAX)])
    client.file_notification(wide)
    with runtime.session("hub") as session:
        returned = local_use.accept(
            session, requester_code=b.agency_code, notification_id="n-1", operator="審査官"
        )
        assert returned.status == "returned" and "範囲外" in returned.reasons[0]
        with pytest.raises(Invalid):
            local_use.accept(session, requester_code=b.agency_code, notification_id="n-1", operator=" ")
    no_similar = notification(b, notification_id="n-2", similar_jimu_code="")
    client.file_notification(no_similar)
    with runtime.session("hub") as session:
        state = local_use.accept(
            session, requester_code=b.agency_code, notification_id="n-2", operator="審査官"
        )
    assert state.reasons == ["準ずる法定事務が指定されていません"]
    with pytest.raises(Invalid):
        client.file_notification(notification(minister))
    with pytest.raises(Invalid):  # a tampered 届出 fails its signature
        client.file_notification(
            notification(b, notification_id="n-3").model_copy(update={"article": "第9条"})
        )
    body = notification(b, notification_id="n-4").model_dump(mode="json") | {"end_on": "2026-03-01"}
    with pytest.raises(Invalid) as backwards:  # a period ending before it starts: refused at the wire, named
        runtime.transport.call("hub", "file_local_use_notification", body)
    assert "終了日" in backwards.value.message


def test_an_accepted_notification_is_among_its_requesters_allowed_queries_within_its_period(
    runtime: Runtime,
) -> None:
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    LocalUseClient(runtime.transport).file_notification(notification(b))
    hub = HubClient(runtime.transport)

    def local(node: Node, day: dt.datetime) -> list[tuple[str, str, object]]:
        with clock.frozen(day):
            rows = hub.allowed_queries(node.agency_code).rows
        return [(r.jimu_code, r.tm_code, r.valid_to) for r in rows if r.basis == "local_use"]

    assert local(b, dt.datetime(2026, 12, 1, 3, 0)) == []  # filed, not yet accepted
    with runtime.session("hub") as session:
        local_use.accept(session, requester_code=b.agency_code, notification_id="n-1", operator="審査官")
    assert local(b, dt.datetime(2026, 12, 1, 3, 0)) == [(JIMU, TAX, dt.date(2027, 3, 31))]
    assert local(b, dt.datetime(2027, 4, 2, 3, 0)) == []  # after its end date
    assert local(a, dt.datetime(2026, 12, 1, 3, 0)) == []  # another municipality's 届出
