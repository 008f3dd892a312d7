"""Building and opening answers: the provider seals to the requester and signs; the requester checks and opens."""

from __future__ import annotations

import datetime as dt

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.protocol import sealing, signing
from renkei.protocol.messages import (
    AnswerPayload,
    AnswerStatus,
    ForwardedQuery,
    ProvidedAnswer,
    answer_context,
)


def make_answer(
    forwarded: ForwardedQuery,
    *,
    status: AnswerStatus,
    payload: AnswerPayload | None,
    signing_key: signing.Ed25519PrivateKey,
    message: str = "",
    provided_at: dt.datetime | None = None,
) -> ProvidedAnswer:
    """The provider's answer to a forwarded query: `payload` sealed to the requester, the whole signed."""
    if status == "provided" and payload is None:
        raise Invalid("提供する回答の内容がありません", record=forwarded.processing_number, field="payload")
    sealed = ""
    if payload is not None:
        if payload.processing_number != forwarded.processing_number:
            raise Invalid(
                "回答の処理通番が照会と一致しません", record=forwarded.processing_number, field="処理通番"
            )
        sealed = sealing.seal_json(
            forwarded.requester_sealing_public_key,
            payload.model_dump(mode="json"),
            context=answer_context(
                forwarded.processing_number, forwarded.provider_agency_code, forwarded.requester_agency_code
            ),
        )
    answer = ProvidedAnswer(
        processing_number=forwarded.processing_number,
        provider_agency_code=forwarded.provider_agency_code,
        status=status,
        sealed_payload=sealed,
        message=message,
        provided_at=provided_at or clock.now(),
    )
    signed: ProvidedAnswer = answer.signed(signing_key)
    return signed


def open_answer(
    answer: ProvidedAnswer,
    *,
    requester_agency_code: str,
    sealing_key: sealing.X25519PrivateKey,
    provider_signing_public_key: signing.Ed25519PublicKey | str,
) -> AnswerPayload | None:
    """Check the provider's signature, then open the sealed payload (None when nothing was sealed)."""
    record = answer.processing_number
    answer.verify(provider_signing_public_key, record=record)
    if not answer.sealed_payload:
        return None
    data = sealing.open_json(
        sealing_key,
        answer.sealed_payload,
        context=answer_context(answer.processing_number, answer.provider_agency_code, requester_agency_code),
        record=record,
    )
    payload = AnswerPayload.model_validate(data)
    if payload.processing_number != answer.processing_number:
        raise Invalid("封緘された回答の処理通番が一致しません", record=record, field="処理通番")
    return payload
