"""Full and delta CRLs per CA (RFC 5280 §5), DER, built from CRL entries encoded when each revocation happened.

Generation is a concatenation of stored entries plus one signature, so a million revoked certificates cost one
indexed scan (benchmarks/bench_jpki.py compares it with `openssl ca -gencrl`).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from asn1crypto import crl as asn1_crl
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.settings import Settings
from renkei.jpki import ca as ca_module
from renkei.jpki import der, log, profiles
from renkei.jpki.models import Authority, Crl, Revocation

VALIDITY = dt.timedelta(days=1)


def _allocate_number(session: Session, authority_id: int) -> int:
    number = session.execute(
        sa.update(Authority)
        .where(Authority.id == authority_id)
        .values(next_crl_number=Authority.next_crl_number + 1)
        .returning(Authority.next_crl_number)
    ).scalar_one()
    return int(number) - 1


def build(
    *,
    issuer_der: bytes,
    issuer_key_id: bytes,
    number: int,
    this_update: dt.datetime,
    next_update: dt.datetime,
    entries: list[bytes],
    delta_base: int | None,
    freshest_url: str | None,
    signer: profiles.Signer,
) -> bytes:
    extensions: list[dict[str, object]] = [
        {
            "extn_id": "authority_key_identifier",
            "critical": False,
            "extn_value": {"key_identifier": issuer_key_id},
        },
        {"extn_id": "crl_number", "critical": False, "extn_value": number},
    ]
    if delta_base is not None:
        extensions.append({"extn_id": "delta_crl_indicator", "critical": True, "extn_value": delta_base})
    elif freshest_url:
        extensions.append(
            {
                "extn_id": "freshest_crl",
                "critical": False,
                "extn_value": [{"distribution_point": {"full_name": [profiles.uri(freshest_url)]}}],
            }
        )
    extension_der = asn1_crl.TBSCertListExtensions(extensions).dump()
    parts = [der.integer(1), der.SHA256_WITH_RSA, issuer_der, der.time(this_update), der.time(next_update)]
    if entries:
        parts.append(der.sequence(*entries))
    parts.append(der.tlv(0xA0, extension_der))
    tbs = der.sequence(*parts)
    return der.signed(tbs, signer(tbs))


def publish(session: Session, *, settings: Settings, role: str, delta: bool = False) -> Crl:
    """Sign and store the next full (or delta) CRL of the `role` CA."""
    authority = ca_module.authorities(session, settings=settings)[role]
    if authority.role == "root":
        delta = False
    base: Crl | None = None
    if delta:
        base = latest(session, authority.id, delta=False)
        if base is None:
            delta = False
    # Read the sequence first: everything at or below it is in this CRL, later changes wait for the next one.
    upto = int(session.scalar(sa.select(Authority.change_seq).where(Authority.id == authority.id)) or 0)
    this_update = clock.now().replace(microsecond=0)
    query = sa.select(Revocation.entry_der).where(
        Revocation.authority_id == authority.id, Revocation.seq <= upto, Revocation.not_after > this_update
    )
    if base is None:
        query = query.where(Revocation.in_crl).order_by(Revocation.id)
    else:
        latest_ids = (
            sa.select(sa.func.max(Revocation.id))
            .where(
                Revocation.authority_id == authority.id,
                Revocation.seq > base.upto_seq,
                Revocation.seq <= upto,
            )
            .group_by(Revocation.certificate_id)
        )
        query = query.where(Revocation.id.in_(latest_ids)).order_by(Revocation.id)
    entries = list(session.scalars(query))
    number = _allocate_number(session, authority.id)
    issuer = ca_module.parsed(authority.certificate_der)
    der_bytes = build(
        issuer_der=authority.subject_der,
        issuer_key_id=issuer.key_identifier,
        number=number,
        this_update=this_update,
        next_update=this_update + VALIDITY,
        entries=entries,
        delta_base=None if base is None else base.number,
        freshest_url=None if role == "root" else profiles.crl_url(authority.base_url, role, delta=True),
        signer=ca_module.signer(session, settings, authority.key_label),
    )
    published = Crl(
        authority_id=authority.id,
        number=number,
        delta_base=None if base is None else base.number,
        this_update=this_update,
        next_update=this_update + VALIDITY,
        upto_seq=upto,
        entries=len(entries),
        der=der_bytes,
    )
    session.add(published)
    session.flush()
    log.append(
        session,
        "publish_crl",
        detail={"role": role, "number": number, "delta": base is not None, "entries": len(entries)},
    )
    return published


def latest(session: Session, authority_id: int, *, delta: bool) -> Crl | None:
    condition = Crl.delta_base.is_not(None) if delta else Crl.delta_base.is_(None)
    return session.scalar(
        sa.select(Crl).where(Crl.authority_id == authority_id, condition).order_by(Crl.number.desc()).limit(1)
    )


def current(session: Session, *, settings: Settings, role: str, delta: bool = False) -> Crl:
    """The CRL to serve at the distribution point: the latest one while it is fresh and no status changed since.

    A full CRL is re-signed as soon as any status changed after it (a verifier that reads the full CRL alone,
    OpenSSL's default, sees a revocation or 一時停止 at its next fetch, not a day late); a delta is published
    against the previous full CRL and the full CRL is re-signed with it (docs/decisions/0101).
    """
    authority = ca_module.authorities(session, settings=settings)[role]
    delta = delta and role != "root"
    found = latest(session, authority.id, delta=delta)
    fresh = found is not None and found.next_update > clock.now()
    if found is not None and fresh and found.upto_seq == authority.change_seq:
        return found
    if delta and latest(session, authority.id, delta=False) is None:
        publish(session, settings=settings, role=role)
    return publish_with_full(session, settings=settings, role=role, delta=delta)


def publish_with_full(session: Session, *, settings: Settings, role: str, delta: bool) -> Crl:
    """Publish a CRL; a delta is followed by a re-signed full CRL so both reflect the same changes."""
    published = publish(session, settings=settings, role=role, delta=delta)
    if published.delta_base is not None:
        publish(session, settings=settings, role=role)
    return published
