"""Free-space applications on the card: the central registry and writing, reading, deleting on a card.

The card's rules: it must be in use (not suspended or closed); writing and deleting need the 利用者証明用 PIN,
counted and locked as the chip does; only the municipality that registered an application may write or delete
it, and only on a card of its own resident; reading needs the PIN when the application says so. Decision 0088.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.jpki import cards
from renkei.jpki.models import Card, CardApp, CardAppRegistration, Holder
from renkei.protocol import signing
from renkei.protocol.card_apps import MAX_APPS, MAX_DATA, AppRegistration, AppView, CardAppView


def _view(row: CardAppRegistration) -> AppView:
    return AppView.model_validate(row, from_attributes=True)


def register(session: Session, *, registration: AppRegistration) -> AppView:
    """Register an application centrally; the same municipality and name again returns the registration."""
    lg_code = ids.validate_lg_code(registration.lg_code)
    existing = session.scalar(
        sa.select(CardAppRegistration).where(
            CardAppRegistration.lg_code == lg_code, CardAppRegistration.name == registration.name.strip()
        )
    )
    if existing is not None:
        return _view(existing)
    row = CardAppRegistration(
        code=f"AP{secrets.randbelow(10**8):08d}",
        lg_code=lg_code,
        name=registration.name.strip(),
        purpose=registration.purpose.strip(),
        pin_to_read=registration.pin_to_read,
        registered_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return _view(row)


def registry(session: Session, *, lg_code: str | None = None) -> list[AppView]:
    query = sa.select(CardAppRegistration).order_by(CardAppRegistration.registered_at)
    if lg_code:
        query = query.where(CardAppRegistration.lg_code == lg_code)
    return [_view(r) for r in session.scalars(query)]


def _card(session: Session, card_number: str) -> tuple[Card, Holder]:
    card = session.scalar(sa.select(Card).where(Card.card_number == card_number.strip()))
    if card is None:
        raise NotFound("カードが見つかりません", record=card_number, field="card_number")
    holder = session.get(Holder, card.holder_id)
    assert holder is not None
    return card, holder


def _app(session: Session, code: str) -> CardAppRegistration:
    app = session.get(CardAppRegistration, code)
    if app is None:
        raise NotFound("登録のないカードアプリケーションです", record=code, field="app_code")
    return app


def _live(session: Session, card: Card) -> list[CardApp]:
    return list(
        session.scalars(
            sa.select(CardApp)
            .where(CardApp.card_id == card.id, CardApp.deleted_at.is_(None))
            .order_by(CardApp.id)
        )
    )


def _own(app: CardAppRegistration, holder: Holder, lg_code: str) -> None:
    if app.lg_code != lg_code:
        raise Forbidden(
            "他の団体が登録したアプリケーションは書き込み・削除できません", record=app.code, field="lg_code"
        )
    if holder.lg_code != lg_code:
        raise Forbidden("この団体の住民のカードではありません", record=app.code, field="card_number")


def write(
    session: Session,
    *,
    settings: Settings,
    lg_code: str,
    card_number: str,
    app_code: str,
    pin: str,
    data: dict[str, Any],
) -> CardAppView:
    card, holder = _card(session, card_number)
    app = _app(session, app_code)
    _own(app, holder, lg_code)
    size = len(signing.canonical_json(data))
    if size > MAX_DATA:
        raise Invalid(
            f"書き込めるデータは{MAX_DATA}バイトまでです（{size}バイト）", record=app.code, field="data"
        )
    cards.check_pin(session, settings, card, "auth", pin)
    live = _live(session, card)
    if any(a.app_code == app.code for a in live):
        raise Conflict(
            "このアプリケーションは既にカードに搭載されています", record=app.code, field="app_code"
        )
    if len(live) >= MAX_APPS:
        raise Conflict(
            f"カードの空き領域に余裕がありません（最大{MAX_APPS}件）",
            record=card.card_number,
            field="空き領域",
        )
    row = CardApp(card_id=card.id, app_code=app.code, data=data, issued_at=clock.now())
    session.add(row)
    session.flush()
    return CardAppView(
        app_code=app.code, name=app.name, lg_code=app.lg_code, data=data, issued_at=row.issued_at
    )


def read(session: Session, *, settings: Settings, card_number: str, pin: str | None) -> list[CardAppView]:
    """What the card's free space holds; an application that needs the PIN shows its data only after it."""
    card, _holder = _card(session, card_number)
    if card.status != "active":
        raise Forbidden(
            "このカードは使用できません（一時停止中または廃止済み）", record=card.card_number, field="status"
        )
    if pin is not None:
        cards.check_pin(session, settings, card, "auth", pin)
    views = []
    for row in _live(session, card):
        app = _app(session, row.app_code)
        shown = row.data if (not app.pin_to_read or pin is not None) else None
        views.append(
            CardAppView(
                app_code=app.code, name=app.name, lg_code=app.lg_code, data=shown, issued_at=row.issued_at
            )
        )
    return views


def delete(
    session: Session, *, settings: Settings, lg_code: str, card_number: str, app_code: str, pin: str
) -> None:
    card, holder = _card(session, card_number)
    app = _app(session, app_code)
    _own(app, holder, lg_code)
    cards.check_pin(session, settings, card, "auth", pin)
    row = next((a for a in _live(session, card) if a.app_code == app.code), None)
    if row is None:
        raise NotFound("このアプリケーションはカードに搭載されていません", record=app.code, field="app_code")
    row.deleted_at = clock.now()
    session.flush()
