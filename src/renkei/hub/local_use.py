"""独自利用事務の情報連携 at the national side: 届出 filed with the commission's role, decided, turned into entries.

A municipality files (signed, idempotent on its notification id); the operator of the 個人情報保護委員会 role accepts
— which re-checks the rules and returns the 届出 with reasons when one fails — or returns it with reasons of their
own. An accepted 届出 becomes permission entries that only that municipality may use, from the start to the end
date stated (docs/decisions/0132). Services flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.hub.models import HubAgency, HubLocalUseNotification, HubLocalUsePermission, HubPermission
from renkei.hub.permissions import ensure_default_permissions
from renkei.protocol.local_use import LocalUseNotification, NotificationQuery, NotificationState

COMMISSION_ROLE = "個人情報保護委員会"
# Bodies that can be a 条例事務関係情報照会者 (番号法第19条第9号: 地方公共団体の長その他の執行機関).
LOCAL_GOVERNMENT_KINDS = ("市町村長", "都道府県知事", "都道府県知事等")


def _state(n: HubLocalUseNotification, session: Session) -> NotificationState:
    entries = session.scalar(
        sa.select(sa.func.count())
        .select_from(HubLocalUsePermission)
        .where(HubLocalUsePermission.notification_pk == n.id)
    )
    return NotificationState(
        notification_id=n.notification_id,
        requester_agency_code=n.requester_code,
        jimu_code=n.jimu_code,
        status=n.status,  # type: ignore[arg-type]
        reasons=list(n.reasons or []),
        filed_at=n.filed_at,
        decided_at=n.decided_at,
        valid_from=n.start_on,
        valid_to=n.end_on,
        entries=int(entries or 0),
    )


def _requester(session: Session, code: str) -> HubAgency:
    agency = session.get(HubAgency, code)
    if agency is None:
        raise NotFound(f"機関コード「{code}」は登録されていません", record=code, field="情報照会者機関コード")
    return agency


def _content(notification: LocalUseNotification) -> dict[str, Any]:
    return notification.model_dump(
        mode="json", exclude={"signature", "notification_id", "requester_agency_code"}
    )


def file_notification(session: Session, *, notification: LocalUseNotification) -> NotificationState:
    """Receive a 届出 signed by the municipality; a resent one (same id, same content) is the same 届出."""
    requester = _requester(session, notification.requester_agency_code)
    notification.verify(requester.signing_public_key, record=notification.notification_id)
    if requester.kind not in LOCAL_GOVERNMENT_KINDS:
        raise Invalid(
            f"独自利用事務の届出は地方公共団体の機関が行います（機関種別: {requester.kind}）",
            record=notification.notification_id,
            field="情報照会者機関コード",
        )
    existing = session.scalar(
        sa.select(HubLocalUseNotification).where(
            HubLocalUseNotification.requester_code == requester.agency_code,
            HubLocalUseNotification.notification_id == notification.notification_id,
        )
    )
    content = _content(notification)
    if existing is not None:
        if _stored_content(existing) != content:
            raise Conflict(
                "同じ届出番号で内容の異なる届出があります（変更は新しい届出で行ってください）",
                record=notification.notification_id,
                field="届出番号",
            )
        return _state(existing, session)
    row = HubLocalUseNotification(
        requester_code=requester.agency_code,
        notification_id=notification.notification_id,
        jimu_code=notification.jimu_code,
        jimu_name=notification.jimu_name,
        similar_jimu_code=notification.similar_jimu_code,
        ordinance_number=notification.ordinance_number,
        ordinance_title=notification.ordinance_title,
        article=notification.article,
        start_on=notification.start_on,
        end_on=notification.end_on,
        information=[i.model_dump(mode="json") for i in notification.information],
        status="filed",
        reasons=[],
        filed_at=clock.now(),
        decided_by="",
    )
    session.add(row)
    session.flush()
    return _state(row, session)


def _stored_content(n: HubLocalUseNotification) -> dict[str, Any]:
    return {
        "jimu_code": n.jimu_code,
        "jimu_name": n.jimu_name,
        "similar_jimu_code": n.similar_jimu_code,
        "ordinance_number": n.ordinance_number,
        "ordinance_title": n.ordinance_title,
        "article": n.article,
        "start_on": n.start_on.isoformat(),
        "end_on": n.end_on.isoformat() if n.end_on else None,
        "information": list(n.information),
    }


def notification_status(session: Session, *, query: NotificationQuery) -> NotificationState:
    requester = _requester(session, query.requester_agency_code)
    query.verify(requester.signing_public_key, record=query.notification_id)
    return _state(_notification(session, requester.agency_code, query.notification_id), session)


def _notification(session: Session, requester_code: str, notification_id: str) -> HubLocalUseNotification:
    found = session.scalar(
        sa.select(HubLocalUseNotification).where(
            HubLocalUseNotification.requester_code == requester_code,
            HubLocalUseNotification.notification_id == notification_id,
        )
    )
    if found is None:
        raise NotFound(f"届出「{notification_id}」はありません", record=notification_id, field="届出番号")
    return found


# --- the commission's review ------------------------------------------------------------------------------------
def check(session: Session, notification: HubLocalUseNotification) -> list[str]:
    """Why this 届出 cannot be accepted (empty when it can), after the rules of decision 0132."""
    ensure_default_permissions(session)
    reasons: list[str] = []
    requester = session.get(HubAgency, notification.requester_code)
    kinds = [requester.kind, requester.agency_code] if requester else [notification.requester_code]
    if not notification.similar_jimu_code:
        reasons.append("準ずる法定事務が指定されていません")
        return reasons
    rows = list(
        session.scalars(
            sa.select(HubPermission).where(
                HubPermission.jimu_code == notification.similar_jimu_code, HubPermission.requester.in_(kinds)
            )
        )
    )
    if not rows:
        reasons.append(
            f"準ずる法定事務「{notification.similar_jimu_code}」は、この機関が照会できる法定事務として許可表にありません"
        )
        return reasons
    for item in notification.information:
        provider, tm_code = str(item["provider"]), str(item["tm_code"])
        named = session.get(HubAgency, provider) if provider.isdigit() else None
        parties = {provider, named.kind} if named is not None else {provider}
        if not any(r.provider in parties and r.tm_code == tm_code for r in rows):
            reasons.append(
                f"提供を求める特定個人情報「{tm_code}」（情報提供者: {provider}）は、準ずる法定事務"
                f"「{notification.similar_jimu_code}」で照会できる範囲外です"
            )
        if provider.isdigit() and not item.get("provider_consent"):
            reasons.append(
                f"情報提供者 {provider} の同意がありません（特定の機関に求める場合は同意が必要です）"
            )
    return reasons


def _decidable(session: Session, requester_code: str, notification_id: str) -> HubLocalUseNotification:
    found = _notification(session, requester_code, notification_id)
    if found.status != "filed":
        raise Conflict(
            f"届出「{notification_id}」は既に{'受理' if found.status == 'accepted' else '返戻'}されています",
            record=notification_id,
            field="状態",
        )
    return found


def _operator(operator: str) -> str:
    if not operator.strip():
        raise Invalid("審査した職員を入力してください", field="operator")
    return f"{COMMISSION_ROLE} {operator.strip()}"[:100]


def accept(
    session: Session, *, requester_code: str, notification_id: str, operator: str
) -> NotificationState:
    """Accept a filed 届出 when every rule holds (entries made), else return it with the failed rules."""
    who = _operator(operator)
    found = _decidable(session, requester_code, notification_id)
    reasons = check(session, found)
    found.decided_at, found.decided_by = clock.now(), who
    if reasons:
        found.status, found.reasons = "returned", reasons
        session.flush()
        return _state(found, session)
    found.status, found.reasons = "accepted", []
    for item in found.information:
        session.add(
            HubLocalUsePermission(
                notification_pk=found.id,
                requester_code=found.requester_code,
                jimu_code=found.jimu_code,
                provider=str(item["provider"]),
                tm_code=str(item["tm_code"]),
                valid_from=found.start_on,
                valid_to=found.end_on,
            )
        )
    session.flush()
    return _state(found, session)


def return_notification(
    session: Session, *, requester_code: str, notification_id: str, operator: str, reasons: list[str]
) -> NotificationState:
    """Return a filed 届出 with the operator's reasons (at least one)."""
    who = _operator(operator)
    given = [r.strip() for r in reasons if r.strip()]
    if not given:
        raise Invalid("返戻の理由を入力してください", record=notification_id, field="理由")
    found = _decidable(session, requester_code, notification_id)
    found.status, found.reasons = "returned", given
    found.decided_at, found.decided_by = clock.now(), who
    session.flush()
    return _state(found, session)


