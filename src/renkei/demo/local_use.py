"""The 独自利用事務 part of the demo: B's own 条例 事務, its 届出 accepted by the commission, a lawful query through
the hub shown with its basis, and the same query after the 条例's end date refused (docs/decisions/0130–0133).

Run it after the linkage part, with the 宛名番号 at B of someone whose tax copy A holds (the family that moved).
"""

from __future__ import annotations

import datetime as dt

from renkei.addressee import service as addressee
from renkei.core import clock
from renkei.core.ids import municipality_agency_code
from renkei.core.wareki import both
from renkei.governance import local_use as governance_local_use
from renkei.hub import local_use as hub_local_use
from renkei.hub import service as hub_service
from renkei.intermediate import service
from renkei.intermediate.schemas import QueryOutcome, QueryRequest
from renkei.intermediate.service import local_use
from renkei.protocol.hub import HubClient
from renkei.protocol.local_use import LocalUseClient, RequestedInformation
from renkei.runtime import Runtime

TAX = "TM00000000000002"  # 地方税関係情報
JIDOTEATE = "JM01074000000000"  # 準ずる法定事務: 児童手当の支給 (別表第二 七十四)


def _fiscal_year(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    return start, dt.date(start.year + 1, 3, 31)


def _ask(runtime: Runtime, *, lg_a: str, lg_b: str, jimu: str, atena: str, hub: HubClient) -> QueryOutcome:
    request = QueryRequest(
        jm_code=jimu,
        jt_code=f"JT09{lg_b}000001",
        provider=municipality_agency_code(lg_a),
        tm_code=TAX,
        atena=atena,
        system="juki",
        department="子ども家庭課",
        user_id="kosodate01",
    )
    sessions = runtime.municipal_sessions(lg_b)
    outcome = service.submit_query(
        sessions, lg_code=lg_b, settings=runtime.settings, hub=hub, request=request
    )
    if outcome.status != "pending" or outcome.process_number is None:
        return outcome
    return service.poll_query(  # in one process the poll delivers it first
        sessions, lg_code=lg_b, settings=runtime.settings, hub=hub, process_number=outcome.process_number
    )


def run(runtime: Runtime, *, lg_a: str, lg_b: str, atena: str) -> list[str]:
    """B (lg_b) defines a 独自利用事務 by 条例, files the 届出, the commission accepts it, B asks A (lg_a) for the
    person at `atena` (B's 住基 宛名番号) — answered — and again after the 条例's end date — refused."""
    hub = HubClient(runtime.transport)
    start, end = _fiscal_year(clock.today())
    number = f"令和{start.year - 2018}年条例第7号"
    with runtime.municipal_session(lg_b) as session:
        addressee.register_ordinance(
            session,
            number=number,
            title="子育て応援給付金条例（デモ）",
            adopted_on=start - dt.timedelta(days=20),
            start_on=start,
            end_on=end,
        )
        jimu = addressee.define_local_jimu(
            session,
            lg_code=lg_b,
            ordinance_number=number,
            article="第4条",
            jimu_name="子育て応援給付金の支給に関する事務",
            system="jidoteate",
            tm_codes=[TAX],
            similar_jimu_code=JIDOTEATE,
        ).jimu_code
        notification = local_use.prepare_notification(
            session,
            lg_code=lg_b,
            jimu_code=jimu,
            information=[RequestedInformation(provider="市町村長", tm_code=TAX)],
            settings=runtime.settings,
        )
    lines = [
        f"独自利用事務 / own use by 条例: B の {number} 第4条「子育て応援給付金の支給に関する事務」（{jimu}）"
        f" 施行 {both(start)} 失効 {both(end)}"
    ]
    state = LocalUseClient(runtime.transport).file_notification(notification)
    with runtime.session("hub") as session:
        decided = hub_local_use.accept(
            session,
            requester_code=state.requester_agency_code,
            notification_id=state.notification_id,
            operator="デモ審査官",
        )
        (entry,) = [e for e in hub_local_use.list_entries(session) if e.jimu_code == jimu]
    with runtime.municipal_session(lg_b) as session:
        local_use.record_state(session, state=decided)
    lines.append(
        f"情報連携の届出 {decided.notification_id} → 個人情報保護委員会が受理、ハブの許可 {decided.entries} 件"
        f"（{entry.basis}） / the commission accepted the notification"
    )
    answered = _ask(runtime, lg_a=lg_a, lg_b=lg_b, jimu=jimu, atena=atena, hub=hub)
    with runtime.session("hub") as session:
        records = hub_service.list_records(session, processing_number=answered.process_number or "")
        basis = hub_local_use.basis_of_record(session, records[0]) if records else ""
    lines.append(
        f"B がこの事務で A に地方税関係情報を照会 → {answered.status}（処理通番 {answered.process_number}）"
        f" 根拠: {basis} / a lawful query under the 条例, answered"
    )
    with clock.frozen(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(1, 0), tzinfo=clock.JST)):
        late = _ask(runtime, lg_a=lg_a, lg_b=lg_b, jimu=jimu, atena=atena, hub=hub)
    lines.append(f"失効日の翌日に同じ照会 → {late.status}: {late.message} / refused after the end date")
    with runtime.municipal_session(lg_b) as session:
        governance_local_use.sync_from_registry(session)
        for flag in governance_local_use.attention(session):
            lines.append(f"安全管理措置の要対応: {flag.name}: {flag.reason}")
    return lines
