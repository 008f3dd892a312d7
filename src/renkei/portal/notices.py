"""お知らせ: notices a municipality sends to its residents, received by the portal and read by each person.

A submission is accepted only with a valid signature by the key the hub has registered for that municipality's
agency code (checked before the transaction opens); the same notice id sent again is answered as the first
time. A person sees only notices addressed to their current (団体コード, resident) as their card's municipality
states it at login; a notice addressed to someone else is never found for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Forbidden, NotFound
from renkei.core.ids import municipality_agency_code
from renkei.portal.models import PortalNotice, PortalNoticeRecipient, PortalUser
from renkei.protocol.hub import HubClient
from renkei.protocol.portal import NoticeAccepted, NoticeSubmission


def check_sender(submission: NoticeSubmission, *, hub: HubClient) -> None:
    """The municipality signed it with its registered key, for its own residents (network: no session held)."""
    if submission.agency_code != municipality_agency_code(submission.lg_code):
        raise Forbidden(
            "自団体の住民以外へのお知らせは送れません", record=submission.agency_code, field="lg_code"
        )
    agency = hub.agency(submission.agency_code)
    submission.verify(agency.signing_public_key, record=submission.agency_code)


def accept(session: Session, *, submission: NoticeSubmission) -> NoticeAccepted:
    existing = session.get(PortalNotice, submission.notice_id)
    if existing is not None:
        return NoticeAccepted(notice_id=existing.id, recipients=existing.recipients)
    recipients = sorted(set(submission.recipients))
    session.add(
        PortalNotice(
            id=submission.notice_id,
            agency_code=submission.agency_code,
            lg_code=submission.lg_code,
            title=submission.title,
            body=submission.body,
            condition=submission.condition,
            sent_by=submission.sent_by,
            sent_at=submission.sent_at,
            received_at=clock.now(),
            recipients=len(recipients),
        )
    )
    session.flush()
    session.execute(
        sa.insert(PortalNoticeRecipient),
        [
            {"notice_id": submission.notice_id, "lg_code": submission.lg_code, "resident_id": r}
            for r in recipients
        ],
    )
    session.flush()
    return NoticeAccepted(notice_id=submission.notice_id, recipients=len(recipients))


@dataclass(frozen=True)
class NoticeView:
    id: str
    title: str
    body: str
    lg_code: str
    sent_at: dt.datetime
    read_at: dt.datetime | None


def _mine(user: PortalUser) -> sa.Select[PortalNotice, PortalNoticeRecipient]:
    return (
        sa.select(PortalNotice, PortalNoticeRecipient)
        .join(PortalNoticeRecipient, PortalNoticeRecipient.notice_id == PortalNotice.id)
        .where(
            PortalNoticeRecipient.lg_code == user.lg_code,
            PortalNoticeRecipient.resident_id == user.resident_id,
        )
    )


def list_notices(session: Session, *, user: PortalUser) -> list[NoticeView]:
    rows = session.execute(_mine(user).order_by(PortalNotice.sent_at.desc()))
    return [NoticeView(n.id, n.title, n.body, n.lg_code, n.sent_at, r.read_at) for n, r in rows]


def open_notice(session: Session, *, user: PortalUser, notice_id: str) -> NoticeView:
    """The notice, marked read on first opening; someone else's notice is not found."""
    row = session.execute(_mine(user).where(PortalNotice.id == notice_id)).first()
    if row is None:
        raise NotFound("お知らせが見つかりません", record=notice_id, field="notice_id")
    notice, recipient = row[0], row[1]
    if recipient.read_at is None:
        recipient.read_at = clock.now()
        session.flush()
    return NoticeView(notice.id, notice.title, notice.body, notice.lg_code, notice.sent_at, recipient.read_at)
