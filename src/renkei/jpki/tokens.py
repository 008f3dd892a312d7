"""Card tokens: where a card's two key pairs are generated and used, never exported.

A software token stands in for the chip (keys sealed with a per-card key derived from the J-LIS master secret);
`Pkcs11CardToken` drives a PKCS#11 token (SoftHSM2 in tests) through the same interface.
"""

from __future__ import annotations

from typing import Protocol

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.crypto import Sealer, derive_key
from renkei.core.errors import Invalid, NotFound
from renkei.core.settings import Settings
from renkei.jpki import keystore
from renkei.jpki.keystore import (
    pkcs11_config_from_env,
    pkcs11_generate,
    pkcs11_session,
    pkcs11_sign,
    spki_of,
)
from renkei.jpki.models import Card, CardKey

SLOTS = ("auth", "sign")
TOKEN_SOFTWARE, TOKEN_PKCS11 = "software", "pkcs11"


class CardToken(Protocol):
    """What the card offers: make a key pair in a slot, and sign with it (after the PIN check in cards.py)."""

    kind: str

    def generate(self, slot: str) -> bytes:
        """A new RSA-2048 key pair in `slot` (auth | sign); returns its SubjectPublicKeyInfo."""
        ...

    def sign(self, slot: str, data: bytes) -> bytes:
        """sha256WithRSAEncryption over `data` with the slot's current key."""
        ...


def _current(session: Session, card: Card, slot: str) -> CardKey:
    key = session.scalar(
        sa.select(CardKey)
        .where(CardKey.card_id == card.id, CardKey.slot == slot)
        .order_by(CardKey.generation.desc())
        .limit(1)
    )
    if key is None:
        raise NotFound("カードにこの用途の鍵がありません", record=card.card_number, field=slot)
    return key


def _next_generation(session: Session, card: Card, slot: str) -> int:
    found = session.scalar(
        sa.select(sa.func.max(CardKey.generation)).where(CardKey.card_id == card.id, CardKey.slot == slot)
    )
    return int(found or 0) + 1


def public_key(session: Session, card: Card, slot: str) -> bytes:
    return _current(session, card, slot).public_key


class SoftwareCardToken:
    kind = "software"

    def __init__(self, session: Session, card: Card, master: bytes) -> None:
        self._session = session
        self._card = card
        self._sealer = Sealer(derive_key(master, f"renkei.jpki.card:{card.card_number}"))

    def _aad(self, slot: str, generation: int) -> bytes:
        return f"{self._card.card_number}:{slot}:{generation}".encode()

    def generate(self, slot: str) -> bytes:
        if slot not in SLOTS:
            raise Invalid("用途は auth か sign です", field="slot")
        generation = _next_generation(self._session, self._card, slot)
        key = keystore.new_rsa_key()
        sealed = self._sealer.encrypt(
            key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            self._aad(slot, generation),
        )
        public = spki_of(key.public_key())
        self._session.add(
            CardKey(
                card_id=self._card.id,
                slot=slot,
                generation=generation,
                public_key=public,
                sealed_key=sealed,
                created_at=clock.now(),
            )
        )
        self._session.flush()
        return public

    def sign(self, slot: str, data: bytes) -> bytes:
        row = _current(self._session, self._card, slot)
        assert row.sealed_key is not None
        loaded = serialization.load_der_private_key(
            self._sealer.decrypt(row.sealed_key, self._aad(slot, row.generation)), password=None
        )
        assert isinstance(loaded, rsa.RSAPrivateKey)
        return loaded.sign(data, padding.PKCS1v15(), hashes.SHA256())


class Pkcs11CardToken:
    """The card's keys on a PKCS#11 token, labelled `<card number>-<slot>-g<generation>`."""

    kind = "pkcs11"

    def __init__(self, session: Session, card: Card) -> None:
        config = pkcs11_config_from_env()
        if config is None:
            raise Invalid(
                "PKCS#11モジュールが設定されていません (RENKEI_JPKI_PKCS11_MODULE)", field="token_kind"
            )
        if card.token_label and card.token_label != config.token_label:
            raise Invalid(
                "カードのトークンが接続されていません", record=card.card_number, field="token_label"
            )
        self._session = session
        self._card = card
        self._p11 = pkcs11_session(config)
        card.token_label = config.token_label

    def _label(self, slot: str, generation: int) -> str:
        return f"{self._card.card_number}-{slot}-g{generation}"

    def generate(self, slot: str) -> bytes:
        if slot not in SLOTS:
            raise Invalid("用途は auth か sign です", field="slot")
        generation = _next_generation(self._session, self._card, slot)
        public = pkcs11_generate(self._p11, self._label(slot, generation))
        self._session.add(
            CardKey(
                card_id=self._card.id,
                slot=slot,
                generation=generation,
                public_key=public,
                sealed_key=None,
                created_at=clock.now(),
            )
        )
        self._session.flush()
        return public

    def sign(self, slot: str, data: bytes) -> bytes:
        row = _current(self._session, self._card, slot)
        return pkcs11_sign(self._p11, self._label(slot, row.generation), data)


def token_for(session: Session, settings: Settings, card: Card) -> CardToken:
    kind = card.token_kind
    if kind == TOKEN_PKCS11:
        return Pkcs11CardToken(session, card)
    if kind == TOKEN_SOFTWARE:
        return SoftwareCardToken(session, card, settings.secret("jpki_key"))
    raise Invalid("不明なトークン種別です", record=card.card_number, field="token_kind")
