"""The linkage scenario both ways (one process, or hub and nodes as HTTP servers), over a small `Network` face.

A registers tax copies; a family moves A → B; B's 児童手当 clerk queries A's 地方税関係情報 and gets it; a query
outside the permission table is refused; each exchange leaves three records (requester, provider, hub) that
verify; an edited record is caught; a node that is down leaves the query pending, answered once it is back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.addressee import service as addressee
from renkei.core.ids import municipality_agency_code
from renkei.core.settings import Settings
from renkei.hub import service as hub_service
from renkei.intermediate import service
from renkei.intermediate.models import IntermediateProvision, IntermediateRecord
from renkei.intermediate.schemas import QueryOutcome, QueryRequest
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.node import NodeClient, NodeQuery, NodeQueryOutcome
from renkei.residents import service as residents
from tests.linkage.builders import CHIYODA, FAMILY, OTHERS, SETAGAYA, TAX, TAX_ITEMS, as_text, rows, tax_copy

JIDOTEATE = "JM01074000000000"  # 児童手当法による児童手当又は特例給付の支給 (別表第二 七十四)
NINTEI = "JT01074000000001"  # 受給資格の認定（認定請求）
JUMINHYO = "TM00000000000001"  # 住民票関係情報: not in the table for 児童手当 from 市町村長
A_AGENCY = municipality_agency_code(CHIYODA)
B_AGENCY = municipality_agency_code(SETAGAYA)


class Network(Protocol):
    hub: HubClient
    jukinet: JukinetClient

    def settings(self, node: str) -> Settings: ...
    def session(self, node: str) -> AbstractContextManager[Session]: ...
    def deliver(self) -> None: ...
    def set_down(self, lg_code: str, down: bool) -> None: ...


def municipal(net: Network, lg_code: str) -> AbstractContextManager[Session]:
    return net.session("lg" + lg_code)


def populate(net: Network, lg_code: str, people: list) -> dict[str, str]:  # type: ignore[type-arg]
    net.jukinet.register_municipality(lg_code)
    with municipal(net, lg_code) as session:
        registered = residents.register_residents(
            session, lg_code=lg_code, rows=people, jukinet=net.jukinet, settings=net.settings("lg" + lg_code)
        )
        addressee.register_residents(session, registered=registered, settings=net.settings("lg" + lg_code))
        return {
            r.atena_number: addressee.integrated_number_of_resident(session, resident_id=r.resident_id)
            for r in registered
        }


def join_hub(net: Network, lg_code: str) -> None:
    settings = net.settings("lg" + lg_code)
    with municipal(net, lg_code) as session:
        service.register_with_hub(session, lg_code=lg_code, settings=settings, hub=net.hub)
        service.acquire_missing_signs(
            session, lg_code=lg_code, settings=settings, jukinet=net.jukinet, hub=net.hub
        )


def move_family(net: Network, atenas: list[str]) -> list[str]:
    """転出 from A and 転入 to B for each member; returns their new 住基 宛名番号 in B."""
    certificates = []
    with municipal(net, CHIYODA) as session:
        for atena in atenas:
            resident = residents.find_by_atena_number(session, atena_number=atena)
            certificates.append(
                residents.move_out(
                    session,
                    resident_id=resident.id,
                    destination_lg_code=SETAGAYA,
                    jukinet=net.jukinet,
                    settings=net.settings("lg" + CHIYODA),
                )
            )
    new_atenas: list[str] = []
    household: str | None = None
    with municipal(net, SETAGAYA) as session:
        for certificate in certificates:
            moved = residents.move_in(
                session,
                lg_code=SETAGAYA,
                certificate=certificate,
                postal_code="1540001",
                address="東京都世田谷区池尻二丁目2番",
                household_number=household,
                relationship="世帯主" if household is None else "世帯員",
                jukinet=net.jukinet,
                settings=net.settings("lg" + SETAGAYA),
            )
            household = household or moved.household_number
            new_atenas.append(moved.atena_number)
    for lg_code in (CHIYODA, SETAGAYA):
        settings = net.settings("lg" + lg_code)
        with municipal(net, lg_code) as session:
            addressee.consume_resident_events(session, settings=settings)
            service.sync_signs(session, lg_code=lg_code, settings=settings, jukinet=net.jukinet, hub=net.hub)
    return new_atenas


def _as_outcome(found: NodeQueryOutcome) -> QueryOutcome:
    return QueryOutcome(
        query_id=0, process_number=found.processing_number, **found.model_dump(exclude={"processing_number"})
    )


def ask(net: Network, atena: str, *, tm: str = TAX) -> QueryOutcome:
    node: NodeClient | None = getattr(net, "node_client", lambda _lg: None)(SETAGAYA)
    if node is not None:  # across processes the business system asks its node over its API
        query = NodeQuery(
            jm_code=JIDOTEATE, jt_code=NINTEI, provider=A_AGENCY, tm_code=tm, atena=atena, system="juki"
        )
        return _as_outcome(node.query(query))
    request = QueryRequest(
        jm_code=JIDOTEATE, jt_code=NINTEI, provider=A_AGENCY, tm_code=tm, atena=atena, system="juki"
    )
    return service.submit_query(
        lambda: municipal(net, SETAGAYA),
        lg_code=SETAGAYA,
        settings=net.settings("lg" + SETAGAYA),
        hub=net.hub,
        request=request,
    )


def poll(net: Network, number: str, *, until_done: bool = True, timeout: float = 20.0) -> QueryOutcome:
    deadline = time.monotonic() + timeout
    node: NodeClient | None = getattr(net, "node_client", lambda _lg: None)(SETAGAYA)
    while True:
        net.deliver()
        if node is not None:
            outcome = _as_outcome(node.result(number))
        else:
            outcome = service.poll_query(
                lambda: municipal(net, SETAGAYA),
                lg_code=SETAGAYA,
                settings=net.settings("lg" + SETAGAYA),
                hub=net.hub,
                process_number=number,
            )
        if outcome.status != "pending" or not until_done or time.monotonic() > deadline:
            return outcome
        time.sleep(0.1)


def records_of(net: Network, number: str) -> Iterator[tuple[str, dict]]:  # type: ignore[type-arg]
    with municipal(net, SETAGAYA) as session:
        for r in service.list_records(session, lg_code=SETAGAYA, processing_number=number):
            yield "requester", r.body
    with municipal(net, CHIYODA) as session:
        for r in service.list_records(session, lg_code=CHIYODA, processing_number=number):
            yield "provider", r.body
    with net.session("hub") as session:
        for body in hub_service.list_records(session, processing_number=number):
            yield "hub", body


def verified(net: Network) -> dict[str, bool]:
    out = {}
    with net.session("hub") as session:
        out["hub"] = hub_service.verify_records(session, settings=net.settings("hub")).ok
    for lg_code in (CHIYODA, SETAGAYA):
        with municipal(net, lg_code) as session:
            out[lg_code] = all(report.ok for _code, report in service.verify_records(session))
    return out


def run_scenario(net: Network) -> dict[str, str]:
    """Run it; returns the moved father's 統合宛名番号 at A and at B, for the invariant checks."""
    a_people = populate(net, CHIYODA, rows(CHIYODA, FAMILY + OTHERS, household="0000000001", start=1))
    populate(net, SETAGAYA, rows(SETAGAYA, OTHERS, household="0000000009", start=900))
    join_hub(net, CHIYODA)
    join_hub(net, SETAGAYA)
    atenas = list(a_people)[:3]
    taro = a_people[atenas[0]]
    with municipal(net, CHIYODA) as session:
        summary = service.register_copies(
            session, lg_code=CHIYODA, entries=[tax_copy(a_people[a], f"R{i}") for i, a in enumerate(atenas)]
        )
        assert summary.created == 3
        a_signs = service.sign_count(session, lg_code=CHIYODA)
    new_atenas = move_family(net, atenas)
    with municipal(net, CHIYODA) as session:
        assert service.sign_count(session, lg_code=CHIYODA) == a_signs - 3  # dropped at move-out
        assert service.current_copies(session, lg_code=CHIYODA, integrated_number=taro)  # the copies stay

    # B's 児童手当 clerk asks A for the father's 地方税関係情報 and gets exactly A's copy.
    submitted = ask(net, new_atenas[0])
    assert submitted.status == "pending" and submitted.process_number
    answered = poll(net, submitted.process_number)
    assert answered.status == "answered", answered.message
    assert answered.detail_status == "09" and answered.tm_status == "01"
    [copy] = answered.copies
    assert as_text(copy["items"]) == TAX_ITEMS and copy["dataset"] == "0101"
    roles = sorted(role for role, _body in records_of(net, submitted.process_number))
    assert roles == ["hub", "provider", "requester"], list(records_of(net, submitted.process_number))
    for _role, body in records_of(net, submitted.process_number):
        assert body["tm_code"] == TAX and JIDOTEATE in (body.get("jm_code"), body.get("jimu_code"))

    # A query outside the permission table is refused, and the refusal is recorded by B and the hub.
    refused = ask(net, new_atenas[0], tm=JUMINHYO)
    if refused.status == "pending":
        assert refused.process_number
        refused = poll(net, refused.process_number)
    assert refused.status == "refused"
    assert refused.message == f"指定された特定個人情報名「{JUMINHYO}」の照会は許可されていません。"
    assert refused.process_number
    assert {"hub", "requester"} <= {role for role, _b in records_of(net, refused.process_number)}

    # A node that is down: the query stays pending, then is answered once, after the node is back.
    net.set_down(CHIYODA, True)
    late = ask(net, new_atenas[1])
    assert late.process_number
    assert poll(net, late.process_number, until_done=False).status == "pending"
    net.set_down(CHIYODA, False)
    done = poll(net, late.process_number, timeout=30.0)
    assert done.status == "answered", done.message
    with municipal(net, CHIYODA) as session:
        provisions = session.scalar(
            sa.select(sa.func.count()).where(IntermediateProvision.process_number == late.process_number)
        )
    assert provisions == 1
    assert verified(net) == {"hub": True, CHIYODA: True, SETAGAYA: True}

    # Someone edits A's record of the first provision: verification names it.
    with municipal(net, CHIYODA) as session:
        record = session.scalars(
            sa.select(IntermediateRecord).where(
                IntermediateRecord.processing_number == submitted.process_number
            )
        ).one()
        record.body = {**record.body, "requester": "0220113101601700"}
        edited = record.seq
    with municipal(net, CHIYODA) as session:
        [(_code, report)] = service.verify_records(session)
    assert not report.ok and edited in report.bad_sequences
    with municipal(net, SETAGAYA) as session:
        father_at_b = addressee.find_by_atena(session, system="juki", atena=new_atenas[0]).integrated_number
    return {"a": taro, "b": father_at_b, "moved": ",".join(new_atenas)}
