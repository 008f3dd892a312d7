"""独自利用事務の情報連携 end to end: 条例, 届出 to the commission, the hub's own entries, lawful and refused queries."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.addressee import service as addressee
from renkei.core import clock
from renkei.core.errors import Conflict, Invalid
from renkei.demo import local_use as demo_local_use
from renkei.hub import local_use as hub_local_use
from renkei.hub import service as hub_service
from renkei.intermediate import service
from renkei.intermediate.schemas import QueryOutcome, QueryRequest
from renkei.intermediate.service import local_use
from renkei.protocol.local_use import LocalUseClient, NotificationState, RequestedInformation
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, FAMILY, OTHERS, SETAGAYA, TAX, rows, tax_copy
from tests.linkage.scenario import (
    A_AGENCY,
    B_AGENCY,
    JIDOTEATE,
    JUMINHYO,
    join_hub,
    move_family,
    poll,
    populate,
)
from tests.linkage.test_in_process import InProcess

ORDINANCE = "令和8年世田谷区条例第7号"


def setup_local_use(net: InProcess) -> tuple[str, list[str], str]:
    """A's family with tax copies moves to B; B's 条例 defines a 子育て 給付 事務 like 児童手当.

    Returns the 事務コード, the family's 宛名番号 at B and the 宛名番号 of someone who stays at A."""
    a_people = populate(net, CHIYODA, rows(CHIYODA, FAMILY + OTHERS, household="0000000001", start=1))
    populate(net, SETAGAYA, rows(SETAGAYA, OTHERS, household="0000000009", start=900))
    join_hub(net, CHIYODA)
    join_hub(net, SETAGAYA)
    atenas = list(a_people)[:3]
    with net.session("lg" + CHIYODA) as session:
        service.register_copies(
            session, lg_code=CHIYODA, entries=[tax_copy(a_people[a], f"R{i}") for i, a in enumerate(atenas)]
        )
    new_atenas = move_family(net, atenas)
    with net.session("lg" + SETAGAYA) as session:
        addressee.register_ordinance(
            session,
            number=ORDINANCE,
            title="世田谷区子育て応援給付金条例",
            adopted_on=dt.date(2026, 3, 10),
            start_on=dt.date(2026, 4, 1),
            end_on=dt.date(2027, 3, 31),
        )
        jimu = addressee.define_local_jimu(
            session,
            lg_code=SETAGAYA,
            ordinance_number=ORDINANCE,
            article="第4条",
            jimu_name="子育て応援給付金の支給に関する事務",
            system="jidoteate",
            tm_codes=[TAX, JUMINHYO],
            similar_jimu_code=JIDOTEATE,
        )
    return jimu.jimu_code, new_atenas, list(a_people)[len(FAMILY)]


def file(net: InProcess, jimu: str, *asked: RequestedInformation) -> NotificationState:
    with net.session("lg" + SETAGAYA) as session:
        notification = local_use.prepare_notification(
            session, lg_code=SETAGAYA, jimu_code=jimu, information=asked, settings=net.settings("")
        )
    state = LocalUseClient(net.runtime.transport).file_notification(notification)
    with net.session("lg" + SETAGAYA) as session:
        local_use.record_state(session, state=state)
    return state


def refresh(net: InProcess, state: NotificationState) -> NotificationState:
    """The municipality reads back how its 届出 stands and keeps it."""
    with net.session("lg" + SETAGAYA) as session:
        query = local_use.status_query(
            session, lg_code=SETAGAYA, notification_id=state.notification_id, settings=net.settings("")
        )
    found = LocalUseClient(net.runtime.transport).notification_status(query)
    with net.session("lg" + SETAGAYA) as session:
        local_use.record_state(session, state=found)
    return found


def accept(net: InProcess, state: NotificationState) -> NotificationState:
    with net.session("hub") as session:
        return hub_local_use.accept(
            session, requester_code=B_AGENCY, notification_id=state.notification_id, operator="審査官 一郎"
        )


def ask(
    net: InProcess, jimu: str, atena: str, *, lg_code: str = SETAGAYA, provider: str = A_AGENCY
) -> QueryOutcome:
    request = QueryRequest(
        jm_code=jimu,
        jt_code=f"JT09{SETAGAYA}000001",
        provider=provider,
        tm_code=TAX,
        atena=atena,
        system="juki",
    )
    outcome = service.submit_query(
        lambda: net.session("lg" + lg_code),
        lg_code=lg_code,
        settings=net.settings(""),
        hub=net.hub,
        request=request,
    )
    if outcome.status == "pending" and outcome.process_number:
        return poll(net, outcome.process_number)
    return outcome


