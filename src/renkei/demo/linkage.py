"""Demo part: tax copies at A, a family moving A → B, B's 児童手当 clerk querying A, a refusal, and the records.

`run` expects both municipalities' residents to exist (the foundation's demo step imports them) and returns
summary lines, Japanese first; it prints nothing itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from renkei.addressee import service as addressee
from renkei.core import clock
from renkei.core.errors import NotFound
from renkei.core.ids import municipality_agency_code
from renkei.hub import service as hub_service
from renkei.intermediate import service
from renkei.intermediate.schemas import CopyInput, QueryOutcome, QueryRequest
from renkei.intermediate.service.records import RESULT_NAMES
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.runtime import Runtime

TAX = "TM00000000000002"  # 地方税関係情報
JUMINHYO = "TM00000000000001"  # 住民票関係情報
JIDOTEATE = "JM01074000000000"  # 児童手当法による児童手当又は特例給付の支給
NINTEI = "JT01074000000001"  # 受給資格の認定（認定請求）
TAX_YEAR = "2025"
INCOME = "TK00000200000190"  # 合計所得金額 (layout TM00000000000002 版0002)


def _tax_items(resident_id: int) -> dict[str, Any]:
    """Deterministic synthetic 課税情報: 課税年度, 課税区分, 合計所得金額, 均等割額, 所得割額."""
    income = 1_000_000 + (resident_id * 7919 % 60) * 100_000
    taxable = max(income - 1_430_000, 0)
    return {
        "TK00000200000010": TAX_YEAR,
        "TK00000200000020": "3" if taxable else "1",  # 課税 / 非課税
        INCOME: str(income),
        "TK00000200000310": "3500" if taxable else "0",
        "TK00000200000320": str(taxable // 10),
    }


def _join(runtime: Runtime, lg_code: str, hub: HubClient, jukinet: JukinetClient) -> str:
    runtime.join_hub(lg_code)
    _signs(runtime, lg_code, hub, jukinet)
    return jukinet.municipality(lg_code).name


def _signs(runtime: Runtime, lg_code: str, hub: HubClient, jukinet: JukinetClient) -> int:
    with runtime.municipal_session(lg_code) as session:
        addressee.consume_resident_events(session, settings=runtime.settings)
        synced = service.sync_signs(
            session, lg_code=lg_code, settings=runtime.settings, jukinet=jukinet, hub=hub
        )
        return synced.acquired + service.acquire_missing_signs(
            session, lg_code=lg_code, settings=runtime.settings, jukinet=jukinet, hub=hub
        )


def _tax_copies(runtime: Runtime, lg_code: str, *, family: list[Any], limit: int = 2000) -> tuple[int, int]:
    """Tax copies for the first `limit` residents of A and for the family that will move (the demo stays quick)."""
    entries: list[CopyInput] = []
    with runtime.municipal_session(lg_code) as session:
        people = residents.list_residents(session, status="active", limit=limit)
        seen = {p.id for p in people}
        for person in [*people, *(m for m in family if m.id not in seen)]:
            try:
                number = addressee.integrated_number_of_resident(session, resident_id=person.id)
            except NotFound:
                continue
            entries.append(
                CopyInput(
                    source=f"demo 課税 {person.atena_number}",
                    record_id=f"T{TAX_YEAR}{person.id:010d}",
                    integrated_number=number,
                    tm_code=TAX,
                    dataset_no="0101",
                    dataset_record_key=TAX_YEAR,
                    version="0002",
                    published_from=dt.date(int(TAX_YEAR), 6, 1),
                    items=_tax_items(person.id),
                )
            )
        summary = service.register_copies(session, lg_code=lg_code, entries=entries)
    return summary.created + summary.replaced, summary.unchanged


def _family(runtime: Runtime, lg_code: str) -> list[Any]:
    """The first household of A with at least two members, parents first."""
    with runtime.municipal_session(lg_code) as session:
        offset = 0
        while people := residents.list_residents(session, status="active", limit=500, offset=offset):
            offset += len(people)
            for person in people:
                members = residents.household_members(session, household_number=person.household_number)
                active = [m for m in members if m.status == "active"]
                if len(active) >= 2:
                    return sorted(active, key=lambda m: m.birth_date)
    raise NotFound("転出させる世帯（2人以上）が見つかりません", record=lg_code)


def _move(runtime: Runtime, family: list[Any], lg_a: str, lg_b: str, jukinet: JukinetClient) -> list[str]:
    certificates = []
    with runtime.municipal_session(lg_a) as session:
        for member in family:
            certificates.append(
                residents.move_out(
                    session,
                    resident_id=member.id,
                    destination_lg_code=lg_b,
                    jukinet=jukinet,
                    settings=runtime.settings,
                )
            )
    atenas: list[str] = []
    household: str | None = None
    with runtime.municipal_session(lg_b) as session:
        # a new home in B: a street of B where residents already live (the demo has no address book of its own)
        neighbours = residents.list_residents(session, status="active", limit=1)
        postal_code = neighbours[0].postal_code if neighbours else "1540001"
        address = neighbours[0].address if neighbours else "東京都世田谷区池尻一丁目1番"
        for certificate in certificates:
            moved = residents.move_in(
                session,
                lg_code=lg_b,
                certificate=certificate,
                postal_code=postal_code,
                address=address,
                household_number=household,
                relationship="世帯主" if household is None else "世帯員",
                jukinet=jukinet,
                settings=runtime.settings,
            )
            household = household or moved.household_number
            atenas.append(moved.atena_number)
    return atenas


def _ask(runtime: Runtime, *, lg_b: str, lg_a: str, atena: str, tm: str, hub: HubClient) -> QueryOutcome:
    request = QueryRequest(
        jm_code=JIDOTEATE,
        jt_code=NINTEI,
        provider=municipality_agency_code(lg_a),
        tm_code=tm,
        atena=atena,
        system="juki",
        department="子ども家庭課",
        user_id="jidoteate01",
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


def _result(code: str) -> str:
    return f"{RESULT_NAMES.get(code, code)}（{code}）"


def _records(runtime: Runtime, number: str, lg_a: str, lg_b: str) -> list[str]:
    lines = []
    for label, lg_code in (("照会者", lg_b), ("提供者", lg_a)):
        with runtime.municipal_session(lg_code) as session:
            for entry in service.list_records(session, lg_code=lg_code, processing_number=number):
                b = entry.body
                lines.append(
                    f"    記録（{label} lg{lg_code} #{entry.seq}）: 照会者 {b['requester']} → 提供者 {b['provider']}"
                    f" {b['jm_code']} {b['tm_code']} 照会 {b['requested_at'][:19]} 提供 {(b['provided_at'] or '—')[:19]}"
                    f" 結果 {_result(b['result'])}"
                )
    with runtime.session("hub") as session:
        for b in hub_service.list_records(session, processing_number=number):
            lines.append(
                f"    記録（ハブ #{b['seq']}）: 照会者 {b['requester_code']} → 提供者 {b['provider_code']}"
                f" {b['jimu_code']} {b['tm_code']} 結果 {_result(b['result'])}"
            )
    return lines


def run(runtime: Runtime, *, lg_a: str, lg_b: str) -> list[str]:
    """The linkage part of the demo (ARCHITECTURE §5 end to end); returns what happened, Japanese first."""
    return run_and_move(runtime, lg_a=lg_a, lg_b=lg_b)[0]


def run_and_move(runtime: Runtime, *, lg_a: str, lg_b: str) -> tuple[list[str], list[str]]:
    """`run`, also returning the moved family's 住基 宛名番号 at B (later demo steps ask about them)."""
    hub, jukinet = HubClient(runtime.transport), JukinetClient(runtime.transport)
    name_a, name_b = _join(runtime, lg_a, hub, jukinet), _join(runtime, lg_b, hub, jukinet)
    lines = [f"情報連携 / information linkage: A = {name_a}（{lg_a}）, B = {name_b}（{lg_b}）"]
    family = _family(runtime, lg_a)
    written, unchanged = _tax_copies(runtime, lg_a, family=family)
    lines.append(
        f"A の地方税関係情報の副本を登録: {written} 件（変更なし {unchanged} 件） / tax copies registered at A"
    )
    atenas = _move(runtime, family, lg_a, lg_b, jukinet)
    for lg_code in (lg_a, lg_b):
        _signs(runtime, lg_code, hub, jukinet)
    lines.append(
        f"{family[0].surname}さんの世帯 {len(family)} 人が A から B へ転居（転出・転入）、B で符号を取得 / a family moved A → B"
    )
    answered = _ask(runtime, lg_b=lg_b, lg_a=lg_a, atena=atenas[0], tm=TAX, hub=hub)
    copies = answered.copies
    income = copies[0]["items"].get(INCOME) if copies else None
    lines.append(
        f"B の児童手当担当が A に地方税関係情報を照会 → {_result(answered.status)}（処理通番 {answered.process_number}）"
        f" 合計所得金額 {income} 円 / B's 児童手当 clerk queried A's tax information and got it"
    )
    lines += _records(runtime, answered.process_number or "", lg_a, lg_b)
    refused = _ask(runtime, lg_b=lg_b, lg_a=lg_a, atena=atenas[0], tm=JUMINHYO, hub=hub)
    lines.append(
        f"別表第二にない照会（児童手当で住民票関係情報）→ {_result(refused.status)}: {refused.message}"
        f" / a query outside the permission table is refused"
    )
    lines += _records(runtime, refused.process_number or "", lg_a, lg_b)
    lines.append(
        f"（{clock.now().isoformat(timespec='seconds')} 時点。renkei records verify で改ざんがないことを確認できます）"
    )
    return lines, atenas
