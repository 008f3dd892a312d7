"""Signatures over canonical JSON and sealing to a recipient: tampering and the wrong key give clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core.errors import Invalid
from renkei.protocol import sealing, signing
from renkei.protocol.answers import make_answer, open_answer
from renkei.protocol.keys import NodeKeys
from renkei.protocol.messages import AnswerPayload, ForwardedQuery, SealedCopy


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


def _forwarded(requester: NodeKeys) -> ForwardedQuery:
    return ForwardedQuery(
        processing_number="20260601000000000001",
        provider_agency_code="0220113101601700",
        provider_sign="A" * 32,
        jimu_code="JM01074000000000",
        procedure_code="JT01074000000001",
        tm_code="TM00000000000002",
        requester_agency_code="0220113112101700",
        requester_name="東京都世田谷区",
        requester_sealing_public_key=requester.sealing_public_pem,
        requested_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    )


def test_an_answer_is_opened_only_by_the_requester_and_checked_against_the_provider() -> None:
    requester, provider, stranger = NodeKeys.generate(), NodeKeys.generate(), NodeKeys.generate()
    forwarded = _forwarded(requester)
    payload = AnswerPayload(
        processing_number=forwarded.processing_number,
        tm_code=forwarded.tm_code,
        copies=[SealedCopy(dataset="0101", version="0002", items={"TK00000200000310": 5000})],
    )
    answer = make_answer(forwarded, status="provided", payload=payload, signing_key=provider.signing)
    opened = open_answer(
        answer,
        requester_agency_code=forwarded.requester_agency_code,
        sealing_key=requester.sealing,
        provider_signing_public_key=provider.signing_public_pem,
    )
    assert opened == payload
    with pytest.raises(Invalid):  # signed by someone else
        open_answer(
            answer,
            requester_agency_code=forwarded.requester_agency_code,
            sealing_key=requester.sealing,
            provider_signing_public_key=stranger.signing_public_pem,
        )
    with pytest.raises(Invalid):  # sealed to someone else
        open_answer(
            answer,
            requester_agency_code=forwarded.requester_agency_code,
            sealing_key=stranger.sealing,
            provider_signing_public_key=provider.signing_public_pem,
        )
    tampered = answer.model_copy(update={"status": "not_found"})
    with pytest.raises(Invalid):
        open_answer(
            tampered,
            requester_agency_code=forwarded.requester_agency_code,
            sealing_key=requester.sealing,
            provider_signing_public_key=provider.signing_public_pem,
        )
    empty = make_answer(forwarded, status="not_found", payload=None, signing_key=provider.signing)
    assert (
        open_answer(
            empty,
            requester_agency_code=forwarded.requester_agency_code,
            sealing_key=requester.sealing,
            provider_signing_public_key=provider.signing_public_pem,
        )
        is None
    )
    with pytest.raises(Invalid):
        make_answer(forwarded, status="provided", payload=None, signing_key=provider.signing)


def test_a_forwarded_query_signed_by_the_hub_verifies_and_an_unsigned_one_does_not() -> None:
    hub = signing.generate_signing_key()
    forwarded = _forwarded(NodeKeys.generate())
    forwarded.signed(hub).verify(signing.public_key_pem(hub))
    with pytest.raises(Invalid) as caught:
        forwarded.verify(signing.public_key_pem(hub))
    assert caught.value.message == "署名がありません"
