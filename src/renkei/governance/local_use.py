"""独自利用事務 in the governance toolkit: their files go through the same しきい値判断 and 評価書, and a 独自利用事務
without a current 特定個人情報保護評価 is flagged on the day view (docs/decisions/0133).

The 事務 come from the body's 条例 registry (renkei.addressee) when it is kept on this node, and from the
toolkit's own 事務 of 区分 条例事務 when the toolkit is used alone (decision 0054).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from renkei.addressee import service as addressee
from renkei.addressee.schemas import PlanRow
from renkei.core import clock
from renkei.governance import pia, register
from renkei.governance.models import GovernanceJimu

LOCAL_KIND = "条例事務"


@dataclass(frozen=True)
class LocalUseAttention:
    """A 独自利用事務 that needs a PIA action today, and why."""

    name: str
    basis: str
    reason: str


def basis_text(row: PlanRow) -> str:
    return f"{row.ordinance.number} {row.article}（{row.jimu_code}）"


def sync_from_registry(session: Session, *, today: dt.date | None = None) -> int:
    """Register each 独自利用事務 of the 条例 registry that is adopted or in force as a 事務 of 区分 条例事務
    (matched by name; its basis names the 条例 and 事務コード). Returns how many were added or updated."""
    day = today or clock.today()
    changed = 0
    for row in addressee.plan(session, on=day):
        if row.status not in ("adopted", "in_force"):
            continue
        existing = _by_name(session, row.jimu_name)
        basis = basis_text(row)
        if existing is not None and existing.kind == LOCAL_KIND and existing.basis == basis:
            continue
        register.upsert_jimu(session, name=row.jimu_name, kind=LOCAL_KIND, basis=basis)
        changed += 1
    return changed


def _by_name(session: Session, name: str) -> GovernanceJimu | None:
    return next((j for j in register.list_jimu(session) if j.name == name), None)


def attention(session: Session, *, today: dt.date | None = None) -> list[LocalUseAttention]:
    """Every 独自利用事務 without a current PIA: no 特定個人情報ファイル (no しきい値判断 yet), a required 評価書 never
    published or past its 5-year re-assessment, or — from the 条例 registry — a 事務 in force that the toolkit
    does not know. A 届出 for 情報連携 without a published 評価書 is flagged too (番号法第28条, formerly 第27条第6項)."""
    day = today or clock.today()
    found: list[LocalUseAttention] = []
    files = register.list_files(session)
    local_jimu = [j for j in register.list_jimu(session) if j.kind == LOCAL_KIND]
    registry = {r.jimu_name: r for r in addressee.plan(session, on=day)}
    for jimu in local_jimu:
        own = [f for f in files if f.jimu_id == jimu.id]
        if not own:
            found.append(
                LocalUseAttention(
                    jimu.name, jimu.basis, "特定個人情報ファイルが未登録です（しきい値判断が未実施）"
                )
            )
            continue
        for file in own:
            state = pia.status(file, today=day)
            if state.missing:
                found.append(
                    LocalUseAttention(
                        jimu.name,
                        jimu.basis,
                        f"{file.name}: {state.level.value}が必要ですが評価書が未公表です",
                    )
                )
            elif state.overdue and state.due_on is not None:
                found.append(
                    LocalUseAttention(
                        jimu.name,
                        jimu.basis,
                        f"{file.name}: 再評価の期限（{state.due_on.isoformat()}）を過ぎています",
                    )
                )
            row = registry.get(jimu.name)
            if (
                row is not None
                and row.notification_status in ("filed", "accepted")
                and state.level is not pia.Level.NONE
                and file.last_published_on is None
            ):
                found.append(
                    LocalUseAttention(
                        jimu.name, jimu.basis, f"{file.name}: 評価書の公表前に情報連携の届出がされています"
                    )
                )
    known = {j.name for j in local_jimu}
    for name, row in registry.items():
        if row.status == "in_force" and name not in known:
            found.append(
                LocalUseAttention(
                    name,
                    basis_text(row),
                    "条例で施行中の独自利用事務が安全管理措置の事務に登録されていません",
                )
            )
    return found
