"""The municipal window's operations on cards: issue, PIN reset, suspend (紛失) and resume, revoke, renew.

The window identifies the person in its own register and passes jpki an `IdentityCheck`; every operation that
a stranger must not be able to do (reset, resume, revoke, renew) refuses to run without one.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.jpki import ca, cards, log, profiles, revocation, tokens
from renkei.jpki.models import Card, Certificate, Holder
from renkei.jpki.oids import REASON_LABELS, REASON_NAMES, Reason
from renkei.protocol.jpki import (
    Basic4,
    CardApplication,
    CardView,
    CertificateView,
    HolderStatus,
    IdentityCheck,
    IssuedCard,
)

SIGN_MIN_AGE = 15  # no 署名用 certificate under 15 (公的個人認証法施行規則; mynumber-reference §8)
ADULT_AGE = 18  # card valid to the 10th birthday from 18, the 5th below


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def to_profile(basic4: Basic4) -> profiles.Basic4:
    return profiles.Basic4(
        name=basic4.name,
        address=basic4.address,
        birth_date=basic4.birth_date,
        sex=basic4.sex,
        former_surname=basic4.former_surname or None,
    )


def _require_check(check: IdentityCheck | None) -> IdentityCheck:
    if check is None or not check.identity_document.strip():
        raise Forbidden(
            "本人確認が行われていないため受け付けられません（本人確認書類を記録してください）",
            field="identity_document",
        )
    validate_lg_code(check.lg_code, field="lg_code")
    return check


def _card(session: Session, card_number: str) -> Card:
    card = session.scalar(sa.select(Card).where(Card.card_number == card_number.strip()))
    if card is None:
        raise NotFound("カードが見つかりません", record=card_number, field="card_number")
    return card


def _checked_card(session: Session, card_number: str, check: IdentityCheck | None) -> tuple[Card, Holder]:
    """The card, after making sure the person at the window is its holder."""
    check = _require_check(check)
    card = _card(session, card_number)
    holder = session.get(Holder, card.holder_id)
    assert holder is not None
    if (holder.lg_code, holder.resident_id) != (check.lg_code, check.resident_id):
        raise Forbidden(
            "カードの名義人と窓口で確認した住民が一致しません", record=card_number, field="resident_id"
        )
    if holder.birth_date != check.registered.birth_date or holder.sex != check.registered.sex:
        raise Forbidden("住民票の記載とカードの名義人が一致しません", record=card_number, field="birth_date")
    return card, holder


def _new_card_number(session: Session) -> str:
    while True:
        number = f"{secrets.randbelow(10**12):012d}"
        if session.scalar(sa.select(Card.id).where(Card.card_number == number)) is None:
            return number


def _holder(session: Session, check: IdentityCheck) -> Holder:
    holder = session.scalar(
        sa.select(Holder).where(Holder.lg_code == check.lg_code, Holder.resident_id == check.resident_id)
    )
    now = clock.now()
    register = check.registered
    if holder is None:
        holder = Holder(
            lg_code=check.lg_code,
            resident_id=check.resident_id,
            deceased=False,
            updated_at=now,
            name=register.name,
            address=register.address,
            birth_date=register.birth_date,
            sex=register.sex,
            former_surname=register.former_surname,
        )
        session.add(holder)
    else:
        holder.name, holder.address = register.name, register.address
        holder.birth_date, holder.sex, holder.former_surname = (
            register.birth_date,
            register.sex,
            register.former_surname,
        )
        holder.updated_at = now
    session.flush()
    return holder


def _compare_declared(declared: Basic4, registered: Basic4) -> None:
    for field, label in (("name", "氏名"), ("birth_date", "生年月日"), ("address", "住所"), ("sex", "性別")):
        a, b = getattr(declared, field), getattr(registered, field)
        if (_normal(a) != _normal(b)) if isinstance(a, str) else a != b:
            raise Invalid(f"申請書の{label}が住民票の記載と一致しません", field=field)


def _certificate_expiry(birth: dt.date, card_expires: dt.date) -> dt.datetime:
    """Until the 5th birthday after issuance, or the card's expiry if earlier (mynumber-reference §8)."""
    day = min(profiles.nth_birthday_after(birth, clock.today(), 5), card_expires)
    return profiles.end_of_day_jst(day)


