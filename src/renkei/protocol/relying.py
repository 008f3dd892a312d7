"""A relying party's checks of a JPKI certificate: chain to the JPKI CAs, validity, signature, status by OCSP.

Neither the portal nor a municipality takes jpki's word: they check the signature, the chain up to the root
they were given, the validity period, and ask the OCSP responder (RFC 6960) with a fresh nonce, checking the
responder's delegation (RFC 6960 §4.2.2.2) and signature before believing its answer. The signed OCSP answer is
kept as evidence (`OcspEvidence`) so that someone else can check later what the status was at signing time.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid, Unauthenticated, Unavailable
from renkei.core.wareki import both
from renkei.protocol.jpki import JpkiClient

WINDOW = "市区町村の窓口でお手続きください"
REASONS = {
    x509.ReasonFlags.key_compromise: "鍵の危殆化",
    x509.ReasonFlags.affiliation_changed: "記載事項の変更",
    x509.ReasonFlags.superseded: "更新",
    x509.ReasonFlags.cessation_of_operation: "廃止",
    x509.ReasonFlags.privilege_withdrawn: "失効",
}


@dataclass(frozen=True)
class OcspEvidence:
    """A signed OCSP answer and the nonce asked with it: proof of a certificate's status at a moment."""

    response_der: bytes
    nonce: bytes
    produced_at: dt.datetime


@dataclass(frozen=True)
class CheckedCertificate:
    serial: str  # upper-case hex, as jpki writes it
    not_after: dt.datetime
    ocsp_status: str  # good
    evidence: OcspEvidence | None = None


