"""自動応答 (情報提供): answer a query the hub forwards, from the copies, sealed to the requester and signed.

The hub signs what it forwards; the provider checks that signature, turns its own 符号 into the 統合宛名番号,
reads the copies in force, seals them to the requester's public key, signs, records, and keeps the answer so
that a redelivery of the same 処理通番 gets the same answer and never a second provision.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Forbidden, RenkeiError, Unavailable
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateProvision
from renkei.intermediate.service import records
from renkei.intermediate.service.copies import current_copies
from renkei.intermediate.service.node import node_keys
from renkei.intermediate.service.signs import integrated_number_of_sign
from renkei.protocol.answers import make_answer
from renkei.protocol.messages import (
    AnswerPayload,
    AnswerStatus,
    ForwardedQuery,
    ProvidedAnswer,
    ProvideResult,
    SealedCopy,
    WireError,
)

NO_SIGN = "該当する符号がありません。"
NO_COPY = "該当する副本がありません。"


def provide(
    session: Session, *, lg_code: str, settings: Settings, forwarded: ForwardedQuery, hub_public_key: str
) -> ProvidedAnswer:
    """Answer one forwarded query (idempotent on the 処理通番)."""
    forwarded.verify(hub_public_key, record=forwarded.processing_number)
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    if forwarded.provider_agency_code != keys.agency_code:
        raise Forbidden(
            f"この照会は別の機関（{forwarded.provider_agency_code}）宛てです",
            record=forwarded.processing_number,
            field="provider_agency_code",
        )
    done = session.scalar(
        sa.select(IntermediateProvision).where(
            IntermediateProvision.lg_code == lg_code,
            IntermediateProvision.process_number == forwarded.processing_number,
        )
    )
    if done is not None:
        return ProvidedAnswer.model_validate(done.answer)
    integrated = integrated_number_of_sign(session, lg_code=lg_code, sign=forwarded.provider_sign)
    status: AnswerStatus = "not_found"
    message = NO_SIGN
    payload: AnswerPayload | None = None
    used: list[str] = []
    if integrated is not None:
        copies = current_copies(
            session, lg_code=lg_code, integrated_number=integrated, tm_code=forwarded.tm_code
        )
        if copies:
            status, message = "provided", ""
            used = [c.record_id for c in copies]
            payload = AnswerPayload(
                processing_number=forwarded.processing_number,
                tm_code=forwarded.tm_code,
                copies=[
                    SealedCopy(
                        dataset=c.dataset_no,
                        version=c.version,
                        record_key=c.dataset_record_key,
                        items=dict((c.data or {}).get("items", {})),
                    )
                    for c in copies
                ],
            )
        else:
            message = NO_COPY
    now = clock.now()
    answer = make_answer(
        forwarded,
        status=status,
        payload=payload,
        signing_key=keys.signing_key,
        message=message,
        provided_at=now,
    )
    provision = IntermediateProvision(
        lg_code=lg_code,
        process_number=forwarded.processing_number,
        requester=forwarded.requester_agency_code,
        requester_name=forwarded.requester_name,
        jm_code=forwarded.jimu_code,
        jt_code=forwarded.procedure_code,
        tm_code=forwarded.tm_code,
        integrated_number=integrated,
        status=status,
        message=message,
        copy_records=used,
        answer=answer.model_dump(mode="json"),
        requested_at=forwarded.requested_at,
        provided_at=now,
    )
    session.add(provision)
    session.flush()
    records.record_provision(session, provision=provision, provider=keys.agency_code, key=keys.signing_key)
    return answer


def provide_batch(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    queries: list[ForwardedQuery],
    hub_public_key: str,
) -> list[ProvideResult]:
    """Answer a batch the hub forwards, in one transaction; each query in its own savepoint, so a query that
    fails (say, addressed to another agency) is that query's error while the others are answered."""
    results = []
    for forwarded in queries:
        try:
            with session.begin_nested():
                answer = provide(
                    session,
                    lg_code=lg_code,
                    settings=settings,
                    forwarded=forwarded,
                    hub_public_key=hub_public_key,
                )
        except Unavailable:
            raise
        except RenkeiError as error:
            results.append(
                ProvideResult(
                    processing_number=forwarded.processing_number, error=WireError(**error.as_dict())
                )  # type: ignore[arg-type]
            )
            continue
        results.append(ProvideResult(processing_number=forwarded.processing_number, answer=answer))
    return results
