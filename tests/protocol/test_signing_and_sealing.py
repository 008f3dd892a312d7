"""Signatures over canonical JSON and sealing to a recipient: tampering and the wrong key give clear errors."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from renkei.core.errors import Invalid
from renkei.protocol import sealing, signing
from renkei.protocol.answers import Draft, make_answers, open_answer
from renkei.protocol.keys import NodeKeys
from renkei.protocol.messages import AnswerPayload, ProvidedAnswer, QueryBatch, QueryItem, SealedCopy


def test_canonical_json_does_not_depend_on_key_order_and_keeps_japanese() -> None:
    assert signing.canonical_json({"b": 1, "a": "日本"}) == signing.canonical_json({"a": "日本", "b": 1})
    assert signing.canonical_json({"a": "日本"}) == '{"a":"日本"}'.encode()
    with pytest.raises(TypeError):
        signing.canonical_json(1.5)


def test_a_signature_verifies_and_a_tampered_payload_is_rejected() -> None:
    key = signing.generate_signing_key()
    signature = signing.sign(key, {"processing_number": "1", "tm": "TM00000000000002"})
    signing.verify(
        signing.public_key_pem(key), {"tm": "TM00000000000002", "processing_number": "1"}, signature
    )
    with pytest.raises(Invalid) as caught:
        signing.verify(key.public_key(), {"processing_number": "2", "tm": "TM00000000000002"}, signature)
    assert caught.value.field == "signature" and "改ざん" in caught.value.message
    with pytest.raises(Invalid):
        signing.verify(signing.generate_signing_key().public_key(), {"processing_number": "1"}, signature)
    with pytest.raises(Invalid):
        signing.verify(key.public_key(), {"processing_number": "1"}, "not base64!")


def test_keys_survive_pem_and_derivation_is_deterministic() -> None:
    key = signing.generate_signing_key()
    again = signing.load_signing_private_key(signing.private_key_pem(key))
    assert signing.public_key_pem(again) == signing.public_key_pem(key)
    assert signing.key_id(key) == signing.key_id(signing.public_key_pem(key))
    assert (
        NodeKeys.derive(b"k" * 32, "lg131016").signing_public_pem
        == NodeKeys.derive(b"k" * 32, "lg131016").signing_public_pem
    )
    assert (
        NodeKeys.derive(b"k" * 32, "lg131016").sealing_public_pem
        != NodeKeys.derive(b"k" * 32, "lg131121").sealing_public_pem
    )
    sealed_key = sealing.generate_sealing_key()
    loaded = sealing.load_sealing_private_key(sealing.sealing_private_key_pem(sealed_key))
    assert sealing.sealing_public_key_pem(loaded) == sealing.sealing_public_key_pem(sealed_key)
    with pytest.raises(Invalid):
        signing.load_signing_public_key(sealing.sealing_public_key_pem(sealed_key))
    with pytest.raises(Invalid):
        sealing.load_sealing_public_key("garbage")


def test_only_the_recipient_can_open_a_sealed_message() -> None:
    recipient, other = sealing.generate_sealing_key(), sealing.generate_sealing_key()
    blob = sealing.seal_json(sealing.sealing_public_key_pem(recipient), {"均等割": 5000}, context=b"q1")
    assert sealing.open_json(recipient, blob, context=b"q1") == {"均等割": 5000}
    assert "5000" not in blob
    with pytest.raises(Invalid) as caught:
        sealing.open_json(other, blob, context=b"q1")
    assert caught.value.field == "sealed_payload" and "別の宛先" in caught.value.message
    with pytest.raises(Invalid) as caught:
        sealing.open_json(recipient, blob, context=b"q2")  # replayed under another query
    assert "開けません" in caught.value.message
    raw = bytearray(sealing.seal(recipient.public_key(), b"x"))
    raw[-1] ^= 1
    with pytest.raises(Invalid):
        sealing.open_sealed(recipient, bytes(raw))
    with pytest.raises(Invalid):
        sealing.open_sealed(recipient, b"\x01short")


PROVIDER = "0220113101601700"
REQUESTER = "0220113112101700"


def _draft(requester: NodeKeys, number: str = "20260601000000000001", **changes: object) -> Draft:
    payload = AnswerPayload(
        processing_number=number,
        tm_code="TM00000000000002",
        copies=[SealedCopy(dataset="0101", version="0002", items={"TK00000200000310": 5000})],
    )
    values: dict[str, object] = {
        "processing_number": number,
        "requester_agency_code": REQUESTER,
        "requester_sealing_public_key": requester.sealing_public_pem,
        "status": "provided",
        "payload": payload,
    }
    return Draft(**(values | changes))  # type: ignore[arg-type]


def _open(answer: ProvidedAnswer, requester: NodeKeys, provider_pem: str) -> AnswerPayload | None:
    return open_answer(
        answer,
        requester_agency_code=REQUESTER,
        sealing_key=requester.sealing,
        provider_signing_public_key=provider_pem,
    )


def test_an_answer_is_opened_only_by_the_requester_and_checked_against_the_provider() -> None:
    requester, provider, stranger = NodeKeys.generate(), NodeKeys.generate(), NodeKeys.generate()
    draft = _draft(requester)
    (answer,) = make_answers([draft], provider_agency_code=PROVIDER, signing_key=provider.signing)
    assert _open(answer, requester, provider.signing_public_pem) == draft.payload
    with pytest.raises(Invalid):  # signed by someone else
        _open(answer, requester, stranger.signing_public_pem)
    with pytest.raises(Invalid):  # sealed to someone else
        _open(answer, stranger, provider.signing_public_pem)
    with pytest.raises(Invalid):
        _open(answer.model_copy(update={"status": "not_found"}), requester, provider.signing_public_pem)
    (empty,) = make_answers(
        [_draft(requester, status="not_found", payload=None)],
        provider_agency_code=PROVIDER,
        signing_key=provider.signing,
    )
    assert _open(empty, requester, provider.signing_public_pem) is None
    with pytest.raises(Invalid):
        make_answers(
            [_draft(requester, payload=None)], provider_agency_code=PROVIDER, signing_key=provider.signing
        )


def test_a_batch_of_answers_shares_one_signature_and_one_key_agreement_and_each_opens_alone() -> None:
    requester, provider = NodeKeys.generate(), NodeKeys.generate()
    drafts = [_draft(requester, f"2026060100000000000{i}") for i in range(1, 8)]
    answers = make_answers(drafts, provider_agency_code=PROVIDER, signing_key=provider.signing)
    assert len({a.proof.signature for a in answers}) == 1
    blobs = [base64.b64decode(a.sealed_payload) for a in answers]
    assert len({b[9:41] for b in blobs}) == 1  # one ephemeral key for the batch
    assert len({b[41:53] for b in blobs}) == len(blobs)  # a nonce of its own for each answer
    for draft, answer in zip(drafts, answers, strict=True):
        assert _open(answer, requester, provider.signing_public_pem) == draft.payload
    # an answer presented as another of the batch does not open (its 処理通番 is bound as associated data)
    swapped = answers[0].model_copy(update={"processing_number": answers[1].processing_number})
    with pytest.raises(Invalid):
        _open(swapped, requester, provider.signing_public_pem)


def test_a_batch_signed_by_the_hub_verifies_and_an_unsigned_one_does_not() -> None:
    hub = signing.generate_signing_key()
    batch = QueryBatch(
        requester_agency_code=REQUESTER,
        requested_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
        requests=[
            QueryItem(
                request_id="r1",
                requester_sign="A" * 32,
                jimu_code="JM01074000000000",
                procedure_code="JT01074000000001",
                provider_agency_code=PROVIDER,
                tm_code="TM00000000000002",
            )
        ],
    )
    batch.signed(hub).verify(signing.public_key_pem(hub))
    with pytest.raises(Invalid) as caught:
        batch.verify(signing.public_key_pem(hub))
    assert caught.value.message == "署名がありません"
