"""Small builders for jpki tests: people as the window sees them, applications, identity checks, events."""

from __future__ import annotations

import datetime as dt
import uuid

from renkei.core.settings import Settings
from renkei.jpki import service
from renkei.protocol.jpki import Basic4, CardApplication, IdentityChange, IdentityCheck, IssuedCard
from renkei.runtime import Runtime

LG_A = "131016"
LG_B = "131121"
AUTH_PIN = "1234"
SIGN_PIN = "ABC123"


def person(
    *,
    name: str = "山田 太郎",
    address: str = "東京都千代田区千代田1番1号",
    birth_date: dt.date = dt.date(1980, 4, 1),
    sex: str = "1",
    former_surname: str | None = None,
) -> Basic4:
    return Basic4(name=name, address=address, birth_date=birth_date, sex=sex, former_surname=former_surname)


def check(
    resident_id: int = 1, *, lg_code: str = LG_A, register: Basic4 | None = None, document: str = "運転免許証"
) -> IdentityCheck:
    return IdentityCheck(
        lg_code=lg_code, resident_id=resident_id, registered=register or person(), identity_document=document
    )


def application(
    resident_id: int = 1,
    *,
    register: Basic4 | None = None,
    lg_code: str = LG_A,
    sign_pin: str | None = SIGN_PIN,
    token_kind: str = "software",
) -> CardApplication:
    register = register or person()
    return CardApplication(
        check=check(resident_id, lg_code=lg_code, register=register),
        declared=register,
        auth_pin=AUTH_PIN,
        sign_pin=sign_pin,
        token_kind=token_kind,  # type: ignore[arg-type]
    )


def issue(runtime: Runtime, resident_id: int = 1, **kwargs: object) -> IssuedCard:
    with runtime.session("jpki") as session:
        return service.issue_card(
            session,
            settings=runtime.settings,
            application=application(resident_id, **kwargs),  # type: ignore[arg-type]
        )


def event(
    kind: str,
    resident_id: int = 1,
    *,
    lg_code: str = LG_A,
    who: Basic4 | None = None,
    previous: tuple[str, int] | None = None,
    event_id: str | None = None,
) -> IdentityChange:
    who = who or person()
    return IdentityChange(
        event_id=event_id or uuid.uuid4().hex,
        kind=kind,  # type: ignore[arg-type]
        lg_code=lg_code,
        resident_id=resident_id,
        occurred_at=dt.datetime.now(dt.UTC),
        name=who.name,
        former_surname=who.former_surname,
        address=who.address,
        birth_date=who.birth_date,
        sex=who.sex,
        previous_lg_code=None if previous is None else previous[0],
        previous_resident_id=None if previous is None else previous[1],
    )


def der_of(runtime: Runtime, card_number: str, slot: str) -> bytes:
    with runtime.session("jpki") as session:
        pin = SIGN_PIN if slot == "sign" else None
        return service.read_certificate(
            session, settings=runtime.settings, card_number=card_number, slot=slot, pin=pin
        )


def ca_ders(runtime: Runtime) -> dict[str, bytes]:
    with runtime.session("jpki") as session:
        return service.authority_certificates(session, settings=runtime.settings)


def settings_of(runtime: Runtime) -> Settings:
    return runtime.settings
