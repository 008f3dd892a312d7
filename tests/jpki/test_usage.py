"""Using the card: login with the 利用者証明用 certificate, CMS and PDF signatures, and the validators that accept them."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io

import pytest
from asn1crypto import cms, crl, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_detached_cms, validate_pdf_signature
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import RevokedError

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Unauthenticated
from renkei.jpki import service
from renkei.protocol.jpki import JpkiClient, LoginResponse
from renkei.runtime import Runtime
from tests.jpki.builders import AUTH_PIN, SIGN_PIN, ca_ders, check, der_of, issue


def _context(runtime: Runtime, *, crls: bool = True) -> ValidationContext:
    ders = ca_ders(runtime)
    lists = []
    if crls:
        with runtime.session("jpki") as session:
            # The certificates name a delta CRL (Freshest CRL), so a hard-fail validator needs it beside the base.
            for role, delta in (
                ("root", False),
                ("sign", False),
                ("sign", True),
                ("auth", False),
                ("auth", True),
            ):
                published = service.publish_crl(session, settings=runtime.settings, role=role, delta=delta)
                lists.append(crl.CertificateList.load(published.der))
    return ValidationContext(
        trust_roots=[x509.Certificate.load(ders["root"])],
        other_certs=[x509.Certificate.load(ders["sign"]), x509.Certificate.load(ders["auth"])],
        crls=lists,
        revocation_mode="hard-fail" if crls else "soft-fail",
    )


def test_pyhanko_certvalidator_accepts_a_good_certificate_and_rejects_a_revoked_one(runtime: Runtime) -> None:
    good, bad = issue(runtime, 1), issue(runtime, 2)
    good_der, bad_der = der_of(runtime, good.card_number, "sign"), der_of(runtime, bad.card_number, "sign")
    with runtime.session("jpki") as session:
        service.revoke(
            session, card_number=bad.card_number, kind="sign", reason="key-compromise", check=check(2)
        )
    context = _context(runtime)
    path = asyncio.run(
        CertificateValidator(
            x509.Certificate.load(good_der), validation_context=context
        ).async_validate_usage({"digital_signature", "non_repudiation"})
    )
    assert len(path) == 3
    with pytest.raises(RevokedError):
        asyncio.run(
            CertificateValidator(
                x509.Certificate.load(bad_der), validation_context=context
            ).async_validate_usage({"digital_signature"})
        )


def test_login_with_the_authentication_certificate(runtime: Runtime) -> None:
    card = issue(runtime)
    client = JpkiClient(runtime.transport)
    challenge = client.login_challenge(audience="マイナポータル")
    with runtime.session("jpki") as session:
        response = service.card_login_response(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            pin=AUTH_PIN,
            challenge=challenge,
        )
    result = client.login_complete(response)
    assert result.serial == card.auth_serial and result.audience == "マイナポータル"
    with pytest.raises(Conflict, match="使用済み"):
        client.login_complete(response)


def test_a_whole_login_runs_over_the_protocol_with_the_simulated_card_reader(runtime: Runtime) -> None:
    card = issue(runtime)
    client = JpkiClient(runtime.transport)
    challenge = client.login_challenge(audience="マイナポータル")
    with pytest.raises(Unauthenticated, match="あと2回"):
        client.card_login_response(card_number=card.card_number, pin="0000", challenge=challenge)
    response = client.card_login_response(card_number=card.card_number, pin=AUTH_PIN, challenge=challenge)
    assert client.login_complete(response).serial == card.auth_serial


def test_login_is_refused_for_a_wrong_signature_an_old_challenge_or_a_held_card(runtime: Runtime) -> None:
    card = issue(runtime)
    client = JpkiClient(runtime.transport)
    challenge = client.login_challenge(audience="コンビニ交付")
    with runtime.session("jpki") as session:
        response = service.card_login_response(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            pin=AUTH_PIN,
            challenge=challenge,
        )
    other = client.login_challenge(audience="コンビニ交付")
    with pytest.raises(Unauthenticated, match="署名"):
        client.login_complete(LoginResponse(**{**response.model_dump(), "challenge_id": other.challenge_id}))
    later = clock.now() + dt.timedelta(minutes=6)
    with clock.frozen(later), pytest.raises(Forbidden, match="有効期限"):
        client.login_complete(response)
    with runtime.session("jpki") as session:
        service.suspend(session, card_number=card.card_number)
    with pytest.raises(Forbidden, match="一時停止"):
        client.login_complete(response)


def test_the_signing_certificate_cannot_log_in(runtime: Runtime) -> None:
    card = issue(runtime)
    client = JpkiClient(runtime.transport)
    challenge = client.login_challenge(audience="portal")
    response = LoginResponse(
        challenge_id=challenge.challenge_id,
        certificate=base64.b64encode(der_of(runtime, card.card_number, "sign")).decode(),
        signature="AAAA",
    )
    with pytest.raises(Forbidden, match="利用者証明用"):
        client.login_complete(response)


def test_a_detached_cms_signature_made_on_the_card_validates_with_pyhanko(runtime: Runtime) -> None:
    card = issue(runtime)
    document = "申請書：住所変更届\n".encode() * 50
    with runtime.session("jpki") as session:
        signed = service.sign_detached(
            session, settings=runtime.settings, card_number=card.card_number, pin=SIGN_PIN, data=document
        )
    content = cms.ContentInfo.load(signed)
    assert content["content"]["encap_content_info"]["content"].native is None  # detached
    status = asyncio.run(
        async_validate_detached_cms(document, content["content"], signer_validation_context=_context(runtime))
    )
    assert status.intact and status.valid and status.trusted
    tampered = asyncio.run(
        async_validate_detached_cms(
            document + b"!", content["content"], signer_validation_context=_context(runtime, crls=False)
        )
    )
    assert not tampered.intact


def test_a_pdf_signed_with_the_card_validates_with_pyhanko(runtime: Runtime) -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "renkei JPKI test document")
    page.save()
    card = issue(runtime)
    with runtime.session("jpki") as session:
        signed = service.sign_pdf(
            session,
            settings=runtime.settings,
            card_number=card.card_number,
            pin=SIGN_PIN,
            pdf=buffer.getvalue(),
        )
    reader = PdfFileReader(io.BytesIO(signed))
    (embedded,) = reader.embedded_signatures
    status = validate_pdf_signature(embedded, signer_validation_context=_context(runtime))
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.serial_number == int(card.sign_serial or "0", 16)


def test_a_wrong_signing_pin_signs_nothing(runtime: Runtime) -> None:
    card = issue(runtime)
    with runtime.session("jpki") as session, pytest.raises(Unauthenticated):
        service.sign_detached(
            session, settings=runtime.settings, card_number=card.card_number, pin="WRONG9", data=b"x"
        )
