"""A small world for the portal: two municipalities on the hub, cards issued in B, and queries about a holder.

Everything goes through the demo's and the components' public functions; the portal then reaches the hub, jpki
and the municipal node only over the protocol, as in production.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from renkei.core.ids import municipality_agency_code
from renkei.demo import jpki as demo_jpki
from renkei.demo import residents as demo_residents
from renkei.intermediate import service as intermediate
from renkei.intermediate.schemas import QueryOutcome, QueryRequest
from renkei.portal.service import Portal
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.runtime import Runtime
from renkei.runtime.relay import relay

LG_A, LG_B = "131016", "131121"
TAX = "TM00000000000002"
JUMINHYO = "TM00000000000001"
JIDOTEATE = "JM01074000000000"
NINTEI = "JT01074000000001"
PIN = demo_jpki.DEMO_AUTH_PIN


@dataclass
class Holder:
    resident_id: int
    atena_number: str
    card_number: str
    name: str


def world(runtime: Runtime, *, holders: int = 3) -> list[Holder]:
    """Residents in A and B, both on the hub with their 符号, and cards for the first `holders` residents of B."""
    demo_residents.setup(runtime, lg_codes=[LG_A, LG_B], population=12, seed=7)
    hub, jukinet = HubClient(runtime.transport), JukinetClient(runtime.transport)
    for lg_code in (LG_A, LG_B):
        relay(runtime, lg_code)
        runtime.mount_municipality(lg_code)
        with runtime.municipal_session(lg_code) as session:
            intermediate.register_with_hub(session, lg_code=lg_code, settings=runtime.settings, hub=hub)
            intermediate.acquire_missing_signs(
                session, lg_code=lg_code, settings=runtime.settings, jukinet=jukinet, hub=hub
            )
    demo_jpki.setup(runtime, lg_code=LG_B, holders=holders)
    client = JpkiClient(runtime.transport)
    with runtime.municipal_session(LG_B) as session:
        people = residents.list_residents(session, status="active", limit=holders)
    found = []
    for person in people:
        cards = client.holder_status(lg_code=LG_B, resident_id=person.id).cards
        if cards:
            found.append(Holder(person.id, person.atena_number, cards[0].card_number, person.name))
    return found


def ask_about(
    runtime: Runtime, holder: Holder, *, tm: str = TAX, withheld_until: dt.date | None = None
) -> QueryOutcome:
    """B's 児童手当 clerk asks A about the holder (不開示 until a day, if given); the hub delivers; B polls."""
    hub = HubClient(runtime.transport)
    request = QueryRequest(
        jm_code=JIDOTEATE,
        jt_code=NINTEI,
        provider=municipality_agency_code(LG_A),
        tm_code=tm,
        atena=holder.atena_number,
        system="juki",
        department="子ども家庭課",
        user_id="jidoteate01",
        nondisclosure="2" if withheld_until else "1",
        nondisclosure_until=withheld_until,
    )
    sessions = runtime.municipal_sessions(LG_B)
    outcome = intermediate.submit_query(
        sessions, lg_code=LG_B, settings=runtime.settings, hub=hub, request=request
    )
    if outcome.status != "pending" or outcome.process_number is None:
        return outcome
    return intermediate.poll_query(  # in one process the poll delivers it first
        sessions, lg_code=LG_B, settings=runtime.settings, hub=hub, process_number=outcome.process_number
    )


def portal_of(runtime: Runtime) -> Portal:
    return Portal(
        sessions=lambda: runtime.session("portal"), settings=runtime.settings, transport=runtime.transport
    )
