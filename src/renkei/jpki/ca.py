"""The CA hierarchy: a root and the 署名用 / 利用者証明用 issuing CAs, their keys, serials and responders."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from asn1crypto import x509
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.core.settings import Settings
from renkei.jpki import der, log, profiles
from renkei.jpki.keystore import keystore, store_of
from renkei.jpki.models import Authority, Certificate, OcspResponse, Responder

DEFAULT_BASE_URL = "http://jpki.renkei.test"  # RFC 2606 .test: never a real host
ROLES = ("root", "sign", "auth")
ROOT_YEARS = 20
ISSUING_YEARS = 10
RESPONDER_DAYS = 90


@lru_cache(maxsize=64)
def parsed(der_bytes: bytes) -> x509.Certificate:
    """Parse a certificate once per process (CA certificates are read on every issuance)."""
    return x509.Certificate.load(der_bytes)


def signer(session: Session, settings: Settings, label: str) -> profiles.Signer:
    store = keystore(session, settings, kind=store_of(session, label))
    return lambda data: store.sign(label, data)


def new_serial() -> int:
    """A random positive 63-bit serial (fits BIGINT; RFC 5280 §4.1.2.2 allows up to 20 octets)."""
    return secrets.randbits(63) | (1 << 62)


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def init_hierarchy(
    session: Session,
    *,
    settings: Settings,
    base_url: str = DEFAULT_BASE_URL,
    keystore_kind: str | None = None,
) -> list[Authority]:
    """Create the root and both issuing CAs (and their OCSP responders) if there are none yet; idempotent."""
    existing = list(session.scalars(sa.select(Authority).where(Authority.active).order_by(Authority.id)))
    if existing:
        return existing
    if not base_url.startswith(("http://", "https://")):
        raise Invalid("配布点のURLは http:// または https:// で始めてください", field="base_url")
    store = keystore(session, settings, kind=keystore_kind)
    now = clock.now().replace(microsecond=0)
    generation = 1 + (session.scalar(sa.select(sa.func.max(Authority.generation))) or 0)
    made: list[Authority] = []
    root: Authority | None = None
    for role in ROLES:
        label = f"ca-{role}-g{generation}-{secrets.token_hex(4)}"
        spki = store.generate(label)
        years = ROOT_YEARS if role == "root" else ISSUING_YEARS
        not_after = _add_years(now, years)
        issuer_cert = None if root is None else parsed(root.certificate_der)
        sign_label = label if root is None else root.key_label
        der_bytes = profiles.build_ca_certificate(
            role=role,
            generation=generation,
            serial=new_serial(),
            spki=spki,
            not_before=now,
            not_after=not_after,
            base_url=base_url,
            issuer=issuer_cert,
            signer=lambda data, lb=sign_label: store.sign(lb, data),  # type: ignore[misc]
        )
        authority = Authority(
            role=role,
            generation=generation,
            issuer_id=None if root is None else root.id,
            key_label=label,
            subject_der=parsed(der_bytes).subject.dump(),
            certificate_der=der_bytes,
            not_before=now,
            not_after=not_after,
            base_url=base_url,
            active=True,
            next_crl_number=1,
            change_seq=0,
            created_at=now,
        )
        session.add(authority)
        session.flush()
        log.append(session, "init_ca", detail={"role": role, "generation": generation, "store": store.kind})
        made.append(authority)
        if role == "root":
            root = authority
    for authority in made[1:]:
        rotate_responder(session, settings=settings, role=authority.role)
    return made


def authority(session: Session, role: str) -> Authority:
    found = session.scalar(
        sa.select(Authority)
        .where(Authority.role == role, Authority.active)
        .order_by(Authority.generation.desc())
    )
    if found is None:
        raise NotFound(
            "認証局が初期化されていません（renkei jpki init を実行してください）", record=role, field="role"
        )
    return found


def authorities(session: Session, *, settings: Settings) -> dict[str, Authority]:
    """The active CAs by role, creating the hierarchy on first use (the embedded default needs no setup step)."""
    found = {a.role: a for a in session.scalars(sa.select(Authority).where(Authority.active))}
    if not found:
        found = {a.role: a for a in init_hierarchy(session, settings=settings)}
    return found


@dataclass(frozen=True)
class IssueRequest:
    """One end-entity certificate to sign: kind (sign | auth), the card's public key, and who it is for."""

    kind: str
    spki: bytes
    not_after: dt.datetime
    basic4: profiles.Basic4 | None
    card_id: int | None = None
    holder_id: int | None = None


@lru_cache(maxsize=16)
def _template(ca_der: bytes, kind: str, base_url: str) -> profiles.EndEntityTemplate:
    return profiles.EndEntityTemplate(kind=kind, issuer=parsed(ca_der), base_url=base_url)


