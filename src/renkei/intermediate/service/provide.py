"""自動応答 (情報提供): answer a batch of queries the hub forwards, from the copies, sealed to each requester.

The hub signs what it forwards, once per batch; the provider checks that signature, turns its own 符号 into the
統合宛名番号, reads the copies in force, seals each answer to its requester's public key, signs the batch's answers
once (each still provable alone, `renkei.protocol.batch_signing`), records them, and keeps each answer so that a
redelivery of the same 処理通番 gets the same answer and never a second provision. Every step is one statement
for the whole batch: the answers already given, the 符号, the copies, the provisions and the records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.bulk import insert_rows, select_in
from renkei.core.errors import Forbidden
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateCopy, IntermediateProvision, IntermediateSign
from renkei.intermediate.service import records
from renkei.intermediate.service.node import NodeKeys, node_keys
from renkei.protocol.answers import Draft, make_answers
from renkei.protocol.messages import (
    AnswerPayload,
    AnswerStatus,
    ForwardedBatch,
    ForwardedItem,
    ProvidedAnswer,
    ProvideResult,
    SealedCopy,
)

NO_SIGN = "該当する符号がありません。"
NO_COPY = "該当する副本がありません。"
# A batch is signed when the hub sends it; one older (or newer) than this is not answered (a replay).
FORWARD_WINDOW = dt.timedelta(minutes=5)
PROVISIONS = IntermediateProvision.__table__
COPIES = IntermediateCopy.__table__
SIGNS = IntermediateSign.__table__
_COPY_COLUMNS = (
    "integrated_number",
    "tm_code",
    "dataset_no",
    "version",
    "dataset_record_key",
    "data",
    "record_id",
    "published_from",
    "published_to",
)


def _as_date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _as_json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _current_copies(
    session: Session, lg_code: str, integrated_numbers: Sequence[str], on: dt.date
) -> dict[tuple[str, str], list[tuple[SealedCopy, str]]]:
    """The copies in force on `on` for each (統合宛名番号, 特定個人情報名), in one query, in データセット order, each
    with its レコード識別番号 (what the provision record names)."""
    rows = select_in(
        session,
        COPIES,  # type: ignore[arg-type]
        _COPY_COLUMNS,
        "integrated_number",
        sorted(set(integrated_numbers)),
        equal={"lg_code": lg_code},
        null=("superseded_at",),
    )
    found: dict[tuple[str, str], list[tuple[SealedCopy, str]]] = {}
    for number, tm, dataset, version, key, data, record_id, published_from, published_to in sorted(
        rows, key=lambda r: r[2]
    ):
        start, end = _as_date(published_from), _as_date(published_to)
        if (start is not None and start > on) or (end is not None and end < on):
            continue
        items = dict((_as_json(data) or {}).get("items", {}))
        copy = SealedCopy(dataset=dataset, version=version, record_key=key, items=items)
        found.setdefault((number, tm), []).append((copy, record_id))
    return found


def provide_batch(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    batch: ForwardedBatch,
    hub_public_key: str,
) -> list[ProvideResult]:
    """Answer a batch the hub forwards, in one transaction (idempotent on each 処理通番)."""
    batch.verify(hub_public_key, record=batch.provider_agency_code)
    if abs(clock.now() - batch.sent_at) > FORWARD_WINDOW:
        raise Forbidden(
            f"転送日時（{batch.sent_at.isoformat()}）が現在時刻から離れすぎているため回答しません",
            record=batch.provider_agency_code,
            field="sent_at",
        )
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    if batch.provider_agency_code != keys.agency_code:
        raise Forbidden(
            f"この照会は別の機関（{batch.provider_agency_code}）宛てです",
            record=batch.provider_agency_code,
            field="provider_agency_code",
        )
    numbers = [q.processing_number for q in batch.queries]
    answered: dict[str, ProvidedAnswer] = {
        number: ProvidedAnswer.model_validate(_as_json(answer))
        for number, answer in select_in(
            session,
            PROVISIONS,  # type: ignore[arg-type]
            ("process_number", "answer"),
            "process_number",
            numbers,
            equal={"lg_code": lg_code},
        )
    }
    todo = list(
        {q.processing_number: q for q in batch.queries if q.processing_number not in answered}.values()
    )
    if todo:
        answered.update(_answer(session, lg_code=lg_code, keys=keys, batch=batch, todo=todo))
    return [ProvideResult(processing_number=n, answer=answered[n]) for n in numbers]


def _answer(
    session: Session,
    *,
    lg_code: str,
    keys: NodeKeys,
    batch: ForwardedBatch,
    todo: list[ForwardedItem],
) -> dict[str, ProvidedAnswer]:
    integrated_of: dict[str, str] = dict(
        select_in(
            session,
            SIGNS,  # type: ignore[arg-type]
            ("sign", "integrated_number"),
            "sign",
            sorted({q.provider_sign for q in todo}),
            equal={"lg_code": lg_code},
        )
    )
    now = clock.now()
    copies = _current_copies(session, lg_code, list(integrated_of.values()), clock.today())
    drafts: list[Draft] = []
    provisions: list[dict[str, Any]] = []
    for query in todo:
        requester = batch.requesters.get(query.requester_agency_code)
        if requester is None:
            raise Forbidden(
                f"照会者 {query.requester_agency_code} の封緘用公開鍵が一括にありません",
                record=query.processing_number,
                field="requesters",
            )
        integrated = integrated_of.get(query.provider_sign)
        status: AnswerStatus = "not_found"
        message = NO_SIGN
        payload: AnswerPayload | None = None
        used: list[str] = []
        if integrated is not None:
            found = copies.get((integrated, query.tm_code), [])
            if found:
                status, message = "provided", ""
                used = [record_id for _copy, record_id in found]
                payload = AnswerPayload(
                    processing_number=query.processing_number,
                    tm_code=query.tm_code,
                    copies=[copy for copy, _record_id in found],
                )
            else:
                message = NO_COPY
        drafts.append(
            Draft(
                processing_number=query.processing_number,
                requester_agency_code=query.requester_agency_code,
                requester_sealing_public_key=requester.sealing_public_key,
                status=status,
                payload=payload,
                message=message,
            )
        )
        provisions.append(
            {
                "lg_code": lg_code,
                "process_number": query.processing_number,
                "requester": query.requester_agency_code,
                "requester_name": requester.name,
                "jm_code": query.jimu_code,
                "jt_code": query.procedure_code,
                "tm_code": query.tm_code,
                "integrated_number": integrated,
                "status": status,
                "message": message,
                "copy_records": used,
                "requested_at": query.requested_at,
                "provided_at": now,
            }
        )
    answers = make_answers(
        drafts, provider_agency_code=keys.agency_code, signing_key=keys.signing_key, provided_at=now
    )
    columns = (*provisions[0], "answer")
    insert_rows(
        session,
        PROVISIONS,  # type: ignore[arg-type]
        columns,
        [
            (
                *(orjson.dumps(v).decode() if c == "copy_records" else v for c, v in p.items()),
                answer.model_dump_json(),
            )
            for p, answer in zip(provisions, answers, strict=True)
        ],
    )
    records.append(
        session, [records.provision_body(p, provider=keys.agency_code) for p in provisions], keys.signing_key
    )
    return {a.processing_number: a for a in answers}
