"""Consents to the 自己情報取得API: a signed consent artefact per grant, and the states only the person moves.

The artefact is a JWS (Ed25519, the portal's signing key) whose claims say who consented (a pairwise subject, so
two clients cannot join their users), to which client, for which 特定個人情報 (information sets), for what
purpose, over which data range, how long the client may keep the data, how often it may fetch, and until when.
The person pauses, resumes or revokes it on the portal; expiry is read off the artefact (decision 0099).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import OKPKey
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.layouts.loader import catalogue
from renkei.portal.keys import portal_keys
from renkei.portal.models import PortalAccessToken, PortalApiClient, PortalConsent, PortalConsentUse
from renkei.portal.selfinfo import MUNICIPAL_TMS
from renkei.protocol import signing

DETAILS_TYPE = "renkei_self_information"  # RFC 9396 authorization_details type
STATES = {"active": "有効", "paused": "一時停止", "revoked": "撤回", "expired": "期限切れ"}
MAX_DAYS = 366
ARTEFACT_ALG = "Ed25519"  # RFC 9864 fully-specified EdDSA


@dataclass(frozen=True)
class Terms:
    """What the person agrees to; parsed from RFC 9396 authorization_details and carried in the artefact."""

    info_sets: tuple[str, ...]
    purpose: str
    data_from: dt.date | None
    data_to: dt.date | None
    retention_days: int
    fetches_per_day: int
    expires_on: dt.date

    def as_dict(self) -> dict[str, Any]:
        return {
            "type": DETAILS_TYPE,
            "info_sets": list(self.info_sets),
            "purpose": self.purpose,
            "data_from": self.data_from.isoformat() if self.data_from else None,
            "data_to": self.data_to.isoformat() if self.data_to else None,
            "retention_days": self.retention_days,
            "fetches_per_day": self.fetches_per_day,
            "expires_on": self.expires_on.isoformat(),
        }


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Invalid("日付は YYYY-MM-DD で指定してください", record=str(value), field=field) from None


def _int(value: Any, field: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(f"{low}〜{high}の整数で指定してください", record=str(value), field=field)
    return value


def parse_terms(details: Any) -> Terms:
    """One `renkei_self_information` entry of authorization_details, each field checked and named when wrong."""
    if not isinstance(details, list) or len(details) != 1 or not isinstance(details[0], dict):
        raise Invalid(
            "authorization_details は種類 renkei_self_information の1件を含むJSON配列です",
            record="authorization_details",
            field="authorization_details",
        )
    d = details[0]
    if d.get("type") != DETAILS_TYPE:
        raise Invalid("type が不正です", record=str(d.get("type")), field="authorization_details.type")
    sets = d.get("info_sets")
    if not isinstance(sets, list) or not sets or any(s not in MUNICIPAL_TMS for s in sets):
        raise Invalid(
            f"info_sets は {', '.join(MUNICIPAL_TMS)} から選びます",
            record=str(sets),
            field="authorization_details.info_sets",
        )
    purpose = d.get("purpose")
    if not isinstance(purpose, str) or not 1 <= len(purpose.strip()) <= 200:
        raise Invalid(
            "利用目的は1〜200文字です", record=str(purpose)[:40], field="authorization_details.purpose"
        )
    data_from = _date(d.get("data_from"), "authorization_details.data_from")
    data_to = _date(d.get("data_to"), "authorization_details.data_to")
    if data_from and data_to and data_from > data_to:
        raise Invalid(
            "データの期間の開始が終了より後です",
            record=str(data_from),
            field="authorization_details.data_from",
        )
    today = clock.today()
    expires_on = _date(d.get("expires_on"), "authorization_details.expires_on")
    if expires_on is None or not today < expires_on <= today + dt.timedelta(days=MAX_DAYS):
        raise Invalid(
            f"同意の有効期限は明日から{MAX_DAYS}日以内の日付です",
            record=str(d.get("expires_on")),
            field="authorization_details.expires_on",
        )
    return Terms(
        info_sets=tuple(dict.fromkeys(sets)),
        purpose=purpose.strip(),
        data_from=data_from,
        data_to=data_to,
        retention_days=_int(d.get("retention_days"), "authorization_details.retention_days", 1, 3650),
        fetches_per_day=_int(d.get("fetches_per_day"), "authorization_details.fetches_per_day", 1, 100),
        expires_on=expires_on,
    )


def pairwise_subject(settings: Settings, *, user_id: int, client_id: str) -> str:
    """The person as this client knows them: stable for the client, unlinkable across clients."""
    secret = settings.secret("portal_key")
    return hmac.new(secret, f"subject|{client_id}|{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _signing_key(settings: Settings) -> OKPKey:
    return OKPKey.import_key(signing.private_key_pem(portal_keys(settings).signing))


def public_jwk(settings: Settings) -> dict[str, Any]:
    """The portal's artefact key as a JWK (published in the metadata's jwks_uri document)."""
    key = _signing_key(settings)
    return {**key.as_dict(private=False), "alg": ARTEFACT_ALG, "use": "sig", "kid": key.thumbprint()}


def grant(
    session: Session,
    *,
    settings: Settings,
    user_id: int,
    client: PortalApiClient,
    terms: Terms,
    issuer: str,
) -> PortalConsent:
    """Record the person's consent with its signed artefact (state active)."""
    now = clock.now()
    consent_id = uuid.uuid4().hex
    expires_at = dt.datetime.combine(terms.expires_on, dt.time(), tzinfo=clock.JST)
    key = _signing_key(settings)
    claims = {
        "iss": issuer,
        "sub": pairwise_subject(settings, user_id=user_id, client_id=client.client_id),
        "aud": client.client_id,
        "client_name": client.name,
        "jti": consent_id,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "consent": terms.as_dict(),
    }
    artefact = jwt.encode(
        {"alg": ARTEFACT_ALG, "typ": "consent+jwt", "kid": key.thumbprint()},
        claims,
        key,
        algorithms=[ARTEFACT_ALG],
    )
    consent = PortalConsent(
        id=consent_id,
        user_id=user_id,
        client_id=client.client_id,
        terms=terms.as_dict(),
        artefact=artefact,
        status="active",
        created_at=now,
        expires_at=expires_at,
        changed_at=now,
    )
    session.add(consent)
    session.flush()
    return consent


