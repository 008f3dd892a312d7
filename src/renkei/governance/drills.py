"""訓練 (drills): a 標的型メール campaign and an 誤送信 drill, with results per 所属 and over time.

renkei sends no mail. A drill produces one message per target, to be delivered by the body's own mail system or
shown on screen; its link is harmless and points at this machine only (127.0.0.1): opening it records a click and
shows a page that says it was a drill; the report link records that the person reported it (decision 0073).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.governance import training
from renkei.governance.models_course import GovernanceDrill, GovernanceDrillTarget
from renkei.governance.scales import DRILL_KINDS, DRILL_MISDELIVERY, DRILL_PHISHING

PHISHING, MISDELIVERY, KINDS = DRILL_PHISHING, DRILL_MISDELIVERY, DRILL_KINDS
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TEMPLATES = {
    PHISHING: (
        "【至急】職員向けシステムのパスワード有効期限のお知らせ",
        "お疲れさまです。システム管理担当です。\n本日中に下記から更新手続きを行ってください。\n{link}\n\n"
        "（このメールに心当たりがない場合は、開かずに報告してください: {report}）",
    ),
    MISDELIVERY: (
        "Fw: 児童手当 現況届の送付先一覧（他課あて）",
        "〇〇課 ご担当者様\n依頼のあった送付先一覧を添付します。\n添付ファイル: {link}\n\n"
        "（宛先が違うと思ったら、開かずに報告してください: {report}）",
    ),
}


def check_link_base(base_url: str) -> str:
    """The base of the drill links, refused unless it points at this machine."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
        raise Invalid(
            f"訓練のリンクはこの端末（127.0.0.1）を指す必要があります（入力値: {base_url!r}）",
            field="リンク先",
        )
    return base_url.rstrip("/")


def create_drill(
    session: Session,
    *,
    code: str,
    kind: str,
    title: str,
    departments: list[str] | None = None,
    handler_codes: list[str] | None = None,
    started_on: dt.date | None = None,
) -> GovernanceDrill:
    """A drill for the active handlers of the given 所属 and/or the given handlers; once created, it stays."""
    code = code.strip()
    record = f"訓練 {code}"
    if not code or not title.strip():
        raise Invalid("訓練の番号と名称は必須です", record=record, field="番号" if not code else "名称")
    if kind not in KINDS:
        raise Invalid(
            f"訓練の種類は {' / '.join(KINDS)} です（入力値: {kind!r}）", record=record, field="種類"
        )
    if session.scalar(sa.select(GovernanceDrill).where(GovernanceDrill.code == code)) is not None:
        raise Conflict(f"訓練 {code} は登録済みです", record=record, field="番号")
    wanted = {d.strip() for d in departments or [] if d.strip()}
    chosen = {h.id: h for h in training.list_handlers(session) if h.active and h.department in wanted}
    for handler_code in handler_codes or []:
        handler = training.get_handler(session, code=handler_code)
        chosen[handler.id] = handler
    if not chosen:
        raise Invalid(
            "訓練の対象者がいません（所属または職員番号を指定してください）", record=record, field="対象者"
        )
    subject, body = TEMPLATES[kind]
    drill = GovernanceDrill(
        code=code,
        kind=kind,
        title=title.strip(),
        subject=subject,
        body=body,
        started_on=started_on or clock.today(),
    )
    drill.targets = [
        GovernanceDrillTarget(
            handler_id=h.id, handler=h, department=h.department, token=secrets.token_urlsafe(32)
        )
        for h in sorted(chosen.values(), key=lambda h: (h.department, h.code))
    ]
    session.add(drill)
    session.flush()
    return drill


def list_drills(session: Session) -> list[GovernanceDrill]:
    return list(
        session.scalars(sa.select(GovernanceDrill).order_by(GovernanceDrill.started_on, GovernanceDrill.code))
    )


def get_drill(session: Session, *, code: str) -> GovernanceDrill:
    drill = session.scalar(sa.select(GovernanceDrill).where(GovernanceDrill.code == code.strip()))
    if drill is None:
        raise NotFound(f"登録されていない訓練です: {code}", record=code, field="訓練")
    return drill


@dataclass(frozen=True)
class Message:
    target: GovernanceDrillTarget
    subject: str
    body: str
    link: str
    report: str


def messages(drill: GovernanceDrill, *, base_url: str) -> list[Message]:
    base = check_link_base(base_url)
    out = []
    for target in drill.targets:
        link, report = f"{base}/c/{target.token}", f"{base}/r/{target.token}"
        out.append(Message(target, drill.subject, drill.body.format(link=link, report=report), link, report))
    return out


def _target(session: Session, token: str) -> GovernanceDrillTarget:
    target = session.scalar(sa.select(GovernanceDrillTarget).where(GovernanceDrillTarget.token == token))
    if target is None:
        raise NotFound("このリンクは無効です", field="リンク")
    return target


def record_click(session: Session, *, token: str) -> tuple[GovernanceDrill, GovernanceDrillTarget]:
    """The harmless link was opened; the first time counts (safe to open again)."""
    target = _target(session, token)
    if target.clicked_at is None:
        target.clicked_at = clock.now()
        session.flush()
    drill = session.get(GovernanceDrill, target.drill_id)
    assert drill is not None
    return drill, target


def record_report(session: Session, *, token: str) -> tuple[GovernanceDrill, GovernanceDrillTarget]:
    """The person reported the message (the right reaction, clicked or not); the first report counts."""
    target = _target(session, token)
    if target.reported_at is None:
        target.reported_at = clock.now()
        session.flush()
    drill = session.get(GovernanceDrill, target.drill_id)
    assert drill is not None
    return drill, target


@dataclass(frozen=True)
class Tally:
    label: str
    targets: int
    clicked: int
    reported: int
    reported_without_click: int

    @property
    def click_rate(self) -> float:
        return round(100 * self.clicked / self.targets, 1) if self.targets else 0.0

    @property
    def report_rate(self) -> float:
        return round(100 * self.reported / self.targets, 1) if self.targets else 0.0


def _tally(label: str, targets: list[GovernanceDrillTarget]) -> Tally:
    return Tally(
        label,
        len(targets),
        sum(1 for t in targets if t.clicked_at),
        sum(1 for t in targets if t.reported_at),
        sum(1 for t in targets if t.reported_at and not t.clicked_at),
    )


def by_department(drill: GovernanceDrill) -> list[Tally]:
    """One line per 所属 (as it was when the drill was sent), then the whole drill."""
    grouped: dict[str, list[GovernanceDrillTarget]] = defaultdict(list)
    for target in drill.targets:
        grouped[target.department].append(target)
    return [_tally(name, rows) for name, rows in sorted(grouped.items())] + [
        _tally("計", list(drill.targets))
    ]


def over_time(session: Session, *, kind: str) -> list[tuple[GovernanceDrill, Tally]]:
    """Every drill of one kind in date order with its totals: are fewer clicking, more reporting?"""
    return [
        (d, _tally(d.started_on.isoformat(), list(d.targets))) for d in list_drills(session) if d.kind == kind
    ]
