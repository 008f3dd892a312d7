"""The addressee's keys: AES-GCM for the My Number (`mynumber_key`), HMAC for its blind index (`blind_index_key`)."""

from __future__ import annotations

import functools
import hmac

from renkei.core.crypto import Sealer, blind_index
from renkei.core.ids import validate_mynumber
from renkei.core.settings import Settings


@functools.lru_cache(maxsize=8)
def _sealer(key: bytes) -> Sealer:
    return Sealer(key)


def sealer(settings: Settings) -> Sealer:
    return _sealer(settings.secret("mynumber_key"))


def associated_data(integrated_number: str) -> bytes:
    """Binds a sealed My Number to its 統合宛名番号: copied onto another person it no longer opens."""
    return f"addressee_person:{integrated_number}:mynumber".encode()


def index_of(settings: Settings, mynumber: str) -> bytes:
    """Keyed blind index of a (validated) My Number: equal numbers match, the number cannot be read back."""
    return blind_index(settings.secret("blind_index_key"), validate_mynumber(mynumber))


def fast_index(key: bytes, mynumber: str) -> bytes:
    """`renkei.core.crypto.blind_index` with the one-shot C HMAC, for bulk registration (same bytes out)."""
    return hmac.digest(key, mynumber.encode(), "sha256")