def _load(der: bytes, what: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise Invalid(f"{what}を読めません（DERではありません）", field="certificate") from exc


def _issued_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


class CertificateChecker:
    """Holds the JPKI CA certificates (fetched once) and checks one login certificate at a time."""

    def __init__(self, jpki: JpkiClient) -> None:
        self._jpki = jpki
        self._cas: dict[str, x509.Certificate] = {}

    def authorities(self) -> dict[str, x509.Certificate]:
        if not self._cas:
            fetched = {role: _load(der, "認証局証明書") for role, der in self._jpki.ca_certificates().items()}
            root = fetched.get("root")
            if root is None or not _issued_by(root, root):
                raise Unavailable("JPKIのルート認証局証明書を確認できません", record="jpki")
            for role in ("auth", "sign"):
                if role not in fetched or not _issued_by(fetched[role], root):
                    raise Unavailable(
                        f"JPKIの{role}認証局証明書がルートから発行されていません", record="jpki"
                    )
            self._cas = fetched
        return self._cas

    def check(
        self, certificate_der: bytes, *, message: bytes, signature: bytes, role: str = "auth"
    ) -> CheckedCertificate:
        """Refuse (with a message naming why) unless the card signed `message` with a valid, good certificate."""
        certificate = _load(certificate_der, "電子証明書")
        public_key = certificate.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise Forbidden(
                "RSA鍵の証明書ではありません", record=f"{certificate.serial_number:X}", field="certificate"
            )
        try:
            public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise Unauthenticated(
                "カードの署名を検証できません", record=f"{certificate.serial_number:X}", field="signature"
            ) from None
        return self.check_certificate(certificate_der, role=role)

    def check_certificate(self, certificate_der: bytes, *, role: str) -> CheckedCertificate:
        """Chain, validity and OCSP status of a certificate whose signature the caller has already checked."""
        certificate = _load(certificate_der, "電子証明書")
        serial = f"{certificate.serial_number:X}"
        label = "利用者証明用電子証明書" if role == "auth" else "署名用電子証明書"
        issuer = self.authorities()[role]
        if not _issued_by(certificate, issuer):
            raise Forbidden(
                f"{label}ではないか、JPKIの認証局が発行したものではありません",
                record=serial,
                field="certificate",
            )
        now = clock.now()
        if certificate.not_valid_after_utc <= now:
            until = both(certificate.not_valid_after_utc.astimezone(clock.JST).date())
            raise Forbidden(
                f"{label}の有効期限が切れています（{until}まで）。{WINDOW}（更新）",
                record=serial,
                field="not_after",
            )
        if certificate.not_valid_before_utc > now:
            raise Forbidden(f"{label}の有効期間がまだ始まっていません", record=serial, field="not_before")
        evidence = self._status(certificate, issuer, serial=serial, label=label)
        return CheckedCertificate(
            serial=serial, not_after=certificate.not_valid_after_utc, ocsp_status="good", evidence=evidence
        )

    def status_at(self, certificate_der: bytes, evidence: OcspEvidence, *, role: str) -> str:
        """Re-check kept evidence: the status (good | hold | revoked | unknown) the responder signed then."""
        certificate = _load(certificate_der, "電子証明書")
        issuer = self.authorities()[role]
        serial = f"{certificate.serial_number:X}"
        if not _issued_by(certificate, issuer):
            raise Forbidden("JPKIの認証局が発行した証明書ではありません", record=serial, field="certificate")
        try:
            response = ocsp.load_der_ocsp_response(evidence.response_der)
        except ValueError as exc:
            raise Invalid("OCSP応答を読めません", record=serial, field="ocsp") from exc
        self._check_response(response, issuer, nonce=evidence.nonce, serial=serial, at=evidence.produced_at)
        status = response.certificate_status
        if status == ocsp.OCSPCertStatus.GOOD:
            return "good"
        if status == ocsp.OCSPCertStatus.REVOKED:
            return "hold" if response.revocation_reason == x509.ReasonFlags.certificate_hold else "revoked"
        return "unknown"

    def _status(
        self, certificate: x509.Certificate, issuer: x509.Certificate, *, serial: str, label: str
    ) -> OcspEvidence:
        nonce = os.urandom(16)
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(certificate, issuer, hashes.SHA1())  # noqa: S303 - CertID hash (RFC 6960 §4.1.1)
            .add_extension(x509.OCSPNonce(nonce), critical=False)
            .build()
        )
        try:
            response = ocsp.load_der_ocsp_response(
                self._jpki.ocsp(request.public_bytes(serialization.Encoding.DER))
            )
        except ValueError as exc:
            raise Unavailable("OCSPの応答を読めません", record=serial, field="ocsp") from exc
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise Unavailable(
                f"OCSPレスポンダが状態を答えませんでした（{response.response_status.name}）",
                record=serial,
                field="ocsp",
            )
        self._check_response(response, issuer, nonce=nonce, serial=serial)
        status = response.certificate_status
        if status == ocsp.OCSPCertStatus.GOOD:
            return OcspEvidence(
                response_der=response.public_bytes(serialization.Encoding.DER),
                nonce=nonce,
                produced_at=response.produced_at_utc,
            )
        if status == ocsp.OCSPCertStatus.REVOKED:
            if response.revocation_reason == x509.ReasonFlags.certificate_hold:
                raise Forbidden(
                    f"{label}は一時停止されています（紛失の届出など）。{WINDOW}（一時停止の解除）",
                    record=serial,
                    field="ocsp",
                )
            reason = REASONS.get(response.revocation_reason) if response.revocation_reason else None
            raise Forbidden(
                f"{label}は失効しています" + (f"（{reason}）" if reason else "") + f"。{WINDOW}（再発行）",
                record=serial,
                field="ocsp",
            )
        raise Forbidden(f"{label}の状態をOCSPで確認できません（unknown）", record=serial, field="ocsp")

    def _check_response(
        self,
        response: ocsp.OCSPResponse,
        issuer: x509.Certificate,
        *,
        nonce: bytes,
        serial: str,
        at: dt.datetime | None = None,
    ) -> None:
        signer = issuer
        if response.certificates:  # a delegated responder (RFC 6960 §4.2.2.2)
            signer = response.certificates[0]
            try:
                usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except x509.ExtensionNotFound:
                usage = x509.ExtendedKeyUsage([])
            if ExtendedKeyUsageOID.OCSP_SIGNING not in usage or not _issued_by(signer, issuer):
                raise Unavailable("OCSPレスポンダの証明書が認証局から委任されていません", record=serial)
        key = signer.public_key()
        algorithm = response.signature_hash_algorithm
        if not isinstance(key, rsa.RSAPublicKey) or algorithm is None:
            raise Unavailable("OCSP応答の署名方式に対応していません", record=serial)
        try:
            key.verify(response.signature, response.tbs_response_bytes, padding.PKCS1v15(), algorithm)
        except InvalidSignature:
            raise Unavailable("OCSP応答の署名が検証できません", record=serial, field="ocsp") from None
        if response.serial_number != int(serial, 16):
            raise Unavailable("OCSP応答が別の証明書についてのものです", record=serial, field="ocsp")
        try:
            answered = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            answered = None
        if answered != nonce:
            raise Unavailable(
                "OCSP応答のnonceが要求と一致しません（再送の疑い）", record=serial, field="ocsp"
            )
        now = at or clock.now()
        if response.this_update_utc > now + dt.timedelta(minutes=5) or (
            response.next_update_utc is not None and response.next_update_utc < now
        ):
            raise Unavailable("OCSP応答が古いか、時刻が合いません", record=serial, field="ocsp")
