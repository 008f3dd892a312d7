"""情報照会の受付: a batch of one requester's queries checked, converted and stored with set-based SQL.

One signature check per call (a `QueryBatch` is signed once; a single `QueryRequest` carries its own), one
lookup of the request ids already seen (a resent batch is answered with the 処理通番 it got the first time),
one lookup of the providers, the permission table asked once per distinct (provider, 事務, 事務手続, 特定個人情報),
the 符号 converted with one AES call per provider, and the queries stored with one bulk insert. A refusal is an
answer too: refused queries are closed and recorded at once (the hub's 情報提供等記録, one grouped append).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.bulk import insert_rows
from renkei.core.errors import Forbidden, Invalid
from renkei.core.settings import Settings
from renkei.hub import signs
from renkei.hub.models import RECORDS, HubAgency, HubQuery, HubSerial
from renkei.hub.permissions import refusal_reason
from renkei.protocol.messages import QueryAccepted, QueryItem

# A signed request is valid only around the time it says it was made, so a recorded one cannot be replayed later
# (a retry of the same request within the window is answered by its request id as before).
SIGNED_WINDOW = dt.timedelta(minutes=5)
RETENTION_YEARS = 7  # 情報提供等記録 are kept 7 years (番号法施行令; mynumber-reference §4.5)
QUERIES: sa.Table = HubQuery.__table__  # type: ignore[assignment]
NOT_ISSUED = "指定された符号は情報照会者に発行されたものではありません。"


def check_fresh(requested_at: dt.datetime, *, record: str, field: str = "requested_at") -> None:
    skew = abs(clock.now() - requested_at)
    if skew > SIGNED_WINDOW:
        raise Forbidden(
            f"要求日時（{requested_at.isoformat()}）が現在時刻から{int(SIGNED_WINDOW.total_seconds() // 60)}分を"
            "超えて離れているため受け付けません（再送は新しい要求日時で署名してください）",
            record=record,
            field=field,
        )


def processing_numbers(session: Session, count: int, at: dt.datetime) -> list[str]:
    """`count` new 処理通番: the JST date of acceptance and a 12-digit serial (docs/decisions/0031), reserved
    with one UPDATE of the serial's row (which also serialises two acceptances on PostgreSQL)."""
    serial = sa.update(HubSerial).where(HubSerial.name == "processing_number")
    last = session.scalar(serial.values(value=HubSerial.value + count).returning(HubSerial.value))
    if last is None:
        # First use: continue above every 処理通番 numbered before the serial existed (by the query's id).
        start = session.scalar(sa.select(sa.func.coalesce(sa.func.max(HubQuery.id), 0))) or 0
        session.add(HubSerial(name="processing_number", value=start + count))
        session.flush()
        last = start + count
    day = at.astimezone(clock.JST).strftime("%Y%m%d")
    return [f"{day}{n:012d}" for n in range(last - count + 1, last + 1)]


def record_body(query: dict[str, Any], agencies: dict[str, HubAgency], **outcome: Any) -> dict[str, Any]:
    """The hub's 情報提供等記録 of one closed query (what 番号法第23条 asks, never the person's number)."""
    requester = agencies.get(query["requester_code"])
    provider = agencies.get(query["provider_code"])
    requested_at = query["requested_at"]
    return {
        "processing_number": query["processing_number"],
        "requester_code": query["requester_code"],
        "requester_name": requester.name if requester else "",
        "provider_code": query["provider_code"],
        "provider_name": provider.name if provider else "",
        "jimu_code": query["jimu_code"],
        "procedure_code": query["procedure_code"],
        "tm_code": query["tm_code"],
        "requested_at": requested_at if isinstance(requested_at, str) else requested_at.isoformat(),
        "provided_at": outcome.get("provided_at"),
        "result": outcome["result"],
        "message": outcome.get("message") or "",
        "person_ref": query["person_ref"],
    } | _withholding(query)


def _withholding(query: dict[str, Any]) -> dict[str, Any]:
    """番号法第23条第2項: a 不開示 record is recorded now and shown to the person from its day (decision 0096)."""
    if not query.get("non_disclosure"):
        return {}
    until = query.get("non_disclosure_until")
    return {"non_disclosure": True, "non_disclosure_until": until.isoformat() if until else None}


def _withheld_until(item: QueryItem, requested_at: dt.datetime) -> dt.date | None:
    """The end of a 不開示 withholding: after the request's day and within the records' 7-year retention."""
    until = item.non_disclosure_until
    if until is None:
        return None
    asked = requested_at.astimezone(clock.JST).date()
    if until <= asked or until > asked.replace(year=asked.year + RETENTION_YEARS):
        raise Invalid(
            f"不開示の終了日（{until.isoformat()}）は照会日の翌日から{RETENTION_YEARS}年以内で指定してください",
            record=item.request_id,
            field="non_disclosure_until",
        )
    return until


@dataclass(frozen=True)
class _Seen:
    processing_number: str
    status: str
    refusal_reason: str | None
    accepted_at: dt.datetime


