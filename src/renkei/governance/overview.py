"""The state of a body's 安全管理措置 at a glance: what needs a person's attention today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.governance import discrepancies, incidents, local_use, network, pia, register, training


@dataclass(frozen=True)
class Overview:
    jimu: int
    files: int
    assets: int
    risks: int
    risks_unaccepted: int
    discrepancies: int
    pia_attention: int
    training_overdue: int
    incidents_open: int
    incidents_report_overdue: int
    network_findings: int | None  # None when no inventory was entered
    local_use: list[local_use.LocalUseAttention] = field(
        default_factory=list
    )  # 独自利用事務 without a current PIA

    def lines(self) -> list[str]:
        return [
            f"事務 {self.jimu}件、特定個人情報ファイル {self.files}件",
            f"情報資産取扱手順表 {self.assets}行、リスク分析 {self.risks}行（未受容 {self.risks_unaccepted}行）",
            f"要確認の不一致 {self.discrepancies}件",
            f"特定個人情報保護評価の要対応 {self.pia_attention}件",
            f"年次研修の期限超過 {self.training_overdue}人",
            f"対応中のインシデント {self.incidents_open}件（委員会報告の期限超過 {self.incidents_report_overdue}件）",
            "ネットワーク点検: 構成未登録"
            if self.network_findings is None
            else f"ネットワーク点検の指摘 {self.network_findings}件",
            f"特定個人情報保護評価が最新でない独自利用事務 {len(self.local_use)}件",
            *(f"　独自利用事務「{a.name}」（{a.basis}）: {a.reason}" for a in self.local_use),
        ]


def overview(session: Session, *, today: dt.date | None = None) -> Overview:
    today = today or clock.today()
    risks = register.list_risks(session)
    files = register.list_files(session)
    states = [pia.status(f, today=today) for f in files]
    open_incidents = [i for i in incidents.list_incidents(session) if i.closed_at is None]
    all_incidents = incidents.list_incidents(session)
    inventory = network.load_inventory(session)
    return Overview(
        jimu=len(register.list_jimu(session)),
        files=len(files),
        assets=len(register.list_assets(session)),
        risks=len(risks),
        risks_unaccepted=sum(1 for r in risks if r.risk.accepted_at is None),
        discrepancies=len(discrepancies.list_discrepancies(session)),
        pia_attention=sum(1 for s in states if s.overdue or s.missing),
        training_overdue=sum(1 for d in training.duties(session, today=today) if d.overdue),
        incidents_open=len(open_incidents),
        incidents_report_overdue=sum(1 for i in all_incidents if incidents.deadlines(i, today=today).overdue),
        network_findings=len(network.check(inventory)) if inventory.segments else None,
        local_use=local_use.attention(session, today=today),
    )
