"""jpki test fixtures: RSA keys come from a pool made once per test process, so a test costs no key generation.

Each test still gets distinct keys (a CA hierarchy, its responders and a few cards need about twenty).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from renkei.jpki import keystore

POOL_SIZE = 28


@pytest.fixture(scope="session")
def rsa_pool() -> list[rsa.RSAPrivateKey]:
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(POOL_SIZE)]


@pytest.fixture(autouse=True)
def pooled_rsa_keys(rsa_pool: list[rsa.RSAPrivateKey], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    keys = iter(rsa_pool)

    def next_key() -> rsa.RSAPrivateKey:
        try:
            return next(keys)
        except StopIteration:  # a test that needs more simply makes them
            return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    monkeypatch.setattr(keystore, "new_rsa_key", next_key)
    yield