def _seen(session: Session, requester_code: str, request_ids: list[str]) -> dict[str, _Seen]:
    q = QUERIES.c
    rows = session.execute(
        sa.select(q.request_id, q.processing_number, q.status, q.refusal_reason, q.accepted_at).where(
            q.requester_code == requester_code, q.request_id.in_(request_ids)
        )
    )
    return {r[0]: _Seen(r[1], r[2], r[3], r[4]) for r in rows}


def _answer(seen: _Seen) -> QueryAccepted:
    return QueryAccepted(
        processing_number=seen.processing_number,
        status="refused" if seen.status == "refused" else "pending",
        refusal_reason=seen.refusal_reason,
        accepted_at=seen.accepted_at,
    )


def accept(
    session: Session,
    *,
    requester: HubAgency,
    items: Sequence[QueryItem],
    requested_at: dt.datetime,
    settings: Settings,
    record: str,
) -> list[QueryAccepted]:
    """Accept a requester's queries whose signature the caller has checked; answers in the items' order.

    A request id already seen (in an earlier call or earlier in this one) gets the first answer again; the
    signed time must be fresh only when something new is accepted (a late retry still learns its 処理通番)."""
    seen = _seen(session, requester.agency_code, sorted({i.request_id for i in items}))
    new: dict[str, QueryItem] = {}
    for item in items:
        if item.request_id not in seen:
            new.setdefault(item.request_id, item)  # the same id twice in one call is one query
    if new:
        check_fresh(requested_at, record=record)
        stored = _store(
            session,
            requester=requester,
            items=list(new.values()),
            requested_at=requested_at,
            settings=settings,
        )
        seen.update(stored)
    return [_answer(seen[item.request_id]) for item in items]


def _store(
    session: Session,
    *,
    requester: HubAgency,
    items: list[QueryItem],
    requested_at: dt.datetime,
    settings: Settings,
) -> list[tuple[str, _Seen]]:
    now = clock.now()
    keys = signs.hub_keys(settings)
    numbers = processing_numbers(session, len(items), now)
    providers = {
        a.agency_code: a
        for a in session.scalars(
            sa.select(HubAgency).where(HubAgency.agency_code.in_({i.provider_agency_code for i in items}))
        )
    }
    agencies = {**providers, requester.agency_code: requester}
    verdicts: dict[tuple[str, str, str, str], str | None] = {}
    rows: list[dict[str, Any]] = []
    id_codes: dict[int, bytes] = {}
    for item, number in zip(items, numbers, strict=True):
        reason: str | None = None
        person_ref: str | None = None
        try:
            code = signs.open_sign(keys, item.requester_sign, agency_code=requester.agency_code)
            person_ref = signs.person_ref(keys, code)
        except Invalid:
            reason = NOT_ISSUED
        provider = providers.get(item.provider_agency_code)
        if reason is None and provider is None:
            reason = f"情報提供者の機関コード「{item.provider_agency_code}」は登録されていません。"
        if reason is None and provider is not None:
            key = (provider.agency_code, item.jimu_code, item.procedure_code, item.tm_code)
            if key not in verdicts:
                verdicts[key] = refusal_reason(
                    session,
                    requester=requester,
                    provider=provider,
                    jimu_code=item.jimu_code,
                    procedure_code=item.procedure_code,
                    tm_code=item.tm_code,
                )
            reason = verdicts[key]
            if reason is None:
                id_codes[len(rows)] = code
        rows.append(
            {
                "processing_number": number,
                "request_id": item.request_id,
                "requester_code": requester.agency_code,
                "provider_code": item.provider_agency_code,
                "jimu_code": item.jimu_code,
                "procedure_code": item.procedure_code,
                "tm_code": item.tm_code,
                "period_from": item.period_from,
                "period_to": item.period_to,
                "non_disclosure": item.non_disclosure,
                "non_disclosure_until": _withheld_until(item, requested_at),
                "provider_sign": None,
                "person_ref": person_ref,
                "status": "refused" if reason is not None else "pending",
                "refusal_reason": reason,
                "requested_at": requested_at,
                "accepted_at": now,
                "answered_at": now if reason is not None else None,
                "attempts": 0,
                "next_attempt_at": None if reason is not None else now,
                "record_seq": None,
            }
        )
    # 符号A → 符号B: one AES call per provider for every admitted query to it.
    by_provider: dict[str, list[int]] = {}
    for index in id_codes:
        by_provider.setdefault(rows[index]["provider_code"], []).append(index)
    for provider_code, indexes in by_provider.items():
        converted = signs.agency_signs(keys, [id_codes[i] for i in indexes], provider_code)
        for index, sign in zip(indexes, converted, strict=True):
            rows[index]["provider_sign"] = sign
    refused = [row for row in rows if row["status"] == "refused"]
    if refused:
        seqs = RECORDS.append_many(
            session,
            [record_body(row, agencies, result="refused", message=row["refusal_reason"]) for row in refused],
            key=keys.signing,
            at=now,
        )
        for row, seq in zip(refused, seqs, strict=True):
            row["record_seq"] = seq
    columns = tuple(rows[0])
    insert_rows(session, QUERIES, columns, [tuple(row[c] for c in columns) for row in rows])
    return [
        (
            row["request_id"],
            _Seen(row["processing_number"], row["status"], row["refusal_reason"], row["accepted_at"]),
        )
        for row in rows
    ]
