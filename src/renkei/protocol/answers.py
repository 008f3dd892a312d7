"""Building and opening answers: the provider seals to the requester and signs; the requester checks and opens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.protocol import sealing, signing
from renkei.protocol.batch_signing import BatchProof, sign_batch
from renkei.protocol.messages import (
    ANSWER_BATCH,
    AnswerPayload,
    AnswerStatus,
    ProvidedAnswer,
    answer_context,
)

_UNSIGNED = BatchProof(size=1, index=0, signature="-")  # replaced before any answer leaves `make_answers`


@dataclass(frozen=True)
class Draft:
    """One answer before sealing and signing: to whom, and what."""

    processing_number: str
    requester_agency_code: str
    requester_sealing_public_key: str
    status: AnswerStatus
    payload: AnswerPayload | None = None
    message: str = ""


def make_answers(
    drafts: Sequence[Draft],
    *,
    provider_agency_code: str,
    signing_key: signing.Ed25519PrivateKey,
    provided_at: dt.datetime | None = None,
) -> list[ProvidedAnswer]:
    """The provider's answers to a batch, in order: each payload sealed to its requester (one key agreement per
    requester), the whole batch signed once (`renkei.protocol.batch_signing`)."""
    at = provided_at or clock.now()
    sealers: dict[str, sealing.BatchSealer] = {}
    unsigned: list[ProvidedAnswer] = []
    for draft in drafts:
        if draft.status == "provided" and draft.payload is None:
            raise Invalid("提供する回答の内容がありません", record=draft.processing_number, field="payload")
        sealed = ""
        if draft.payload is not None:
            if draft.payload.processing_number != draft.processing_number:
                raise Invalid(
                    "回答の処理通番が照会と一致しません", record=draft.processing_number, field="処理通番"
                )
            key = draft.requester_sealing_public_key
            sealer = sealers.get(key) or sealers.setdefault(key, sealing.BatchSealer(key))
            sealed = sealer.seal_json(
                draft.payload.model_dump(mode="json"),
                context=answer_context(
                    draft.processing_number, provider_agency_code, draft.requester_agency_code
                ),
            )
        unsigned.append(
            ProvidedAnswer(
                processing_number=draft.processing_number,
                provider_agency_code=provider_agency_code,
                status=draft.status,
                sealed_payload=sealed,
                message=draft.message,
                provided_at=at,
                proof=_UNSIGNED,
            )
        )
    proofs = sign_batch(
        signing_key,
        purpose=ANSWER_BATCH,
        signer=provider_agency_code,
        leaves=[answer.leaf() for answer in unsigned],
    )
    return [
        answer.model_copy(update={"proof": proof}) for answer, proof in zip(unsigned, proofs, strict=True)
    ]


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
