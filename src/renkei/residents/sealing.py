"""How 住民記録 seals the My Number and 住民票コード it holds: AES-GCM bound to the resident's row."""

from __future__ import annotations

import functools

from renkei.core.crypto import Sealer, derive_key
from renkei.core.settings import Settings


@functools.lru_cache(maxsize=8)
def _sealer(master: bytes) -> Sealer:
    return Sealer(derive_key(master, "residents seal"))


def sealer(settings: Settings) -> Sealer:
    """The residents' sealer, a subkey of `mynumber_key` so the addressee's ciphertexts are not interchangeable."""
    return _sealer(settings.secret("mynumber_key"))


def associated_data(lg_code: str, atena_number: str, field: str) -> bytes:
    """Binds a ciphertext to one resident and one field: moving it to another row or column fails to open."""
    return f"residents_resident:{lg_code}:{atena_number}:{field}".encode()
