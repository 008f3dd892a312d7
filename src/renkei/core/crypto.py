"""Crypto primitives shared by components: AES-GCM with associated data, keyed blind indexes, key derivation."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from renkei.core.errors import Invalid

NONCE_BYTES = 12
_VERSION = b"\x01"


def derive_key(master: bytes, purpose: str, *, length: int = 32) -> bytes:
    """A subkey for one purpose (HKDF-SHA256), so one configured secret never serves two uses."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()).derive(master)


class Sealer:
    """AES-256-GCM with a random 96-bit nonce; the associated data binds a ciphertext to its row.

    Layout: version byte ‖ nonce ‖ ciphertext+tag.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes, associated_data: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def decrypt(self, blob: bytes, associated_data: bytes = b"") -> bytes:
        from cryptography.exceptions import InvalidTag

        if len(blob) < 1 + NONCE_BYTES + 16 or blob[:1] != _VERSION:
            raise Invalid("暗号文の形式が不正です", field="ciphertext")
        try:
            return self._aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], associated_data)
        except InvalidTag as exc:
            raise Invalid(
                "暗号文の検証に失敗しました（鍵または関連データが一致しません）", field="ciphertext"
            ) from exc


def blind_index(key: bytes, value: str) -> bytes:
    """Keyed, deterministic index of a secret value (HMAC-SHA256): equal values match, the value cannot be read."""
    return hmac.new(key, value.encode(), hashlib.sha256).digest()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()
