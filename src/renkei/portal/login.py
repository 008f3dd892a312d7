"""Login with the My Number card (利用者証明): a challenge, the card's answer, the checks, and 利用者登録.

`start_login` makes a one-time challenge; the card (a real one on the person's device, renkei's software card
through `JpkiClient.card_login_response`) signs it after the 4-digit PIN, counted on the card; `finish_login`
checks everything (`CertificateChecker`) before a user exists for the session. The first login of a person
registers them: jpki names the holder, their municipality issues a 取得番号, the hub turns it into the
portal's 符号 (decision 0090). Network calls are made outside any open write transaction (CONVENTIONS §18).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.portal.keys import portal_keys
from renkei.portal.models import PortalCertificate, PortalChallenge, PortalUser
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient, LoginChallenge, LoginResponse, b64, login_message, unb64
from renkei.protocol.messages import SignAcquisitionRequest
from renkei.protocol.portal import PORTAL_AGENCY_CODE, MunicipalPortalClient, PortalAcquisitionRequest
from renkei.protocol.relying import CertificateChecker

AUDIENCE = "renkei-portal"
CHALLENGE_TTL = dt.timedelta(minutes=5)
Sessions = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class PortalPerson:
    """Who is logged in: the portal user and the certificate used (the session keeps these)."""

    user_id: int
    serial: str
    lg_code: str
    first_login: bool


def start_login(session: Session) -> LoginChallenge:
    now = clock.now()
    # Every opened login page makes a challenge; the ones long expired are of no use to anyone.
    session.execute(sa.delete(PortalChallenge).where(PortalChallenge.expires_at < now - dt.timedelta(days=1)))
    challenge = PortalChallenge(
        id=secrets.token_hex(16), nonce=os.urandom(32), created_at=now, expires_at=now + CHALLENGE_TTL
    )
    session.add(challenge)
    session.flush()
    return LoginChallenge(
        challenge_id=challenge.id,
        nonce=b64(challenge.nonce),
        audience=AUDIENCE,
        expires_at=challenge.expires_at,
    )


def challenge(session: Session, *, challenge_id: str) -> LoginChallenge:
    row = session.get(PortalChallenge, challenge_id)
    if row is None:
        raise NotFound(
            "ログイン要求が見つかりません。やり直してください", record=challenge_id, field="challenge_id"
        )
    return LoginChallenge(
        challenge_id=row.id, nonce=b64(row.nonce), audience=AUDIENCE, expires_at=row.expires_at
    )


def use_challenge(session: Session, *, challenge_id: str) -> bytes:
    """Mark the challenge used (once only, within its 5 minutes); returns the message the card had to sign."""
    row = session.get(PortalChallenge, challenge_id)
    if row is None:
        raise NotFound(
            "ログイン要求が見つかりません。やり直してください", record=challenge_id, field="challenge_id"
        )
    now = clock.now()
    if row.used_at is not None:
        raise Conflict(
            "このログイン要求は使用済みです。やり直してください", record=row.id, field="challenge_id"
        )
    if row.expires_at <= now:
        raise Forbidden(
            "ログイン要求の有効期限（5分）が切れました。やり直してください",
            record=row.id,
            field="challenge_id",
        )
    row.used_at = now
    session.flush()
    return login_message(row.id, AUDIENCE, row.nonce)


def finish_login(
    sessions: Sessions,
    *,
    response: LoginResponse,
    settings: Settings,
    checker: CertificateChecker,
    jpki: JpkiClient,
    hub: HubClient,
    municipal: MunicipalPortalClient,
) -> PortalPerson:
    """Check the card's answer, then find or register its user. Each step commits on its own."""
    with sessions() as session:
        message = use_challenge(session, challenge_id=response.challenge_id)
    try:
        certificate, signature = unb64(response.certificate), unb64(response.signature)
    except ValueError as exc:
        raise Invalid(
            "カードの応答をBase64として読めません", record=response.challenge_id, field="certificate"
        ) from exc
    checked = checker.check(certificate, message=message, signature=signature)
    holder = jpki.certificate_holder(serial=checked.serial)
    with sessions() as session:
        known = session.get(PortalCertificate, checked.serial)
        if known is not None:
            user = session.get(PortalUser, known.user_id)
            assert user is not None
            user.last_login_at = clock.now()
            user.lg_code, user.resident_id = holder.lg_code, holder.resident_id
            session.flush()
            return PortalPerson(user.id, checked.serial, user.lg_code, first_login=False)
    sign = _acquire_sign(
        settings,
        serial=checked.serial,
        lg_code=holder.lg_code,
        resident_id=holder.resident_id,
        hub=hub,
        municipal=municipal,
    )
    with sessions() as session:
        return _register(
            session, sign=sign, serial=checked.serial, lg_code=holder.lg_code, resident_id=holder.resident_id
        )


def _acquire_sign(
    settings: Settings,
    *,
    serial: str,
    lg_code: str,
    resident_id: int,
    hub: HubClient,
    municipal: MunicipalPortalClient,
) -> str:
    keys = portal_keys(settings)
    asked = PortalAcquisitionRequest(
        agency_code=PORTAL_AGENCY_CODE,
        lg_code=lg_code,
        resident_id=resident_id,
        auth_serial=serial,
        requested_at=clock.now(),
    ).signed(keys.signing)
    number = municipal.acquisition_number(asked).acquisition_number
    request = SignAcquisitionRequest(
        agency_code=PORTAL_AGENCY_CODE, acquisition_numbers=[number], requested_at=clock.now()
    ).signed(keys.signing)
    signs = hub.acquire_signs(request).signs
    if len(signs) != 1:
        raise Invalid("符号取得の応答件数が違います", record=serial, field="符号")
    return signs[0].sign


def _register(session: Session, *, sign: str, serial: str, lg_code: str, resident_id: int) -> PortalPerson:
    """One user per 符号: a new card of a known person (or a retry) joins the existing user."""
    now = clock.now()
    user = session.scalar(sa.select(PortalUser).where(PortalUser.sign == sign))
    first = user is None
    if user is None:
        user = PortalUser(sign=sign, lg_code=lg_code, resident_id=resident_id, registered_at=now)
        session.add(user)
        session.flush()
    user.lg_code, user.resident_id, user.last_login_at = lg_code, resident_id, now
    if session.get(PortalCertificate, serial) is None:
        session.add(PortalCertificate(serial=serial, user_id=user.id, registered_at=now))
    session.flush()
    return PortalPerson(user.id, serial, lg_code, first_login=first)


def get_user(session: Session, *, user_id: int) -> PortalUser:
    user = session.get(PortalUser, user_id)
    if user is None:
        raise NotFound("利用者が見つかりません", record=str(user_id), field="user_id")
    return user
