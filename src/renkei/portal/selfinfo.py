"""自己情報: what the person's municipality holds about them, fetched through the hub and sealed to the portal.

The portal asks like any agency (decision 0095): one 情報照会 per 特定個人情報名 under the reserved 事務
「自己情報提供」, by its own 符号, to the municipality of the card; the hub checks its permission table, converts the
符号 and forwards; the intermediate server answers from its 副本 automatically, sealed to the portal's key and
signed. Each fetch is therefore an exchange like any other: recorded at the hub and the municipality, and shown
in やりとり履歴.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass, field

from renkei.core import clock
from renkei.core.errors import RenkeiError
from renkei.core.ids import municipality_agency_code
from renkei.core.settings import Settings
from renkei.layouts import load_layout
from renkei.layouts.loader import catalogue
from renkei.portal.keys import portal_keys
from renkei.portal.models import PortalUser
from renkei.protocol.answers import open_answer
from renkei.protocol.hub import HubClient
from renkei.protocol.messages import PollRequest, QueryRequest
from renkei.protocol.portal import PORTAL_AGENCY_CODE

SELF_INFORMATION_JIMU = "JM00000000000001"  # 自己情報提供 (reserved in renkei; decision 0095)
SELF_INFORMATION_PROCEDURE = "JT00000000000001"
MUNICIPAL_TMS = ("TM00000000000001", "TM00000000000002", "TM00000000000004", "TM00000000000010")


@dataclass
class SelfInfoItem:
    tk: str
    name: str
    value: str


@dataclass
class SelfInfoCopy:
    dataset: str
    version: str
    record_key: str | None
    items: list[SelfInfoItem]


@dataclass
class SelfInfo:
    tm_code: str
    tm_name: str
    processing_number: str
    status: str  # provided | not_found | refused | pending | error
    message: str = ""
    copies: list[SelfInfoCopy] = field(default_factory=list)


def _names(tm: str, version: str) -> dict[str, str]:
    try:
        layout = load_layout(tm, version)
    except RenkeiError:
        return {}
    return {item.tk: item.name for dataset in layout.datasets for item in dataset.walk()}


def fetch(
    user: PortalUser,
    *,
    settings: Settings,
    hub: HubClient,
    tms: tuple[str, ...] = MUNICIPAL_TMS,
    wait: float = 10.0,
    period: tuple[dt.date | None, dt.date | None] = (None, None),
) -> list[SelfInfo]:
    """Ask, wait for the answers (delivering in one process, as the linkage pages do), open and label them."""
    keys = portal_keys(settings)
    provider = municipality_agency_code(user.lg_code)
    names = catalogue()
    asked: list[tuple[str, str]] = []
    results: dict[str, SelfInfo] = {}
    for tm in tms:
        request = QueryRequest(
            request_id=uuid.uuid4().hex,
            requester_agency_code=PORTAL_AGENCY_CODE,
            requester_sign=user.sign,
            jimu_code=SELF_INFORMATION_JIMU,
            procedure_code=SELF_INFORMATION_PROCEDURE,
            provider_agency_code=provider,
            tm_code=tm,
            period_from=period[0],  # a consent's data range travels as the query's period (decision 0099)
            period_to=period[1],
            requested_at=clock.now(),
        ).signed(keys.signing)
        accepted = hub.submit_query(request)
        results[tm] = SelfInfo(tm, names.get(tm, tm), accepted.processing_number, accepted.status)
        if accepted.status == "pending":
            asked.append((tm, accepted.processing_number))
        elif accepted.refusal_reason:
            results[tm].message = accepted.refusal_reason
    provider_key = hub.agency(provider).signing_public_key if asked else ""
    deadline = time.monotonic() + wait
    while asked:
        hub.deliver_pending(limit=100)
        still: list[tuple[str, str]] = []
        for tm, number in asked:
            poll = PollRequest(
                processing_number=number, requester_agency_code=PORTAL_AGENCY_CODE, requested_at=clock.now()
            ).signed(keys.signing)
            outcome = hub.poll(poll)
            if outcome.status == "pending":
                still.append((tm, number))
                continue
            shown = results[tm]
            shown.status = outcome.status
            shown.message = outcome.refusal_reason or ""
            if outcome.answer is not None:
                shown.status = outcome.answer.status
                shown.message = outcome.answer.message
                payload = open_answer(
                    outcome.answer,
                    requester_agency_code=PORTAL_AGENCY_CODE,
                    sealing_key=keys.sealing,
                    provider_signing_public_key=provider_key,
                )
                for copy in payload.copies if payload else []:
                    labels = _names(tm, copy.version)
                    shown.copies.append(
                        SelfInfoCopy(
                            copy.dataset,
                            copy.version,
                            copy.record_key,
                            [SelfInfoItem(tk, labels.get(tk, tk), str(v)) for tk, v in copy.items.items()],
                        )
                    )
        asked = still
        if asked and time.monotonic() > deadline:
            for tm, _ in asked:
                results[tm].message = "回答を待っています（しばらくしてからもう一度取得してください）"
            break
        if asked:
            time.sleep(0.2)
    return [results[tm] for tm in tms]
