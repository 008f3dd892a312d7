"""住民基本台帳人口移動報告用データ (住基法第37条): each month's 転入者 from the 本人確認情報 全国サーバ holds.

A 転入 is a `move_in` change; the month is the JST month in which 全国サーバ recorded it, so a past month never
changes once it is over and any past month can be produced again byte for byte. 従前の住所地 is the municipality of
the person's change recorded just before the 転入; age is counted on the 異動日. Decision 0083.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.jukinet.models import JukinetIdentityChange, JukinetPerson
from renkei.jukinet.places import municipality_names
from renkei.protocol.provision import MigrationReport, MigrationRow, migration_csv, month_range

UNKNOWN = "000000"  # 従前の住所地 not known to 全国サーバ (a person first registered by 転入)


def age_band(age: int) -> str:
    """5歳階級, the last one open: 0〜4歳 … 85〜89歳, 90歳以上."""
    if age >= 90:
        return "90歳以上"
    low = age // 5 * 5
    return f"{low}〜{low + 4}歳"


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _name(code: str) -> str:
    names = municipality_names().get(code)
    return "不詳" if names is None else names[0] + names[1]


def move_ins(session: Session, *, month: str) -> list[tuple[str, str, str, str]]:
    """(転入先, 従前の住所地, 性別, 年齢階級) of each 転入 recorded in `month`."""
    start, end = month_range(month)
    previous = sa.orm.aliased(JukinetIdentityChange)
    change = JukinetIdentityChange
    # 従前の住所地: the municipality of the change recorded just before, in the same statement (no query per row).
    origin = (
        sa.select(previous.lg_code)
        .where(previous.juminhyo_code == change.juminhyo_code, previous.id < change.id)
        .order_by(previous.id.desc())
        .limit(1)
        .correlate(change)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(change.lg_code, origin, change.effective_on, JukinetPerson.birth_date, JukinetPerson.sex)
        .join(JukinetPerson, JukinetPerson.juminhyo_code == change.juminhyo_code)
        .where(change.kind == "move_in", change.recorded_at >= start, change.recorded_at < end)
        .order_by(change.id)
    ).all()
    return [
        (lg_code, from_lg or UNKNOWN, sex, age_band(_age(born, effective_on)))
        for lg_code, from_lg, effective_on, born, sex in rows
        # not a move across a municipal boundary: 移動者数 does not count it
        if from_lg != lg_code
    ]


def _band_order(band: str) -> int:
    return int(re.match(r"\d+", band)[0])  # type: ignore[index]


def report(session: Session, *, month: str) -> MigrationReport:
    counted = Counter(move_ins(session, month=month))
    month = month.strip()
    rows = [
        MigrationRow(
            lg_code=lg,
            lg_name=_name(lg),
            from_lg_code=origin,
            from_lg_name=_name(origin),
            sex=sex,  # type: ignore[arg-type]
            age_band=band,
            count=n,
        )
        for (lg, origin, sex, band), n in sorted(
            counted.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], _band_order(kv[0][3]))
        )
    ]
    by_municipality: Counter[str] = Counter()
    for row in rows:
        by_municipality[row.lg_code] += row.count
    draft = MigrationReport(
        month=month, rows=rows, total=sum(counted.values()), by_municipality=dict(by_municipality), digest=""
    )
    return draft.model_copy(
        update={"digest": hashlib.sha256(migration_csv(draft).encode("utf-8")).hexdigest()}
    )
