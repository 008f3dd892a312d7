"""Sealing to a recipient's public key: X25519 + HKDF-SHA256 + AES-256-GCM, so the hub routes what it cannot read.

Construction (the ECIES shape of RFC 9180 HPKE base mode, docs/decisions/0030): the sender makes an ephemeral
X25519 key, agrees a secret with the recipient's public key, derives a one-time AES-256-GCM key with HKDF-SHA256
(salt = ephemeral public ‖ recipient public, info = "renkei seal v1"), and encrypts with the caller's context
(for answers: the 処理通番 and both 機関コード) as associated data, so a sealed answer cannot be replayed
under another query.

Wire layout: version 0x01 ‖ recipient key id (8 bytes) ‖ ephemeral public (32) ‖ nonce (12) ‖ ciphertext+tag.
The recipient key id lets a holder of the wrong key say so plainly instead of failing on the tag.

A batch of answers to one requester is sealed with one key agreement (`BatchSealer`), as HPKE seals several
messages in one context: each message has its own random nonce and its own associated data (the 処理通番), so
none can be read or moved without the recipient's key; the recipient agrees the secret once per ephemeral key
(`open_sealed` keeps the derived keys of recent ephemeral keys). The layout is the same either way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from renkei.core.errors import Invalid

__all__ = [
    "BatchSealer",
    "X25519PrivateKey",
    "X25519PublicKey",
    "generate_sealing_key",
    "load_sealing_private_key",
    "load_sealing_public_key",
    "open_json",
    "open_sealed",
    "seal",
    "seal_json",
    "sealing_key_from_seed",
    "sealing_private_key_pem",
    "sealing_public_key_pem",
]

_VERSION = b"\x01"
_INFO = b"renkei seal v1"
_KID = 8
_HEADER = 1 + _KID + 32 + 12


def generate_sealing_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def sealing_key_from_seed(seed: bytes) -> X25519PrivateKey:
    if len(seed) != 32:
        raise ValueError("an X25519 seed is 32 bytes")
    return X25519PrivateKey.from_private_bytes(seed)


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sealing_private_key_pem(key: X25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def sealing_public_key_pem(key: X25519PrivateKey | X25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, X25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_sealing_private_key(pem: str | bytes) -> X25519PrivateKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise Invalid("暗号化用秘密鍵のPEMとして読めません", field="sealing_private_key") from exc
    if not isinstance(key, X25519PrivateKey):
        raise Invalid("暗号化用秘密鍵はX25519である必要があります", field="sealing_private_key")
    return key


def load_sealing_public_key(pem: str | bytes, *, field: str = "sealing_public_key") -> X25519PublicKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise Invalid("暗号化用公開鍵のPEMとして読めません", field=field) from exc
    if not isinstance(key, X25519PublicKey):
        raise Invalid("暗号化用公開鍵はX25519である必要があります", field=field)
    return key


@lru_cache(maxsize=1024)
def _sealing_key_of(pem: str) -> X25519PublicKey:
    # The requester's registered key seals every answer sent to it: parse its PEM once, not per answer.
    return load_sealing_public_key(pem)


def _key_id(public_raw: bytes) -> bytes:
    return hashlib.sha256(public_raw).digest()[:_KID]


def _aead_key(shared: bytes, ephemeral_raw: bytes, recipient_raw: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_raw + recipient_raw, info=_INFO).derive(
        shared
    )


class BatchSealer:
    """Seals any number of messages to one recipient under one ephemeral key agreement (see the module
    docstring): a key agreement costs ~130 µs, a message after it a few µs."""

    def __init__(self, recipient: X25519PublicKey | str) -> None:
        public = _sealing_key_of(recipient) if isinstance(recipient, str) else recipient
        recipient_raw = _raw(public)
        ephemeral = X25519PrivateKey.generate()
        ephemeral_raw = _raw(ephemeral.public_key())
        self._header = _VERSION + _key_id(recipient_raw) + ephemeral_raw
        self._aead = AESGCM(_aead_key(ephemeral.exchange(public), ephemeral_raw, recipient_raw))

    def seal(self, plaintext: bytes, *, context: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        return self._header + nonce + self._aead.encrypt(nonce, plaintext, context)

    def seal_json(self, value: Any, *, context: bytes = b"") -> str:
        return base64.b64encode(self.seal(_json_bytes(value), context=context)).decode()


def seal(recipient: X25519PublicKey | str, plaintext: bytes, *, context: bytes = b"") -> bytes:
    """Encrypt `plaintext` so that only the holder of the recipient's private key can read it."""
    return BatchSealer(recipient).seal(plaintext, context=context)


# Derived keys of the ephemeral keys seen lately, by (own public key, ephemeral public key): a batch's answers
# share one ephemeral key, so the recipient agrees the secret once per batch.
_OPENERS: OrderedDict[tuple[bytes, bytes], AESGCM] = OrderedDict()
_OPENERS_MAX = 256
_OPENERS_LOCK = threading.Lock()


def _opener(private_key: X25519PrivateKey, own_raw: bytes, ephemeral_raw: bytes) -> AESGCM:
    cache_key = (own_raw, ephemeral_raw)
    with _OPENERS_LOCK:
        found = _OPENERS.get(cache_key)
        if found is not None:
            _OPENERS.move_to_end(cache_key)
            return found
    aead = AESGCM(
        _aead_key(
            private_key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw)), ephemeral_raw, own_raw
        )
    )
    with _OPENERS_LOCK:
        _OPENERS[cache_key] = aead
        while len(_OPENERS) > _OPENERS_MAX:
            _OPENERS.popitem(last=False)
    return aead


def open_sealed(
    private_key: X25519PrivateKey, blob: bytes, *, context: bytes = b"", record: str | None = None
) -> bytes:
    """Decrypt a sealed blob; `Invalid` (field "sealed_payload") if it was sealed to someone else or altered."""
    if len(blob) < _HEADER + 16 or blob[:1] != _VERSION:
        raise Invalid("封緘データの形式が不正です", record=record, field="sealed_payload")
    own_raw = _raw(private_key.public_key())
    if blob[1 : 1 + _KID] != _key_id(own_raw):
        raise Invalid(
            "この暗号文は別の宛先の公開鍵に封緘されています（この鍵では開けません）",
            record=record,
            field="sealed_payload",
        )
    ephemeral_raw = blob[1 + _KID : 1 + _KID + 32]
    nonce = blob[1 + _KID + 32 : _HEADER]
    try:
        return _opener(private_key, own_raw, ephemeral_raw).decrypt(nonce, blob[_HEADER:], context)
    except (InvalidTag, ValueError) as exc:
        raise Invalid(
            "封緘データを開けません（改ざんされたか、別の照会の回答です）",
            record=record,
            field="sealed_payload",
        ) from exc


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()


def seal_json(recipient: X25519PublicKey | str, value: Any, *, context: bytes = b"") -> str:
    """Seal a JSON value; returns Base64 text for a JSON message field."""
    return base64.b64encode(seal(recipient, _json_bytes(value), context=context)).decode()


def open_json(
    private_key: X25519PrivateKey, sealed: str, *, context: bytes = b"", record: str | None = None
) -> Any:
    try:
        blob = base64.b64decode(sealed, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("封緘データがBase64として読めません", record=record, field="sealed_payload") from exc
    return json.loads(open_sealed(private_key, blob, context=context, record=record))
