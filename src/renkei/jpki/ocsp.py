"""The OCSP responder (RFC 6960): delegated responder certificate, nonces, good / revoked / unknown.

Answers without a nonce come from pre-produced responses (stored per CertID, cached in memory, dropped when
the CA's change sequence moves); a request with a nonce, or one with no fresh stored answer, is signed online.
Malformed requests get the malformedRequest status, never an exception.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from asn1crypto import algos, core, ocsp, x509
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.settings import Settings
from renkei.jpki import ca as ca_module
from renkei.jpki.models import Authority, Certificate, OcspResponse, Responder
from renkei.jpki.profiles import Signer

logger = logging.getLogger(__name__)

VALIDITY = dt.timedelta(hours=24)
MAX_REQUESTS = 16
# RFC 8954 §2.1: Nonce ::= OCTET STRING(SIZE(1..32)); a responder rejects other lengths with malformedRequest.
NONCE_MIN, NONCE_MAX = 1, 32
# RFC 5019 §6.2: how long an HTTP cache may keep a GET answer (capped so a revocation reaches cached clients
# within this, not at nextUpdate a day later; docs/decisions/0101).
GET_MAX_AGE = 60
# Distinct request encodings kept in memory; a client varying bytes on purpose only empties the cache, never fills RAM.
MAX_CACHED = 500_000

# OCSPResponse with only a status (RFC 6960 §4.2.1): SEQUENCE { ENUMERATED n }.
MALFORMED = bytes.fromhex("30030a0101")
INTERNAL_ERROR = bytes.fromhex("30030a0102")
UNAUTHORIZED = bytes.fromhex("30030a0106")

_HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}

SessionFactory = Callable[[], AbstractContextManager[Session]]


class Malformed(Exception):
    """The request is not a well-formed OCSPRequest we can answer."""


@dataclass(frozen=True)
class CertId:
    algorithm: str
    issuer_name_hash: bytes
    issuer_key_hash: bytes
    serial: int
    der: bytes

    @property
    def key(self) -> str:
        return f"{self.algorithm}:{self.issuer_key_hash.hex()}:{self.serial:x}"


@dataclass(frozen=True)
class ParsedRequest:
    cert_ids: list[CertId]
    nonce: bytes | None


@lru_cache(maxsize=8)
def _hash_identifiers(algorithm: str) -> frozenset[bytes]:
    """The two encodings of a hash AlgorithmIdentifier: parameters absent, or NULL (as OpenSSL sends them)."""
    return frozenset(
        algos.DigestAlgorithm(fields).dump()
        for fields in ({"algorithm": algorithm}, {"algorithm": algorithm, "parameters": core.Null()})
    )


def parse_request(body: bytes) -> ParsedRequest:
    try:
        request = ocsp.OCSPRequest.load(body, strict=True)
        tbs = request["tbs_request"]
        items = list(tbs["request_list"])
        if not items or len(items) > MAX_REQUESTS:
            raise Malformed("number of requests")
        cert_ids = []
        for item in items:
            req = item["req_cert"]
            algorithm = req["hash_algorithm"]["algorithm"].native
            if algorithm not in _HASHES:
                raise Malformed(f"hash {algorithm}")
            if req["hash_algorithm"].dump() not in _hash_identifiers(algorithm):
                # The CertID is echoed in the answer, so it must be one strict clients can read back: a hash
                # AlgorithmIdentifier has no parameters, or NULL ones (RFC 5754 §2), and nothing else.
                raise Malformed("hash algorithm parameters")
            cert_ids.append(
                CertId(
                    algorithm=algorithm,
                    issuer_name_hash=bytes(req["issuer_name_hash"].native),
                    issuer_key_hash=bytes(req["issuer_key_hash"].native),
                    serial=int(req["serial_number"].native),
                    der=req.dump(),
                )
            )
        nonce = None
        for extension in tbs["request_extensions"] or []:
            if extension["extn_id"].native == "nonce":
                nonce = bytes(extension["extn_value"].parsed.native)
                if not NONCE_MIN <= len(nonce) <= NONCE_MAX:
                    raise Malformed(f"nonce of {len(nonce)} octets (RFC 8954: 1 to 32)")
        return ParsedRequest(cert_ids=cert_ids, nonce=nonce)
    except Malformed:
        raise
    except Exception as exc:  # asn1crypto raises ValueError/TypeError/… on bad DER
        raise Malformed(str(exc)) from exc


@dataclass
class _Issuer:
    authority_id: int
    name_hashes: dict[str, bytes]
    responder_label: str
    responder_der: bytes
    responder_key_hash: bytes


def _issuer_keys(certificate: x509.Certificate) -> tuple[dict[str, bytes], dict[str, bytes]]:
    key_bits = bytes(certificate.public_key["public_key"].contents[1:])
    name = certificate.subject.dump()
    return (
        {alg: fn(name).digest() for alg, fn in _HASHES.items()},
        {alg: fn(key_bits).digest() for alg, fn in _HASHES.items()},
    )


def single_response(
    cert_id: CertId, certificate: Certificate | None, now: dt.datetime
) -> ocsp.SingleResponse:
    if certificate is None:
        status = ocsp.CertStatus(name="unknown", value=core.Null())
    elif certificate.status in ("revoked", "hold"):
        assert certificate.revoked_at is not None
        reason = "certificate_hold" if certificate.status == "hold" else None
        info: dict[str, object] = {"revocation_time": certificate.revoked_at}
        if reason or certificate.reason:
            info["revocation_reason"] = reason or ocsp.CRLReason(certificate.reason).native
        status = ocsp.CertStatus(name="revoked", value=ocsp.RevokedInfo(info))
    else:
        status = ocsp.CertStatus(name="good", value=core.Null())
    return ocsp.SingleResponse(
        {
            "cert_id": ocsp.CertId.load(cert_id.der),
            "cert_status": status,
            "this_update": now,
            "next_update": now + VALIDITY,
        }
    )


def sign_response(
    responses: list[ocsp.SingleResponse],
    *,
    nonce: bytes | None,
    responder_der: bytes,
    responder_key_hash: bytes,
    signer: Signer,
    now: dt.datetime,
) -> bytes:
    data: dict[str, object] = {
        "responder_id": ocsp.ResponderId(name="by_key", value=responder_key_hash),
        "produced_at": now,
        "responses": responses,
    }
    if nonce is not None:
        data["response_extensions"] = [{"extn_id": "nonce", "critical": False, "extn_value": nonce}]
    response_data = ocsp.ResponseData(data)
    tbs = response_data.dump()
    basic = ocsp.BasicOCSPResponse(
        {
            "tbs_response_data": response_data,
            "signature_algorithm": {"algorithm": "sha256_rsa", "parameters": core.Null()},
            "signature": signer(tbs),
            "certs": [x509.Certificate.load(responder_der)],
        }
    )
    encoded: bytes = ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {"response_type": "basic_ocsp_response", "response": basic},
        }
    ).dump()
    return encoded


class OcspResponder:
    """Answers OCSP requests for every issuing CA of one jpki database; safe to call from many threads."""

    def __init__(self, sessions: SessionFactory, settings: Settings, *, refresh_seconds: float = 1.0) -> None:
        self._sessions = sessions
        self._settings = settings
        self._refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._issuers: dict[tuple[str, bytes], _Issuer] = {}
        self._seqs: dict[int, int] = {}
        self._checked = 0.0
        # Pre-produced answers: raw request body (nonce-less, single CertID) → (authority, DER, next update).
        self._by_body: dict[bytes, tuple[int, bytes, dt.datetime]] = {}

    # -- cache upkeep ---------------------------------------------------------------------------------
    def _load_issuers(self, session: Session) -> None:
        issuers: dict[tuple[str, bytes], _Issuer] = {}
        seqs: dict[int, int] = {}
        for authority in session.scalars(sa.select(Authority).where(Authority.role != "root")):
            seqs[authority.id] = authority.change_seq
            responder = session.scalar(
                sa.select(Responder)
                .where(Responder.authority_id == authority.id, Responder.active)
                .order_by(Responder.id.desc())
            )
            if responder is None:
                continue
            certificate = ca_module.parsed(authority.certificate_der)
            name_hashes, key_hashes = _issuer_keys(certificate)
            responder_cert = ca_module.parsed(responder.certificate_der)
            entry = _Issuer(
                authority_id=authority.id,
                name_hashes=name_hashes,
                responder_label=responder.key_label,
                responder_der=responder.certificate_der,
                responder_key_hash=bytes(responder_cert.public_key.sha1),
            )
            for alg, key_hash in key_hashes.items():
                issuers[(alg, key_hash)] = entry
        with self._lock:
            changed = {a for a, s in seqs.items() if self._seqs.get(a) != s}
            self._issuers = issuers
            self._seqs = seqs
            if changed:
                self._by_body = {k: v for k, v in self._by_body.items() if v[0] not in changed}

    def refresh(self, *, force: bool = False) -> None:
        """Reload issuers and drop cached answers of CAs whose certificates changed status since last look."""
        now = time.monotonic()
        if not force and self._issuers and now - self._checked < self._refresh_seconds:
            return
        with self._sessions() as session:
            rows = session.execute(
                sa.select(Authority.id, Authority.change_seq).where(Authority.role != "root")
            )
            seqs = {int(a): int(s) for a, s in rows}
            if force or not self._issuers or seqs != self._seqs:
                self._load_issuers(session)
        self._checked = now

    def cached(self, body: bytes) -> bytes | None:
        """The hot path: a pre-produced answer for exactly this request, if still fresh (no I/O, no signing)."""
        hit = self._by_body.get(body)
        if hit is None or hit[2] <= clock.now():
            return None
        return hit[1]

    def due(self) -> bool:
        return time.monotonic() - self._checked >= self._refresh_seconds

    # -- answering ------------------------------------------------------------------------------------
    def respond(self, body: bytes) -> bytes:
        """Answer one DER OCSPRequest with a DER OCSPResponse; never raises for bad input."""
        try:
            request = parse_request(body)
        except Malformed:
            return MALFORMED
        try:
            self.refresh()
            if request.nonce is None and len(request.cert_ids) == 1:
                hit = self.cached(body)
                if hit is not None:
                    return hit
            return self._answer(body, request)
        except Exception:
            logger.exception("OCSP responder failed")
            return INTERNAL_ERROR

    def _answer(self, body: bytes, request: ParsedRequest) -> bytes:
        issuers = []
        for cert_id in request.cert_ids:
            issuer = self._issuers.get((cert_id.algorithm, cert_id.issuer_key_hash))
            if issuer is None or issuer.name_hashes[cert_id.algorithm] != cert_id.issuer_name_hash:
                return UNAUTHORIZED
            issuers.append(issuer)
        if len({i.authority_id for i in issuers}) != 1:
            return UNAUTHORIZED  # one responder certificate signs for one CA
        issuer = issuers[0]
        now = clock.now().replace(microsecond=0)
        with self._sessions() as session:
            certificates = []
            for cert_id in request.cert_ids:
                certificates.append(
                    session.scalar(
                        sa.select(Certificate).where(
                            Certificate.authority_id == issuer.authority_id,
                            Certificate.serial == cert_id.serial,
                        )
                    )
                    if cert_id.serial < 2**63
                    else None
                )
            pre_producible = (
                request.nonce is None and len(request.cert_ids) == 1 and certificates[0] is not None
            )
            if pre_producible:
                stored = session.get(OcspResponse, request.cert_ids[0].key)
                if stored is not None and stored.next_update > now:
                    self._remember(body, issuer.authority_id, stored.der, stored.next_update)
                    return stored.der
            answer = sign_response(
                [
                    single_response(c, cert, now)
                    for c, cert in zip(request.cert_ids, certificates, strict=True)
                ],
                nonce=request.nonce,
                responder_der=issuer.responder_der,
                responder_key_hash=issuer.responder_key_hash,
                signer=ca_module.signer(session, self._settings, issuer.responder_label),
                now=now,
            )
            if pre_producible:
                certificate = certificates[0]
                assert certificate is not None
                session.merge(
                    OcspResponse(
                        cert_id_key=request.cert_ids[0].key,
                        certificate_id=certificate.id,
                        der=answer,
                        produced_at=now,
                        next_update=now + VALIDITY,
                    )
                )
                self._remember(body, issuer.authority_id, answer, now + VALIDITY)
        return answer

    def _remember(self, body: bytes, authority_id: int, answer: bytes, next_update: dt.datetime) -> None:
        with self._lock:
            if len(self._by_body) >= MAX_CACHED:
                self._by_body = {}
            self._by_body[body] = (authority_id, answer, next_update)


def preproduce(session: Session, *, settings: Settings, role: str, algorithm: str = "sha1") -> int:
    """Sign and store a fresh answer for every certificate of the CA that lacks one (the operator's batch job)."""
    authority = ca_module.authority(session, role)
    responder = ca_module.active_responder(session, authority)
    certificate_der = ca_module.parsed(authority.certificate_der)
    name_hashes, key_hashes = _issuer_keys(certificate_der)
    responder_cert = ca_module.parsed(responder.certificate_der)
    signer = ca_module.signer(session, settings, responder.key_label)
    now = clock.now().replace(microsecond=0)
    have = set(
        session.scalars(
            sa.select(OcspResponse.certificate_id)
            .join(Certificate, Certificate.id == OcspResponse.certificate_id)
            .where(Certificate.authority_id == authority.id, OcspResponse.next_update > now)
        )
    )
    count = 0
    for certificate in _iter_certificates(session, authority.id):
        if certificate.id in have:
            continue
        cert_id = CertId(
            algorithm=algorithm,
            issuer_name_hash=name_hashes[algorithm],
            issuer_key_hash=key_hashes[algorithm],
            serial=certificate.serial,
            der=ocsp.CertId(
                {
                    "hash_algorithm": {"algorithm": algorithm},
                    "issuer_name_hash": name_hashes[algorithm],
                    "issuer_key_hash": key_hashes[algorithm],
                    "serial_number": certificate.serial,
                }
            ).dump(),
        )
        answer = sign_response(
            [single_response(cert_id, certificate, now)],
            nonce=None,
            responder_der=responder.certificate_der,
            responder_key_hash=bytes(responder_cert.public_key.sha1),
            signer=signer,
            now=now,
        )
        session.merge(
            OcspResponse(
                cert_id_key=cert_id.key,
                certificate_id=certificate.id,
                der=answer,
                produced_at=now,
                next_update=now + VALIDITY,
            )
        )
        count += 1
    session.flush()
    return count


def _iter_certificates(session: Session, authority_id: int) -> Iterator[Certificate]:
    yield from session.scalars(
        sa.select(Certificate).where(Certificate.authority_id == authority_id).order_by(Certificate.id)
    )


@dataclass(frozen=True)
class Lifetime:
    """What RFC 5019 §6.2 cache headers are made of: producedAt, nextUpdate, and whether a nonce binds it."""

    produced_at: dt.datetime
    next_update: dt.datetime | None
    nonce: bool


def lifetime(answer: bytes) -> Lifetime | None:
    """The lifetime of a successful OCSP answer (None for an error status or unreadable bytes)."""
    try:
        response = ocsp.OCSPResponse.load(answer)
        if response["response_status"].native != "successful":
            return None
        basic = response["response_bytes"]["response"].parsed
        data = basic["tbs_response_data"]
        next_updates = [r["next_update"].native for r in data["responses"]]
        nonce = any(e["extn_id"].native == "nonce" for e in data["response_extensions"] or [])
        return Lifetime(
            produced_at=data["produced_at"].native,
            next_update=min(next_updates) if all(next_updates) else None,
            nonce=nonce,
        )
    except (ValueError, TypeError, KeyError):
        return None


def cache_headers(answer: bytes, *, now: dt.datetime | None = None) -> list[tuple[bytes, bytes]]:
    """RFC 5019 §6.2 headers for an answer to a GET: Last-Modified, Expires, ETag and Cache-Control."""
    found = lifetime(answer)
    if found is None or found.nonce or found.next_update is None:
        return [(b"cache-control", b"no-cache, no-store")]
    at = now or clock.now()
    remaining = int((found.next_update - at).total_seconds())
    if remaining <= 0:
        return [(b"cache-control", b"no-cache")]
    max_age = min(remaining, GET_MAX_AGE)
    return [
        (b"last-modified", _http_date(found.produced_at).encode()),
        (b"expires", _http_date(found.next_update).encode()),
        (b"etag", f'"{hashlib.sha1(answer).hexdigest()}"'.encode()),  # noqa: S324 - an ETag, not security
        (b"cache-control", f"max-age={max_age}, public, no-transform, must-revalidate".encode()),
    ]


def _http_date(value: dt.datetime) -> str:
    return email.utils.format_datetime(value.astimezone(dt.UTC), usegmt=True)