def issue_many(session: Session, *, settings: Settings, requests: Sequence[IssueRequest]) -> list[int]:
    """Sign and store end-entity certificates in one pass (カード製造 is batched); returns their row ids in order.

    Each certificate and its issuance-log entry are written with one multi-row INSERT per table.
    """
    cas = authorities(session, settings=settings)
    now = clock.now().replace(microsecond=0)
    signers: dict[str, profiles.Signer] = {}
    rows: list[dict[str, object]] = []
    entries: list[tuple[int, dict[str, object]]] = []
    for request in requests:
        if request.kind not in ("sign", "auth"):
            raise Invalid("証明書の種別は sign か auth です", field="kind")
        if request.not_after <= now:
            raise Invalid("有効期限が発行日時より前です", field="not_after")
        ca = cas[request.kind]
        if request.kind not in signers:
            signers[request.kind] = signer(session, settings, ca.key_label)
        serial = new_serial()
        common_name = secrets.token_hex(12).upper()
        not_after = min(request.not_after, ca.not_after)
        tbs = _template(ca.certificate_der, request.kind, ca.base_url).tbs(
            serial=serial,
            common_name=common_name,
            spki=request.spki,
            not_before=now,
            not_after=not_after,
            basic4=request.basic4,
        )
        rows.append(
            {
                "authority_id": ca.id,
                "serial": serial,
                "kind": request.kind,
                "card_id": request.card_id,
                "holder_id": request.holder_id,
                "subject_cn": common_name,
                "not_before": now,
                "not_after": not_after,
                "der": der.signed(tbs, signers[request.kind](tbs)),
                "status": "good",
                "personal": None if request.basic4 is None else request.basic4.as_json(),
                "issued_at": now,
            }
        )
        entries.append((serial, {"kind": request.kind, "card_id": request.card_id}))
    if not rows:
        return []
    ids = list(
        session.execute(
            sa.insert(Certificate).returning(Certificate.id, sort_by_parameter_order=True), rows
        ).scalars()
    )
    log.append_many(session, [("issue_certificate", None, serial, detail) for serial, detail in entries])
    return ids


def issue(
    session: Session,
    *,
    settings: Settings,
    kind: str,
    spki: bytes,
    not_after: dt.datetime,
    basic4: profiles.Basic4 | None,
    card_id: int | None,
    holder_id: int | None,
) -> Certificate:
    """Sign and store one end-entity certificate of `kind` (sign | auth) and log it."""
    request = IssueRequest(
        kind=kind, spki=spki, not_after=not_after, basic4=basic4, card_id=card_id, holder_id=holder_id
    )
    (row_id,) = issue_many(session, settings=settings, requests=[request])
    certificate = session.get(Certificate, row_id)
    assert certificate is not None
    return certificate


def rotate_responder(session: Session, *, settings: Settings, role: str) -> Responder:
    """A fresh delegated OCSP responder key and certificate for the `role` CA; the previous one retires."""
    if role not in ("sign", "auth"):
        raise Invalid("OCSPレスポンダは署名用(sign)・利用者証明用(auth)の認証局ごとです", field="role")
    ca = authority(session, role)
    store = keystore(session, settings, kind=store_of(session, ca.key_label))
    now = clock.now().replace(microsecond=0)
    label = f"ocsp-{role}-g{ca.generation}-{secrets.token_hex(4)}"
    spki = store.generate(label)
    not_after = min(now + dt.timedelta(days=RESPONDER_DAYS), ca.not_after)
    der_bytes = profiles.build_responder(
        serial=new_serial(),
        common_name=f"renkei JPKI Test OCSP Responder ({role}) G{ca.generation}",
        spki=spki,
        not_before=now,
        not_after=not_after,
        issuer=parsed(ca.certificate_der),
        signer=lambda data: store.sign(ca.key_label, data),
    )
    session.execute(sa.update(Responder).where(Responder.authority_id == ca.id).values(active=False))
    responder = Responder(
        authority_id=ca.id,
        key_label=label,
        certificate_der=der_bytes,
        not_before=now,
        not_after=not_after,
        active=True,
        created_at=now,
    )
    session.add(responder)
    # Pre-produced answers were signed by the old responder: bump the CA's sequence so caches drop them.
    ca.change_seq += 1
    session.execute(
        sa.delete(OcspResponse).where(
            OcspResponse.certificate_id.in_(
                sa.select(Certificate.id).where(Certificate.authority_id == ca.id)
            )
        )
    )
    session.flush()
    log.append(session, "rotate_responder", detail={"role": role, "responder_id": responder.id})
    return responder


def active_responder(session: Session, ca: Authority) -> Responder:
    found = session.scalar(
        sa.select(Responder)
        .where(Responder.authority_id == ca.id, Responder.active)
        .order_by(Responder.id.desc())
    )
    if found is None:
        raise NotFound("有効なOCSPレスポンダがありません", record=ca.role, field="responder")
    return found
