"""Verifiers: registration with 認定 for private businesses, and the verification service they call."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from pydantic import ValidationError

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid, Unauthenticated
from renkei.jpki import service
from renkei.protocol.jpki import (
    JpkiClient,
    VerificationRequest,
    VerifierCredentials,
    VerifierRegistration,
)
from renkei.runtime import Runtime
from tests.jpki.builders import ca_ders, der_of, event, issue, person


def _register(client: JpkiClient, **values: object) -> VerifierCredentials:
    data: dict[str, object] = {
        "name": "株式会社テスト銀行",
        "category": "private",
        "purposes": ["sign", "auth"],
        "certification": "総務省認定第0001号",
        "certified_on": dt.date(2024, 4, 1),
    }
    data.update(values)
    return client.register_verifier(VerifierRegistration.model_validate(data))


def _verify(client: JpkiClient, who: VerifierCredentials, der: bytes, *, identity: bool = False) -> object:
    return client.verify(
        VerificationRequest(verifier=who, certificate=base64.b64encode(der).decode(), want_identity=identity)
    )


def test_a_private_business_needs_its_certification(runtime: Runtime) -> None:
    client = JpkiClient(runtime.transport)
    with pytest.raises(Invalid, match="認定") as caught:
        _register(client, certification=None)
    assert caught.value.field == "certification"
    assert _register(client).code.startswith("V")
    assert _register(client, category="administrative", certification=None, certified_on=None).code


def test_a_registration_needs_a_purpose() -> None:
    with pytest.raises(ValidationError):
        VerifierRegistration(name="x", category="court", purposes=[])


def test_a_verifier_gets_status_and_the_current_four_items_after_a_move(runtime: Runtime) -> None:
    card = issue(runtime)
    der = der_of(runtime, card.card_number, "sign")
    client = JpkiClient(runtime.transport)
    bank = _register(client)
    result = client.verify(VerificationRequest(verifier=bank, certificate=base64.b64encode(der).decode()))
    assert result.valid and result.status == "good" and len(result.chain) == 3 and result.identity is None
    moved = person(address="東京都世田谷区世田谷4丁目21番27号")
    client.notify_identity_change(event("address_change", who=moved))
    after = client.verify(
        VerificationRequest(verifier=bank, certificate=base64.b64encode(der).decode(), want_identity=True)
    )
    assert not after.valid and after.status == "revoked" and after.reason == 3
    assert after.identity is not None and after.identity.address == moved.address


def test_unregistered_or_wrongly_registered_verifiers_are_refused(runtime: Runtime) -> None:
    card = issue(runtime)
    client = JpkiClient(runtime.transport)
    with pytest.raises(Unauthenticated):
        _verify(
            client,
            VerifierCredentials(code="V000000000", token="nope"),
            der_of(runtime, card.card_number, "sign"),
        )
    auth_only = _register(client, purposes=["auth"])
    with pytest.raises(Forbidden, match="署名検証者"):
        _verify(client, auth_only, der_of(runtime, card.card_number, "sign"))
    with pytest.raises(Forbidden, match="署名用電子証明書についてのみ"):
        _verify(client, auth_only, der_of(runtime, card.card_number, "auth"), identity=True)


def test_expired_foreign_and_garbage_certificates(runtime: Runtime) -> None:
    card = issue(runtime)
    client = JpkiClient(runtime.transport)
    who = _register(client)
    der = der_of(runtime, card.card_number, "auth")
    with clock.frozen(dt.datetime(2040, 1, 1, tzinfo=dt.UTC)):
        assert _verify(client, who, der).status == "expired"  # type: ignore[attr-defined]
    root = ca_ders(runtime)["root"]
    assert _verify(client, who, root).status == "unknown_issuer"  # type: ignore[attr-defined]
    with pytest.raises(Invalid, match="証明書として読めません"):
        _verify(client, who, b"garbage")


def test_a_certificate_forged_with_another_key_fails_the_signature_check(runtime: Runtime) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    issue(runtime)
    sign_ca = x509.load_der_x509_certificate(ca_ders(runtime)["sign"])
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    forged = (
        x509.CertificateBuilder()
        .subject_name(sign_ca.subject)
        .issuer_name(sign_ca.subject)
        .public_key(key.public_key())
        .serial_number(5)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    client = JpkiClient(runtime.transport)
    result = _verify(client, _register(client), forged.public_bytes(serialization.Encoding.DER))
    assert result.status == "bad_signature"  # type: ignore[attr-defined]
    with runtime.session("jpki") as session:
        assert [v.name for v in service.list_verifiers(session)] == ["株式会社テスト銀行"]