def issue_card(session: Session, *, settings: Settings, application: CardApplication) -> IssuedCard:
    """交付: identity check against the register, card production with on-card keys, PINs, certificates."""
    check = _require_check(application.check)
    _compare_declared(application.declared, check.registered)
    cards.validate_pin("auth", application.auth_pin)
    holder = session.scalar(
        sa.select(Holder).where(Holder.lg_code == check.lg_code, Holder.resident_id == check.resident_id)
    )
    if holder is not None:
        if holder.deceased:
            raise Conflict(
                "死亡の届出がされた方にはカードを交付できません",
                record=str(check.resident_id),
                field="resident_id",
            )
        live = session.scalar(sa.select(Card).where(Card.holder_id == holder.id, Card.status != "closed"))
        if live is not None:
            raise Conflict(
                "有効なカードが既にあります（再交付は廃止の後に行います）",
                record=live.card_number,
                field="card_number",
            )
    today = clock.today()
    age = profiles.age_on(check.registered.birth_date, today)
    want_sign = application.want_sign and age >= SIGN_MIN_AGE
    note = None
    if application.want_sign and age < SIGN_MIN_AGE:
        note = "15歳未満のため署名用電子証明書は発行しません"
    if want_sign:
        if application.sign_pin is None:
            raise Invalid("署名用電子証明書には署名用PINが必要です", field="sign_pin")
        cards.validate_pin("sign", application.sign_pin)
    holder = _holder(session, check)
    expires = profiles.nth_birthday_after(check.registered.birth_date, today, 10 if age >= ADULT_AGE else 5)
    card = Card(
        card_number=_new_card_number(session),
        holder_id=holder.id,
        token_kind=application.token_kind,
        status="active",
        issued_at=clock.now(),
        expires_on=expires,
        pin_salt=os.urandom(16),
        auth_pin_mac=b"",
        auth_pin_failures=0,
        sign_pin_mac=None,
        sign_pin_failures=0,
    )
    session.add(card)
    session.flush()
    cards.set_pin(settings, card, "auth", application.auth_pin)
    token = tokens.token_for(session, settings, card)
    not_after = _certificate_expiry(check.registered.birth_date, expires)
    auth = ca.issue(
        session,
        settings=settings,
        kind="auth",
        spki=token.generate("auth"),
        not_after=not_after,
        basic4=None,
        card_id=card.id,
        holder_id=holder.id,
    )
    sign = None
    if want_sign:
        assert application.sign_pin is not None
        cards.set_pin(settings, card, "sign", application.sign_pin)
        sign = ca.issue(
            session,
            settings=settings,
            kind="sign",
            spki=token.generate("sign"),
            not_after=not_after,
            basic4=to_profile(check.registered),
            card_id=card.id,
            holder_id=holder.id,
        )
    session.flush()
    log.append(
        session,
        "issue_card",
        card_number=card.card_number,
        detail={
            "lg_code": check.lg_code,
            "identity_document": check.identity_document,
            "sign": sign is not None,
        },
    )
    return IssuedCard(
        card_number=card.card_number,
        expires_on=expires,
        auth_serial=f"{auth.serial:X}",
        sign_serial=None if sign is None else f"{sign.serial:X}",
        note=note,
    )


def live_certificates(session: Session, card: Card, kind: str | None = None) -> list[Certificate]:
    query = sa.select(Certificate).where(Certificate.card_id == card.id, Certificate.status != "revoked")
    if kind is not None:
        query = query.where(Certificate.kind == kind)
    return list(session.scalars(query.order_by(Certificate.id)))


