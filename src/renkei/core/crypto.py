"""Crypto primitives shared by components: AES-GCM with associated data, keyed blind indexes, key derivation."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from renkei.core.errors import Invalid

NONCE_BYTES = 12
_VERSION = b"\x01"
_NONCE_BATCH = 1024  # nonces drawn from the OS per refill: one getrandom call per 1,024 seals, not one each
_FORKS = [0]  # bumped in a forked child, whose copy of a parent's unused nonces must never be used


def _forked() -> None:
    _FORKS[0] += 1


os.register_at_fork(after_in_child=_forked)


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
        self._lock = threading.Lock()
        self._nonces = b""
        self._next = 0
        self._generation = -1

    def _nonce(self) -> bytes:
        # Random nonces as before, read from the OS in batches: a getrandom call per seal was a syscall (and a
        # GIL release) per sealed value in bulk registration. Each nonce is handed out once; a forked child
        # draws fresh ones (it must not reuse the parent's unused buffer).
        with self._lock:
            if self._next + NONCE_BYTES > len(self._nonces) or self._generation != _FORKS[0]:
                self._nonces = os.urandom(NONCE_BYTES * _NONCE_BATCH)
                self._next = 0
                self._generation = _FORKS[0]
            nonce = self._nonces[self._next : self._next + NONCE_BYTES]
            self._next += NONCE_BYTES
        return nonce

    def encrypt(self, plaintext: bytes, associated_data: bytes = b"") -> bytes:
        nonce = self._nonce()
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
