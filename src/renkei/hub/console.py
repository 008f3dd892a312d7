"""What the hub operator's console reads: traffic and refusals by day, by 特定個人情報名, and the records log's heads.

Counts come from the hub's own 情報提供等記録 over a bounded period (the newest `days` days, Japan dates), so a
console view costs one range scan of the records table, whatever the log's total size.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.hub.models import HubRecord, HubRecordRoot
from renkei.protocol.operator import is_operator_action


@dataclass
class DayTraffic:
    day: dt.date
    results: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.results.values())


@dataclass
class Traffic:
    days: list[DayTraffic]
    by_tm: Counter[str]
    refusals: list[dict[str, Any]]  # newest first, within the period


def traffic(session: Session, *, days: int = 14, today: dt.date | None = None) -> Traffic:
    today = today or clock.today()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=clock.JST)
    rows = session.execute(
        sa.select(HubRecord.seq, HubRecord.recorded_at, HubRecord.body)
        .where(HubRecord.recorded_at >= since)
        .order_by(HubRecord.seq.desc())
    )
    by_day = {first + dt.timedelta(days=i): DayTraffic(first + dt.timedelta(days=i)) for i in range(days)}
    by_tm: Counter[str] = Counter()
    refusals: list[dict[str, Any]] = []
    for seq, recorded_at, body in rows:
        if is_operator_action(body):
            continue  # the operators' actions share the log; they are shown apart (renkei.hub.operators)
        day = recorded_at.astimezone(clock.JST).date()
        result = str(body.get("result", ""))
        if day in by_day:
            by_day[day].results[result] += 1
        by_tm[str(body.get("tm_code", ""))] += 1
        if result == "refused":
            shown = {k: v for k, v in body.items() if k != "person_ref"}
            refusals.append({"seq": seq, "recorded_at": recorded_at, **shown})
    return Traffic(days=list(by_day.values()), by_tm=by_tm, refusals=refusals)


def log_heads(session: Session, *, limit: int = 10) -> tuple[int, list[HubRecordRoot]]:
    """The number of records and the newest signed tree heads."""
    count = int(session.scalar(sa.select(sa.func.count()).select_from(HubRecord)) or 0)
    heads = list(
        session.scalars(sa.select(HubRecordRoot).order_by(HubRecordRoot.tree_size.desc()).limit(limit))
    )
    return count, heads
