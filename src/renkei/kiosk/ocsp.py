"""The center's OCSP check of a 利用者証明用 certificate (RFC 6960): request with a nonce, verify the answer.

The answer must be signed by the issuing CA or by a responder certificate it issued for OCSP signing, echo the
nonce and name this certificate; anything else is treated as "cannot confirm" and the kiosk refuses.
"""

from __future__ import annotations

import os

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from renkei.core import clock
from renkei.protocol.kiosk import KioskJpki


def _verify(
    signer: x509.Certificate, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None
) -> bool:
    public = signer.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or algorithm is None:
        return False
    try:
        public.verify(signature, data, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        return False
    return True


def status(
    jpki: KioskJpki, certificate: x509.Certificate, issuer: x509.Certificate
) -> tuple[str, str | None]:
    """("good" | "revoked" | "hold" | "unknown" | "unverified", revocation reason name)."""
    nonce = os.urandom(16)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, issuer, hashes.SHA1())  # noqa: S303 - CertID hash per RFC 6960 profile
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
    )
    answer = ocsp.load_der_ocsp_response(jpki.ocsp(request.public_bytes(Encoding.DER)))
    if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return "unverified", None
    signer = issuer
    for candidate in answer.certificates:
        if candidate.issuer == issuer.subject and _verify(
            issuer, candidate.signature, candidate.tbs_certificate_bytes, candidate.signature_hash_algorithm
        ):
            try:
                usage = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except x509.ExtensionNotFound:
                continue
            if ExtendedKeyUsageOID.OCSP_SIGNING in usage:
                signer = candidate
    if not _verify(signer, answer.signature, answer.tbs_response_bytes, answer.signature_hash_algorithm):
        return "unverified", None
    try:
        echoed = answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        echoed = b""
    if echoed != nonce or answer.serial_number != certificate.serial_number:
        return "unverified", None
    if answer.next_update_utc is not None and answer.next_update_utc < clock.now():
        return "unverified", None
    if answer.certificate_status == ocsp.OCSPCertStatus.GOOD:
        return "good", None
    if answer.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        reason = answer.revocation_reason
        if reason == x509.ReasonFlags.certificate_hold:
            return "hold", reason.name
        return "revoked", reason.name if reason else None
    return "unknown", None
