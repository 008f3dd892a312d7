"""Checking a detached CMS SignedData (RFC 5652) made with a JPKI 署名用 certificate, without trusting the sender.

`verify_detached` recomputes the message digest of the content, checks it against the signed attributes and
checks the RSA signature over the DER of those attributes (RFC 5652 §5.4: the SET OF tag, not the [0] tag);
it returns the signer's certificate and the signing time for the caller's chain and status checks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from renkei.core.errors import Invalid


@dataclass(frozen=True)
class SignedDocument:
    certificate_der: bytes
    serial: str  # upper-case hex
    signing_time: dt.datetime | None


def verify_detached(cms_der: bytes, content: bytes, *, record: str | None = None) -> SignedDocument:
    try:
        info = cms.ContentInfo.load(cms_der)
        if info["content_type"].native != "signed_data":
            raise Invalid("CMS SignedData ではありません", record=record, field="signature")
        signed = info["content"]
        signer = signed["signer_infos"][0]
        serial = signer["sid"].chosen["serial_number"].native
        certificate = next(
            c.chosen
            for c in signed["certificates"]
            if c.name == "certificate" and c.chosen.serial_number == serial
        )
        attributes = signer["signed_attrs"]
        values = {a["type"].native: a["values"][0].native for a in attributes}
        algorithm = signer["digest_algorithm"]["algorithm"].native
        signature = signer["signature"].native
        to_verify = b"\x31" + attributes.dump()[1:]
    except (ValueError, KeyError, StopIteration, TypeError) as exc:
        raise Invalid(
            f"署名（CMS）を読めません（{exc.__class__.__name__}）", record=record, field="signature"
        ) from exc
    if algorithm != "sha256":
        raise Invalid("署名のダイジェストは SHA-256 のみです", record=record, field="signature")
    if values.get("message_digest") != hashlib.sha256(content).digest():
        raise Invalid("署名された内容と申請内容が一致しません（改ざん）", record=record, field="signature")
    der = certificate.dump()
    public_key = x509.load_der_x509_certificate(der).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise Invalid("RSA鍵の証明書ではありません", record=record, field="signature")
    try:
        public_key.verify(signature, to_verify, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise Invalid("電子署名が検証できません", record=record, field="signature") from None
    signing_time = values.get("signing_time")
    return SignedDocument(
        certificate_der=der,
        serial=f"{serial:X}",
        signing_time=signing_time if isinstance(signing_time, dt.datetime) else None,
    )