def test_an_accepted_notification_lets_only_that_municipality_query_for_the_period_stated(
    runtime: Runtime,
) -> None:
    net = InProcess(runtime)
    try:
        jimu, atenas, stays_at_a = setup_local_use(net)
        # Before any 届出 the hub refuses the 独自利用事務 as outside the permission table.
        assert ask(net, jimu, atenas[0]).status == "refused"

        # A 届出 asking for 住民票関係情報 too — outside what 児童手当 (the 準ずる法定事務) may ask — is returned.
        municipal = RequestedInformation(provider="市町村長", tm_code=TAX)
        wide = file(net, jimu, municipal, RequestedInformation(provider="市町村長", tm_code=JUMINHYO))
        assert wide.status == "filed"
        pending = ask(net, jimu, atenas[0])
        assert pending.status == "refused" and "まだ受理されていません" in pending.message
        returned = accept(net, wide)
        assert returned.status == "returned" and returned.entries == 0
        assert any(JUMINHYO in r and "範囲外" in r for r in returned.reasons), returned.reasons
        refused = ask(net, jimu, atenas[0])
        assert refused.status == "refused" and "返戻されています" in refused.message
        assert refresh(net, wide).reasons == returned.reasons
        with net.session("lg" + SETAGAYA) as session:
            row = addressee.local_jimu(session, jimu_code=jimu)
        assert row.notification_status == "returned" and JUMINHYO in row.notification_reasons

        # The corrected 届出 is accepted: one entry, only for B, from 施行日 to 失効日.
        good = file(net, jimu, municipal)
        assert file(net, jimu, municipal).notification_id == good.notification_id  # a resend is the same 届出
        accepted = accept(net, good)
        assert accepted.status == "accepted" and accepted.entries == 1
        with net.session("hub") as session:
            (entry,) = hub_local_use.list_entries(session)
        assert (entry.requester_code, entry.jimu_code, entry.provider, entry.tm_code) == (
            B_AGENCY,
            jimu,
            "市町村長",
            TAX,
        )
        assert (entry.valid_from, entry.valid_to) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
        assert f"{ORDINANCE} 第4条" in entry.basis and "第19条第9号" in entry.basis

        # A lawful query under it is answered through the hub, and its record shows the 条例 basis.
        with clock.frozen(dt.datetime(2026, 12, 1, 3, 0)):
            answered = ask(net, jimu, atenas[0])
        assert answered.status == "answered", answered.message
        assert answered.copies and answered.copies[0]["dataset"] == "0101"
        with net.session("hub") as session:
            (record,) = hub_service.list_records(session, processing_number=answered.process_number)
            assert record["jimu_code"] == jimu and record["result"] != "refused"
            assert f"{ORDINANCE} 第4条" in hub_local_use.basis_of_record(session, record)

        # Another municipality may not use B's entry.
        other = ask(net, jimu, stays_at_a, lg_code=CHIYODA, provider=B_AGENCY)
        assert other.status == "refused" and TAX in other.message

        # After the end date the same query is refused with its reason, and the refusal recorded at the hub.
        with clock.frozen(dt.datetime(2027, 4, 1, 3, 0)):
            late = ask(net, jimu, atenas[0])
        assert late.status == "refused" and "期間外" in late.message
        with net.session("hub") as session:
            (late_record,) = hub_service.list_records(session, processing_number=late.process_number)
        assert late_record["result"] == "refused" and "期間外" in late_record["message"]
    finally:
        net.close()


def test_bad_notifications_are_refused_with_their_reason(runtime: Runtime) -> None:
    net = InProcess(runtime)
    try:
        jimu, _atenas, _stays = setup_local_use(net)
        with pytest.raises(Invalid) as outside:  # not among the 特定個人情報 the 条例's 事務 uses
            file(net, jimu, RequestedInformation(provider="市町村長", tm_code="TM00000000000003"))
        assert outside.value.field == "特定個人情報"
        named = file(net, jimu, RequestedInformation(provider=A_AGENCY, tm_code=TAX))
        returned = accept(net, named)
        assert returned.status == "returned" and any("同意" in r for r in returned.reasons), returned.reasons
        with pytest.raises(Conflict), net.session("hub") as session:
            hub_local_use.accept(
                session, requester_code=B_AGENCY, notification_id=named.notification_id, operator="審査官"
            )
        consented = file(
            net, jimu, RequestedInformation(provider=A_AGENCY, tm_code=TAX, provider_consent=True)
        )
        with net.session("hub") as session:
            with pytest.raises(Invalid):
                hub_local_use.return_notification(
                    session,
                    requester_code=B_AGENCY,
                    notification_id=consented.notification_id,
                    operator="審査官",
                    reasons=[" "],
                )
            manual = hub_local_use.return_notification(
                session,
                requester_code=B_AGENCY,
                notification_id=consented.notification_id,
                operator="審査官",
                reasons=["条例の規定と届出の事務の内容が一致しません"],
            )
        assert manual.status == "returned" and manual.reasons == [
            "条例の規定と届出の事務の内容が一致しません"
        ]
    finally:
        net.close()


def test_the_demo_step_answers_under_the_ordinance_and_refuses_after_its_end(runtime: Runtime) -> None:
    net = InProcess(runtime)
    try:
        _jimu, atenas, _stays = setup_local_use(net)
        lines = demo_local_use.run(runtime, lg_a=CHIYODA, lg_b=SETAGAYA, atena=atenas[0])
        text = "\n".join(lines)
        assert "受理" in text and "answered" in text and "第19条第9号" in text
        assert "refused: " in text and "期間外" in text, text
    finally:
        net.close()