def current_certificate(session: Session, card: Card, kind: str) -> Certificate:
    found = session.scalar(
        sa.select(Certificate)
        .where(Certificate.card_id == card.id, Certificate.kind == kind)
        .order_by(Certificate.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound(
            f"{cards.SLOT_LABELS[kind]}電子証明書がありません", record=card.card_number, field=kind
        )
    return found


def certificate_view(certificate: Certificate) -> CertificateView:
    reason = certificate.reason
    return CertificateView(
        serial=f"{certificate.serial:X}",
        kind=certificate.kind,
        status=certificate.status,
        reason=reason,
        reason_label=None if reason is None else REASON_LABELS[Reason(reason)],
        not_before=certificate.not_before,
        not_after=certificate.not_after,
        revoked_at=certificate.revoked_at,
    )


def card_view(session: Session, card: Card) -> CardView:
    certificates = session.scalars(
        sa.select(Certificate).where(Certificate.card_id == card.id).order_by(Certificate.id)
    )
    return CardView(
        card_number=card.card_number,
        status=card.status,
        expires_on=card.expires_on,
        auth_pin_locked=cards.locked(card, "auth"),
        sign_pin_locked=card.sign_pin_mac is not None and cards.locked(card, "sign"),
        certificates=[certificate_view(c) for c in certificates],
    )


def reset_pin(
    session: Session,
    *,
    settings: Settings,
    card_number: str,
    slot: str,
    new_pin: str,
    check: IdentityCheck | None,
) -> CardView:
    """PIN初期化 at the window: only after the identity check; clears the lock."""
    card, _holder = _checked_card(session, card_number, check)
    if card.status == "closed":
        raise Conflict("廃止されたカードのPINは初期化できません", record=card_number, field="status")
    if slot == "sign" and card.sign_pin_mac is None:
        raise Conflict("署名用電子証明書が搭載されていません", record=card_number, field="slot")
    cards.set_pin(settings, card, slot, new_pin)
    session.flush()
    log.append(session, "reset_pin", card_number=card.card_number, detail={"slot": slot})
    return card_view(session, card)


def suspend(session: Session, *, card_number: str) -> CardView:
    """一時停止 on a loss report (no identity check: anyone may report a lost card); certificates go on hold."""
    card = _card(session, card_number)
    if card.status == "closed":
        raise Conflict("廃止されたカードです", record=card_number, field="status")
    card.status = "suspended"
    for certificate in live_certificates(session, card):
        revocation.change(session, certificate, action="hold", reason=Reason.CERTIFICATE_HOLD)
    session.flush()
    return card_view(session, card)


def resume(session: Session, *, card_number: str, check: IdentityCheck | None) -> CardView:
    """一時停止の解除 (the card was found): identity check, then the holds are lifted (removeFromCRL)."""
    card, _holder = _checked_card(session, card_number, check)
    if card.status != "suspended":
        raise Conflict("一時停止中のカードではありません", record=card_number, field="status")
    card.status = "active"
    for certificate in live_certificates(session, card):
        revocation.change(session, certificate, action="release", reason=Reason.REMOVE_FROM_CRL)
    session.flush()
    return card_view(session, card)


def revoke(
    session: Session, *, card_number: str, kind: str, reason: str, check: IdentityCheck | None
) -> CardView:
    """失効 on request (kind sign | auth | both), with an RFC 5280 reason name such as key-compromise."""
    card, _holder = _checked_card(session, card_number, check)
    code = REASON_NAMES.get(reason.strip().lower())
    if code is None or code in (Reason.CERTIFICATE_HOLD, Reason.REMOVE_FROM_CRL):
        raise Invalid(f"失効理由が不正です: {reason}", field="reason")
    kinds = ("auth", "sign") if kind == "both" else (kind,)
    if any(k not in ("auth", "sign") for k in kinds):
        raise Invalid("種別は sign, auth, both のいずれかです", field="kind")
    for certificate in live_certificates(session, card):
        if certificate.kind in kinds:
            revocation.change(session, certificate, action="revoke", reason=code)
    if kind == "both":
        close_card(session, card)
    session.flush()
    return card_view(session, card)


def close_card(session: Session, card: Card) -> None:
    """廃止: the card can no longer be used (its certificates are revoked by the caller)."""
    if card.status != "closed":
        card.status = "closed"
        card.closed_at = clock.now()
        log.append(session, "close_card", card_number=card.card_number)


def renew(
    session: Session,
    *,
    settings: Settings,
    card_number: str,
    kind: str,
    check: IdentityCheck | None,
    sign_pin: str | None = None,
) -> CardView:
    """更新 or 再発行: a new key pair on the card, a new certificate; the old one is superseded.

    For the 署名用 certificate the 基本4情報 come from the register as checked now (e.g. after a move).
    """
    card, holder = _checked_card(session, card_number, check)
    assert check is not None
    if card.status != "active":
        raise Conflict("有効なカードではありません", record=card_number, field="status")
    if kind == "sign" and profiles.age_on(holder.birth_date, clock.today()) < SIGN_MIN_AGE:
        raise Forbidden("15歳未満の方には署名用電子証明書を発行できません", record=card_number, field="kind")
    if kind not in ("auth", "sign"):
        raise Invalid("種別は sign か auth です", field="kind")
    if kind == "sign" and card.sign_pin_mac is None:
        if sign_pin is None:
            raise Invalid("署名用電子証明書には署名用PINが必要です", field="sign_pin")
        cards.set_pin(settings, card, "sign", sign_pin)
    elif sign_pin is not None and kind == "sign":
        cards.set_pin(settings, card, "sign", sign_pin)
    holder_check = _holder(session, check)
    for certificate in live_certificates(session, card, kind):
        revocation.change(session, certificate, action="revoke", reason=Reason.SUPERSEDED)
    token = tokens.token_for(session, settings, card)
    ca.issue(
        session,
        settings=settings,
        kind=kind,
        spki=token.generate(kind),
        not_after=_certificate_expiry(holder.birth_date, card.expires_on),
        basic4=to_profile(check.registered) if kind == "sign" else None,
        card_id=card.id,
        holder_id=holder_check.id,
    )
    session.flush()
    return card_view(session, card)


def holder_status(session: Session, *, lg_code: str, resident_id: int) -> HolderStatus:
    """Cards and certificates of a holder (what the demo shows after a move)."""
    holder = session.scalar(
        sa.select(Holder).where(Holder.lg_code == lg_code, Holder.resident_id == resident_id)
    )
    views = []
    if holder is not None:
        for card in session.scalars(sa.select(Card).where(Card.holder_id == holder.id).order_by(Card.id)):
            views.append(card_view(session, card))
    return HolderStatus(lg_code=lg_code, resident_id=resident_id, cards=views)
