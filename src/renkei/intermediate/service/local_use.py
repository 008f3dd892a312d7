"""The municipality's side of a 独自利用事務の情報連携 届出: build and sign it from the 条例 registry, keep the answer.

No network call inside a write transaction (CONVENTIONS §18): `prepare_notification` reads and signs in one
session, the caller sends it with `LocalUseClient`, and `record_state` keeps the commission's answer in another.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sqlalchemy.orm import Session

from renkei.addressee import service as addressee
from renkei.addressee.schemas import PlanRow
from renkei.core.errors import Invalid
from renkei.core.settings import Settings
from renkei.intermediate.service.node import node_keys
from renkei.protocol.local_use import (
    LocalUseNotification,
    NotificationQuery,
    NotificationState,
    RequestedInformation,
)


def prepare_notification(
    session: Session,
    *,
    lg_code: str,
    jimu_code: str,
    information: Iterable[RequestedInformation],
    settings: Settings,
) -> LocalUseNotification:
    """The signed 届出 for a registered 独自利用事務, asking for `information` (each within the 事務's own
    特定個人情報). Its id is derived from its content, so sending the same 届出 again is the same 届出."""
    row: PlanRow = addressee.local_jimu(session, jimu_code=jimu_code)
    asked = list(information)
    for item in asked:
        if item.tm_code not in row.tm_codes:
            raise Invalid(
                f"特定個人情報「{item.tm_code}」は、この独自利用事務が条例で利用する特定個人情報"
                f"（{'、'.join(row.tm_codes)}）にありません",
                record=jimu_code,
                field="特定個人情報",
            )
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    ordinance = row.ordinance
    body = {
        "jimu_code": row.jimu_code,
        "jimu_name": row.jimu_name,
        "similar_jimu_code": row.similar_jimu_code,
        "ordinance_number": ordinance.number,
        "ordinance_title": ordinance.title,
        "article": row.article,
        "start_on": ordinance.start_on.isoformat(),
        "end_on": ordinance.end_on.isoformat() if ordinance.end_on else None,
        "information": [i.model_dump(mode="json") for i in asked],
    }
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
    notification = LocalUseNotification.model_validate(
        {**body, "notification_id": f"{row.jimu_code}-{digest}", "requester_agency_code": keys.agency_code}
    )
    signed: LocalUseNotification = notification.signed(keys.signing_key)
    return signed


def status_query(
    session: Session, *, lg_code: str, notification_id: str, settings: Settings
) -> NotificationQuery:
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    query = NotificationQuery(requester_agency_code=keys.agency_code, notification_id=notification_id)
    signed: NotificationQuery = query.signed(keys.signing_key)
    return signed


def record_state(session: Session, *, state: NotificationState) -> PlanRow:
    """Keep the commission's answer (filed / accepted / returned with reasons) on the 独自利用事務."""
    return addressee.record_notification(
        session,
        jimu_code=state.jimu_code,
        notification_id=state.notification_id,
        status=state.status,
        reasons="；".join(state.reasons),
    )
