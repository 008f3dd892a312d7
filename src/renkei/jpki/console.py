"""What the JPKI operator's console reads: certificates by status, issued and revoked per month, CRLs, responders."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.jpki.models import Authority, Certificate, Crl, OcspResponse, Responder


@dataclass
class JpkiOverview:
    by_status: dict[tuple[str, str], int]  # (kind, status) → count
    issued_by_month: Counter[str]
    revoked_by_month: Counter[str]
    crls: list[dict[str, Any]]
    responders: list[dict[str, Any]]
    preproduced: int


def _month(value: dt.datetime) -> str:
    return value.astimezone(clock.JST).strftime("%Y-%m")


def overview(session: Session, *, months: int = 12) -> JpkiOverview:
    by_status = {
        (str(kind), str(status)): int(count)
        for kind, status, count in session.execute(
            sa.select(Certificate.kind, Certificate.status, sa.func.count()).group_by(
                Certificate.kind, Certificate.status
            )
        )
    }
    today = clock.today()
    first = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=clock.JST)
    issued: Counter[str] = Counter()
    revoked: Counter[str] = Counter()
    for issued_at, revoked_at, status in session.execute(
        sa.select(Certificate.issued_at, Certificate.revoked_at, Certificate.status).where(
            sa.or_(Certificate.issued_at >= since, Certificate.revoked_at >= since)
        )
    ):
        if issued_at >= since:
            issued[_month(issued_at)] += 1
        if revoked_at is not None and revoked_at >= since and status == "revoked":
            revoked[_month(revoked_at)] += 1
    crls = []
    now = clock.now()
    for authority in session.scalars(sa.select(Authority).where(Authority.active).order_by(Authority.id)):
        latest = session.scalars(
            sa.select(Crl).where(Crl.authority_id == authority.id).order_by(Crl.number.desc()).limit(1)
        ).first()
        crls.append(
            {
                "role": authority.role,
                "number": latest.number if latest else None,
                "delta": latest.delta_base is not None if latest else False,
                "entries": latest.entries if latest else 0,
                "this_update": latest.this_update if latest else None,
                "next_update": latest.next_update if latest else None,
                "fresh": bool(latest and latest.next_update > now),
            }
        )
    responders = [
        {
            "role": role,
            "not_after": responder.not_after,
            "active": responder.active,
            "valid": responder.not_after > now,
        }
        for responder, role in session.execute(
            sa.select(Responder, Authority.role)
            .join(Authority, Authority.id == Responder.authority_id)
            .where(Responder.active)
        )
    ]
    preproduced = int(
        session.scalar(
            sa.select(sa.func.count()).select_from(OcspResponse).where(OcspResponse.next_update > now)
        )
        or 0
    )
    return JpkiOverview(by_status, issued, revoked, crls, responders, preproduced)


def month_labels(months: int = 12) -> list[str]:
    today = clock.today().replace(day=1)
    labels = []
    year, month = today.year, today.month
    for _ in range(months):
        labels.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(labels))