def state(consent: PortalConsent, *, now: dt.datetime | None = None) -> str:
    if consent.status == "active" and (now or clock.now()) >= consent.expires_at:
        return "expired"
    return consent.status


def mine(session: Session, *, user_id: int) -> list[PortalConsent]:
    return list(
        session.scalars(
            sa.select(PortalConsent)
            .where(PortalConsent.user_id == user_id)
            .order_by(PortalConsent.created_at.desc())
        )
    )


def my_consent(session: Session, *, user_id: int, consent_id: str) -> PortalConsent:
    """The person's own consent; another person's is reported exactly like one that does not exist."""
    consent = session.get(PortalConsent, consent_id) if len(consent_id) <= 32 else None
    if consent is None or consent.user_id != user_id:
        raise NotFound("その同意はありません", record=consent_id[:32], field="consent_id")
    return consent


MOVES = {
    "pause": ({"active"}, "paused", "一時停止"),
    "resume": ({"paused"}, "active", "再開"),
    "revoke": ({"active", "paused"}, "revoked", "撤回"),
}


def change(session: Session, *, user_id: int, consent_id: str, action: str) -> PortalConsent:
    """Pause, resume or revoke: the resource server reads the state on every call, so it holds at once."""
    consent = my_consent(session, user_id=user_id, consent_id=consent_id)
    if action not in MOVES:
        raise Invalid("操作は pause / resume / revoke のいずれかです", record=action[:20], field="action")
    allowed, target, verb = MOVES[action]
    current = state(consent)
    if current not in allowed:
        raise Conflict(f"{STATES[current]}の同意は{verb}できません", record=consent_id, field="status")
    consent.status = target
    consent.changed_at = clock.now()
    if target == "revoked":  # tokens die with it too (the state check alone already refuses them)
        session.execute(
            sa.update(PortalAccessToken)
            .where(PortalAccessToken.consent_id == consent.id, PortalAccessToken.revoked_at.is_(None))
            .values(revoked_at=consent.changed_at)
        )
    session.flush()
    return consent


def uses_today(session: Session, consent: PortalConsent) -> int:
    since = clock.now() - dt.timedelta(days=1)
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(PortalConsentUse)
            .where(PortalConsentUse.consent_id == consent.id, PortalConsentUse.used_at > since)
        )
        or 0
    )


def info_set_names(codes: list[str]) -> list[str]:
    names = catalogue()
    return [f"{names.get(c, c)}（{c}）" for c in codes]
