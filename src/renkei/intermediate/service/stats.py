"""Figures for a municipality's day at a glance: 情報照会 and refusals per day, 副本 freshness per layout."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, wareki
from renkei.intermediate.models import IntermediateCopy, IntermediateQuery


def queries_by_day(session: Session, *, lg_code: str, days: int = 14) -> list[tuple[dt.date, int, int]]:
    """(Japanese day, queries asked, of which refused) for the last `days` days, oldest first."""
    today = clock.today()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=clock.JST)
    rows = session.execute(
        sa.select(IntermediateQuery.requested_at, IntermediateQuery.status).where(
            IntermediateQuery.lg_code == lg_code, IntermediateQuery.requested_at >= since
        )
    )
    asked: Counter[dt.date] = Counter()
    refused: Counter[dt.date] = Counter()
    for at, status in rows:
        day = wareki.local_date(at)
        asked[day] += 1
        if status == "refused":
            refused[day] += 1
    return [(d, asked[d], refused[d]) for d in (first + dt.timedelta(days=i) for i in range(days))]


def copy_freshness(session: Session, *, lg_code: str) -> list[tuple[str, int, int]]:
    """(特定個人情報名 code, copies held, days since the latest 副本登録) per layout."""
    today = clock.today()
    rows = session.execute(
        sa.select(IntermediateCopy.tm_code, sa.func.count(), sa.func.max(IntermediateCopy.registered_at))
        .where(IntermediateCopy.lg_code == lg_code)
        .group_by(IntermediateCopy.tm_code)
        .order_by(IntermediateCopy.tm_code)
    )
    found = []
    for tm_code, count, latest in rows:
        age = (today - wareki.local_date(latest)).days if latest is not None else 0
        found.append((str(tm_code), int(count), age))
    return found
