"""The municipality's electronic seal: a test 組織認証局 and 市区町村長 certificate, PAdES signing and verification.

LGPKI (J-LIS) issues real 職責証明書; renkei makes a self-contained test hierarchy per municipality, named as a
renkei test CA, and keeps the private key sealed under a key derived from the node's configured secret.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy.orm import Session

from renkei.certificates.models import CertificatesSealKey
from renkei.core import clock
from renkei.core.crypto import Sealer, derive_key
from renkei.core.settings import Settings


def _sealer(settings: Settings) -> Sealer:
    return Sealer(derive_key(settings.secret("mynumber_key"), "certificates electronic seal key"))


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _build(
    subject: x509.Name, issuer: x509.Name, public: rsa.RSAPublicKey, signer: rsa.RSAPrivateKey, *, ca: bool
) -> x509.Certificate:
    now = clock.now().replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * (10 if ca else 5)))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    return builder.sign(signer, hashes.SHA256())


def ensure_seal(
    session: Session, *, lg_code: str, municipality: str, settings: Settings
) -> CertificatesSealKey:
    """The municipality's seal, made once (RSA 2048, SHA-256)."""
    existing = session.get(CertificatesSealKey, lg_code)
    if existing is not None:
        return existing
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = _name("renkei test 組織認証局（試験用・実在しない）", "renkei test LGPKI")
    root = _build(root_name, root_name, root_key.public_key(), root_key, ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = _build(
        _name(f"{municipality}長（renkei試験用）", municipality),
        root_name,
        key.public_key(),
        root_key,
        ca=False,
    )
    pkcs8 = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    row = CertificatesSealKey(
        lg_code=lg_code,
        root_der=root.public_bytes(serialization.Encoding.DER),
        certificate_der=certificate.public_bytes(serialization.Encoding.DER),
        key_sealed=_sealer(settings).encrypt(pkcs8, lg_code.encode()),
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def seal_pdf(seal: CertificatesSealKey, pdf: bytes, *, settings: Settings, reason: str) -> bytes:
    """PAdES (ETSI.CAdES.detached) signature by the 市区町村長 certificate, with the chain embedded."""
    pkcs8 = _sealer(settings).decrypt(seal.key_sealed, seal.lg_code.encode())
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(seal.certificate_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(pkcs8),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(seal.root_der)]),  # type: ignore[no-untyped-call]
    )
    meta = signers.PdfSignatureMetadata(
        field_name="MunicipalSeal",
        reason=reason,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    output = asyncio.run(signers.async_sign_pdf(writer, meta, signer=signer))
    return bytes(output.getvalue())


@dataclass(frozen=True)
class SealCheck:
    intact: bool
    valid: bool
    trusted: bool
    signer: str
    modified_after_signing: bool
    summary: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.modified_after_signing


def verify_pdf(pdf: bytes, *, root_der: bytes) -> SealCheck:
    """Check the seal with pyHanko against the municipality's root; an altered file shows as not intact or modified."""
    reader = PdfFileReader(io.BytesIO(pdf))
    if not reader.embedded_signatures:
        return SealCheck(False, False, False, "", True, "電子署名がありません")
    embedded = reader.embedded_signatures[0]
    context = ValidationContext(trust_roots=[asn1_x509.Certificate.load(root_der)])
    status = validate_pdf_signature(embedded, context)
    modified = status.coverage is None or status.coverage.name != "ENTIRE_FILE"
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    return SealCheck(
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer=signer,
        modified_after_signing=modified,
        summary=status.summary(),
    )
