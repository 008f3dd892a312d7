"""署名検証者 / 利用者証明検証者: registration (with 認定 for private businesses) and the verification service."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid, NotFound, Unauthenticated
from renkei.jpki import log
from renkei.jpki.models import Authority, Certificate, Holder, Verifier
from renkei.jpki.oids import REASON_LABELS, Reason
from renkei.protocol.jpki import (
    Basic4,
    VerificationResult,
    VerifierCredentials,
    VerifierRegistration,
    VerifierView,
)

CATEGORY_LABELS = {
    "administrative": "行政機関等",
    "court": "裁判所",
    "certified_ca": "認定認証事業者",
    "private": "民間事業者（主務大臣認定）",
    "platform": "プラットフォーム事業者（主務大臣認定）",
}


def register(session: Session, *, registration: VerifierRegistration) -> VerifierCredentials:
    """届出: a private business or platform must show its 主務大臣認定; returns the code and a one-time token."""
    if registration.category in ("private", "platform") and not (
        registration.certification and registration.certification.strip() and registration.certified_on
    ):
        raise Invalid(
            "民間事業者は主務大臣の認定番号と認定日が必要です",
            record=registration.name,
            field="certification",
        )
    code = f"V{secrets.randbelow(10**9):09d}"
    token = secrets.token_urlsafe(24)
    session.add(
        Verifier(
            code=code,
            name=registration.name,
            category=registration.category,
            purposes=sorted(set(registration.purposes)),
            certification=registration.certification,
            certified_on=registration.certified_on,
            token_digest=hashlib.sha256(token.encode()).digest(),
            active=True,
            registered_at=clock.now(),
        )
    )
    session.flush()
    log.append(session, "register_verifier", detail={"code": code, "category": registration.category})
    return VerifierCredentials(code=code, token=token)


def view(verifier: Verifier) -> VerifierView:
    return VerifierView(
        code=verifier.code,
        name=verifier.name,
        category=verifier.category,
        purposes=list(verifier.purposes),
        certification=verifier.certification,
        certified_on=verifier.certified_on,
        active=verifier.active,
    )


def list_verifiers(session: Session) -> list[VerifierView]:
    return [view(v) for v in session.scalars(sa.select(Verifier).order_by(Verifier.id))]


def authenticate(session: Session, credentials: VerifierCredentials) -> Verifier:
    verifier = session.scalar(sa.select(Verifier).where(Verifier.code == credentials.code))
    digest = hashlib.sha256(credentials.token.encode()).digest()
    if verifier is None or not hmac.compare_digest(verifier.token_digest, digest):
        raise Unauthenticated("届出のない検証者です", record=credentials.code, field="verifier")
    if not verifier.active:
        raise Forbidden("この検証者の届出は無効です", record=credentials.code, field="verifier")
    return verifier


def check_chain(
    session: Session, certificate_der: bytes, *, at: dt.datetime | None = None
) -> tuple[VerificationResult, Certificate | None]:
    """Chain (issued by a renkei JPKI CA, signature valid), validity at `at`, and revocation status."""
    at = at or clock.now()
    try:
        certificate = cx509.load_der_x509_certificate(certificate_der)
    except ValueError as exc:
        raise Invalid("証明書として読めません（DER）", field="certificate") from exc
    issuer = None
    for candidate in session.scalars(sa.select(Authority).where(Authority.role.in_(("sign", "auth")))):
        ca_cert = cx509.load_der_x509_certificate(candidate.certificate_der)
        if ca_cert.subject == certificate.issuer:
            issuer = (candidate, ca_cert)
            break
    serial = f"{certificate.serial_number:X}"
    if issuer is None:
        return VerificationResult(
            valid=False,
            status="unknown_issuer",
            serial=serial,
            message="発行者が公的個人認証サービスの認証局ではありません",
        ), None
    authority, ca_cert = issuer
    public = ca_cert.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    try:
        assert certificate.signature_hash_algorithm is not None
        public.verify(
            certificate.signature,
            certificate.tbs_certificate_bytes,
            padding.PKCS1v15(),
            certificate.signature_hash_algorithm,
        )
    except (InvalidSignature, AssertionError):
        return VerificationResult(
            valid=False, status="bad_signature", serial=serial, message="証明書の署名が検証できません"
        ), None
    root = session.get(Authority, authority.issuer_id) if authority.issuer_id else None
    chain = [certificate.subject.rfc4514_string(), ca_cert.subject.rfc4514_string()]
    if root is not None:
        chain.append(cx509.load_der_x509_certificate(root.certificate_der).subject.rfc4514_string())
    stored = (
        session.scalar(
            sa.select(Certificate).where(
                Certificate.authority_id == authority.id, Certificate.serial == certificate.serial_number
            )
        )
        if certificate.serial_number < 2**63
        else None
    )
    kind = authority.role
    if stored is None or stored.der != certificate_der:
        return VerificationResult(
            valid=False,
            status="unknown",
            kind=kind,
            serial=serial,
            chain=chain,
            message="認証局の発行記録にない証明書です",
        ), None
    if at < certificate.not_valid_before_utc:
        return VerificationResult(
            valid=False,
            status="not_yet_valid",
            kind=kind,
            serial=serial,
            chain=chain,
            message="有効期間の開始前です",
        ), stored
    if at > certificate.not_valid_after_utc:
        return VerificationResult(
            valid=False,
            status="expired",
            kind=kind,
            serial=serial,
            chain=chain,
            message="有効期間が満了しています",
        ), stored
    if stored.status != "good":
        assert stored.reason is not None
        return VerificationResult(
            valid=False,
            status=stored.status,
            kind=kind,
            serial=serial,
            chain=chain,
            reason=stored.reason,
            revoked_at=stored.revoked_at,
            message=f"{'一時停止中' if stored.status == 'hold' else '失効'}: {REASON_LABELS[Reason(stored.reason)]}",
        ), stored
    return VerificationResult(
        valid=True, status="good", kind=kind, serial=serial, chain=chain, message="有効な証明書です"
    ), stored


def verify(
    session: Session,
    *,
    credentials: VerifierCredentials,
    certificate_der: bytes,
    want_identity: bool = False,
    at: dt.datetime | None = None,
) -> VerificationResult:
    """The verification service: only registered verifiers, each only for the purposes it registered."""
    verifier = authenticate(session, credentials)
    result, stored = check_chain(session, certificate_der, at=at)
    if result.kind is not None and result.kind not in verifier.purposes:
        label = "署名検証者" if result.kind == "sign" else "利用者証明検証者"
        raise Forbidden(f"{label}として届け出ていない検証者です", record=verifier.code, field="purposes")
    if want_identity:
        if result.kind != "sign":
            raise Forbidden(
                "基本4情報は署名用電子証明書についてのみ提供します",
                record=verifier.code,
                field="want_identity",
            )
        if stored is not None and stored.holder_id is not None:
            holder = session.get(Holder, stored.holder_id)
            if holder is None:
                raise NotFound("名義人の記録がありません", record=result.serial, field="holder")
            result.identity = Basic4(
                name=holder.name,
                address=holder.address,
                birth_date=holder.birth_date,
                sex=holder.sex,
                former_surname=holder.former_surname,
            )
    return result


def verify_signature(certificate_der: bytes, data: bytes, signature: bytes) -> bool:
    certificate = cx509.load_der_x509_certificate(certificate_der)
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    try:
        public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
