"""個人番号 generation (番号法第8条): a keyed, irreversible conversion of the 住民票コード, never repeating a number.

The real conversion is secret; renkei's stand-in is HMAC-SHA256 under a key only jukinet holds, reduced to
11 digits, followed by the 検査用数字 of 総務省令第85号 第5条. A collision with any number ever issued (retired
ones included) is resolved by re-deriving with the next counter, so the result stays deterministic: the same
住民票コード and history always give the same number. Decision 0010.
"""

from __future__ import annotations

import functools
import hmac
from dataclasses import dataclass

from renkei.core import ids
from renkei.core.crypto import Sealer, derive_key

_BODY_SPACE = 10**11


@dataclass(frozen=True)
class NumberingKeys:
    """Three subkeys of the one configured `jukinet_key`, one per use."""

    generation: bytes
    hashing: bytes
    sealing: bytes

    @classmethod
    def from_master(cls, master: bytes) -> NumberingKeys:
        return cls(
            generation=derive_key(master, "jukinet mynumber generation"),
            hashing=derive_key(master, "jukinet mynumber hash"),
            sealing=derive_key(master, "jukinet mynumber seal"),
        )

    def sealer(self) -> Sealer:
        return _sealer(self.sealing)


@functools.lru_cache(maxsize=8)
def _sealer(key: bytes) -> Sealer:
    return Sealer(key)


@functools.lru_cache(maxsize=16)
def _keyed(key: bytes) -> hmac.HMAC:
    # HMAC with the key already absorbed; copying it skips the key setup on every number (bulk registration).
    return hmac.new(key, digestmod="sha256")


def _hmac(key: bytes, message: bytes) -> bytes:
    mac = _keyed(key).copy()
    mac.update(message)
    return mac.digest()


def derive_mynumber(key: bytes, juminhyo_code: str, counter: int) -> str:
    """The candidate My Number for a 住民票コード at a counter (0 first; higher only after a collision)."""
    digest = _hmac(key, f"{juminhyo_code}:{counter}".encode())
    body = f"{int.from_bytes(digest[:16], 'big') % _BODY_SPACE:011d}"
    return body + str(ids.mynumber_check_digit(body))


def mynumber_hash(key: bytes, mynumber: str) -> bytes:
    """Keyed hash jukinet keeps of every number issued: enough to refuse a repeat, useless without the key."""
    return _hmac(key, mynumber.encode())
