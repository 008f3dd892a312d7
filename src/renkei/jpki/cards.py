"""PIN rules of the card (公的個人認証: 利用者証明用 4 digits, 3 tries; 署名用 6–16 upper-case letters and digits, 5 tries).

The failure counter behaves like the chip's: a wrong PIN is counted in its own transaction, so the count
survives the caller's rollback. Only the municipal window, after an identity check, resets a PIN.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from renkei.core.crypto import derive_key
from renkei.core.errors import Forbidden, Invalid, Unauthenticated
from renkei.core.settings import Settings
from renkei.jpki.models import Card

AUTH_PIN = re.compile(r"[0-9]{4}")
SIGN_PIN = re.compile(r"[A-Z0-9]{6,16}")
TRIES = {"auth": 3, "sign": 5}
SLOT_LABELS = {"auth": "利用者証明用", "sign": "署名用"}


def validate_pin(slot: str, pin: str) -> str:
    """Raise Invalid naming the rule a PIN breaks; return it unchanged otherwise."""
    if slot == "auth":
        if not AUTH_PIN.fullmatch(pin):
            raise Invalid("利用者証明用のPINは数字4桁です", field="auth_pin")
        return pin
    if slot == "sign":
        if not SIGN_PIN.fullmatch(pin):
            raise Invalid("署名用のPINは英大文字と数字の6〜16文字です", field="sign_pin")
        if not (re.search(r"[A-Z]", pin) and re.search(r"[0-9]", pin)):
            raise Invalid("署名用のPINには英大文字と数字をそれぞれ1文字以上含めてください", field="sign_pin")
        return pin
    raise Invalid("用途は auth か sign です", field="slot")


def pin_mac(settings: Settings, card: Card, slot: str, pin: str) -> bytes:
    key = derive_key(settings.secret("jpki_key"), f"renkei.jpki.pin:{card.card_number}")
    return hmac.new(key, card.pin_salt + slot.encode() + b"\x00" + pin.encode(), hashlib.sha256).digest()


def set_pin(settings: Settings, card: Card, slot: str, pin: str) -> None:
    """Set a PIN (at issuance or a window reset) and clear its failure count."""
    validate_pin(slot, pin)
    mac = pin_mac(settings, card, slot, pin)
    if slot == "auth":
        card.auth_pin_mac, card.auth_pin_failures = mac, 0
    else:
        card.sign_pin_mac, card.sign_pin_failures = mac, 0


def failures(card: Card, slot: str) -> int:
    return card.auth_pin_failures if slot == "auth" else card.sign_pin_failures


def locked(card: Card, slot: str) -> bool:
    return failures(card, slot) >= TRIES[slot]


def _count_failure(session: Session, card: Card, slot: str) -> int:
    """Add one failure in a transaction of its own (the chip's counter does not roll back)."""
    column = Card.auth_pin_failures if slot == "auth" else Card.sign_pin_failures
    bind = session.get_bind()
    statement = sa.update(Card).where(Card.id == card.id).values({column: column + 1}).returning(column)
    if isinstance(bind, Engine):
        with Session(bind) as own:
            count = int(own.execute(statement).scalar_one())
            own.commit()
    else:  # already inside a caller's connection: count there
        count = int(session.execute(statement).scalar_one())
    if slot == "auth":
        card.auth_pin_failures = count
    else:
        card.sign_pin_failures = count
    return count


def check_pin(session: Session, settings: Settings, card: Card, slot: str, pin: str) -> None:
    """Verify the PIN of `slot`, counting failures and locking at the limit; the card must be in use."""
    label = SLOT_LABELS.get(slot)
    if label is None:
        raise Invalid("用途は auth か sign です", field="slot")
    if card.status != "active":
        state = "一時停止中" if card.status == "suspended" else "廃止済み"
        raise Forbidden(f"このカードは{state}のため使用できません", record=card.card_number, field="status")
    mac = card.auth_pin_mac if slot == "auth" else card.sign_pin_mac
    if mac is None:
        raise Forbidden(f"{label}電子証明書が搭載されていません", record=card.card_number, field=slot)
    if locked(card, slot):
        raise Forbidden(
            f"{label}PINはロックされています。市区町村の窓口で本人確認のうえ初期化してください",
            record=card.card_number,
            field=f"{slot}_pin",
        )
    if hmac.compare_digest(mac, pin_mac(settings, card, slot, pin)):
        if failures(card, slot):
            set_failures = {"auth_pin_failures": 0} if slot == "auth" else {"sign_pin_failures": 0}
            for name, value in set_failures.items():
                setattr(card, name, value)
        return
    count = _count_failure(session, card, slot)
    remaining = TRIES[slot] - count
    if remaining <= 0:
        raise Forbidden(
            f"{label}PINが違います。PINがロックされました（市区町村の窓口で初期化が必要です）",
            record=card.card_number,
            field=f"{slot}_pin",
        )
    raise Unauthenticated(
        f"{label}PINが違います（あと{remaining}回誤るとロックされます）",
        record=card.card_number,
        field=f"{slot}_pin",
    )
