"""The append-only issuance log: every issuance and status change, chained by SHA-256 so a gap or edit shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict
from renkei.jpki.models import LogEntry

GENESIS = bytes(32)

ACTIONS = (
    "init_ca",
    "issue_card",
    "issue_certificate",
    "revoke",
    "suspend",
    "resume",
    "reset_pin",
    "close_card",
    "rotate_responder",
    "publish_crl",
    "identity_event",
    "register_verifier",
)


def _digest(
    prev: bytes, *, at: str, action: str, card: str | None, serial: str | None, detail: dict[str, Any]
) -> bytes:
    body = json.dumps([at, action, card, serial, detail], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(prev + body.encode()).digest()


def append(
    session: Session,
    action: str,
    *,
    card_number: str | None = None,
    serial: int | None = None,
    detail: dict[str, Any] | None = None,
) -> LogEntry:
    """Add one entry at the tail of the chain (there is no update or delete)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown issuance log action {action!r}")
    prev = session.scalar(sa.select(LogEntry.entry_hash).order_by(LogEntry.id.desc()).limit(1)) or GENESIS
    at = clock.now().astimezone(dt.UTC)
    text_serial = None if serial is None else str(serial)
    detail = detail or {}
    entry = LogEntry(
        at=at,
        action=action,
        card_number=card_number,
        serial=text_serial,
        detail=detail,
        prev_hash=prev,
        entry_hash=_digest(
            prev, at=at.isoformat(), action=action, card=card_number, serial=text_serial, detail=detail
        ),
    )
    session.add(entry)
    session.flush()
    return entry


def append_many(session: Session, items: list[tuple[str, str | None, int | None, dict[str, Any]]]) -> None:
    """Append (action, card_number, serial, detail) entries in order with one multi-row INSERT."""
    prev = session.scalar(sa.select(LogEntry.entry_hash).order_by(LogEntry.id.desc()).limit(1)) or GENESIS
    at = clock.now().astimezone(dt.UTC)
    stamp = at.isoformat()
    rows = []
    for action, card_number, serial, detail in items:
        if action not in ACTIONS:
            raise ValueError(f"unknown issuance log action {action!r}")
        text_serial = None if serial is None else str(serial)
        entry_hash = _digest(
            prev, at=stamp, action=action, card=card_number, serial=text_serial, detail=detail
        )
        rows.append(
            {
                "at": at,
                "action": action,
                "card_number": card_number,
                "serial": text_serial,
                "detail": detail,
                "prev_hash": prev,
                "entry_hash": entry_hash,
            }
        )
        prev = entry_hash
    if rows:
        session.execute(sa.insert(LogEntry), rows)


def verify(session: Session) -> int:
    """Walk the whole chain; return its length or raise Conflict naming the first entry that does not fit."""
    prev = GENESIS
    count = 0
    for entry in session.scalars(sa.select(LogEntry).order_by(LogEntry.id)):
        expected = _digest(
            prev,
            at=entry.at.isoformat(),
            action=entry.action,
            card=entry.card_number,
            serial=entry.serial,
            detail=entry.detail,
        )
        if entry.prev_hash != prev or entry.entry_hash != expected:
            raise Conflict(
                "発行ログの連鎖が一致しません（改ざんまたは欠落）", record=str(entry.id), field="entry_hash"
            )
        prev = entry.entry_hash
        count += 1
    return count