def list_notifications(session: Session, *, status: str | None = None) -> list[HubLocalUseNotification]:
    query = sa.select(HubLocalUseNotification).order_by(
        HubLocalUseNotification.filed_at, HubLocalUseNotification.id
    )
    if status:
        query = query.where(HubLocalUseNotification.status == status)
    return list(session.scalars(query))


# --- entries, the query check and the basis shown -------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """A permission entry of an accepted 届出, with its basis, for the operator's console."""

    requester_code: str
    requester_name: str
    jimu_code: str
    jimu_name: str
    provider: str
    tm_code: str
    valid_from: dt.date
    valid_to: dt.date | None
    basis: str
    notification_id: str


def basis_label(n: HubLocalUseNotification) -> str:
    """番号法第19条第9号 with the 条例 and article, and the 届出 that made it usable."""
    return f"番号法第19条第9号・{n.ordinance_number} {n.article}（{n.ordinance_title}）・届出 {n.notification_id}"


def list_entries(session: Session) -> list[Entry]:
    rows = session.execute(
        sa.select(HubLocalUsePermission, HubLocalUseNotification)
        .join(HubLocalUseNotification, HubLocalUseNotification.id == HubLocalUsePermission.notification_pk)
        .order_by(
            HubLocalUsePermission.requester_code, HubLocalUsePermission.jimu_code, HubLocalUsePermission.id
        )
    )
    names = {a.agency_code: a.name for a in session.scalars(sa.select(HubAgency))}
    return [
        Entry(
            requester_code=p.requester_code,
            requester_name=names.get(p.requester_code, ""),
            jimu_code=p.jimu_code,
            jimu_name=n.jimu_name,
            provider=p.provider,
            tm_code=p.tm_code,
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            basis=basis_label(n),
            notification_id=n.notification_id,
        )
        for p, n in rows
    ]


def basis_of_record(session: Session, record: dict[str, Any]) -> str:
    """The legal basis of one recorded exchange: the accepted 届出 for a 独自利用事務, else the permission table."""
    jimu_code = str(record.get("jimu_code") or "")
    requester_code = str(record.get("requester_code") or "")
    n = session.scalar(
        sa.select(HubLocalUseNotification).where(
            HubLocalUseNotification.requester_code == requester_code,
            HubLocalUseNotification.jimu_code == jimu_code,
            HubLocalUseNotification.status == "accepted",
        )
    )
    if n is not None:
        return basis_label(n)
    item = session.scalar(sa.select(HubPermission.item).where(HubPermission.jimu_code == jimu_code).limit(1))
    return f"番号法第19条第8号・別表第二 {item}の項" if item else ""
