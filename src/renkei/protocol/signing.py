"""Ed25519 signatures over canonical JSON, key generation and PEM serialisation (docs/decisions/0030).

Every signed protocol message is signed over its canonical JSON form: UTF-8, keys sorted, no insignificant
whitespace, non-ASCII kept as is (the subset of RFC 8785 JCS that renkei's messages need: they carry strings,
integers, booleans, nulls, lists and objects only — no floats).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from renkei.core.errors import Invalid

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "canonical_json",
    "generate_signing_key",
    "key_id",
    "load_signing_private_key",
    "load_signing_public_key",
    "private_key_pem",
    "public_key_pem",
    "sign",
    "signing_key_from_seed",
    "verify",
]


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"not canonicalisable: {type(value).__name__}")


# The reference encoder: what canonical_json must produce byte for byte (and what it falls back to).
_REFERENCE = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default, allow_nan=False
)
# orjson writes the same bytes for everything renkei signs or hashes (strings, integers, booleans, null, lists,
# objects with string keys; dates through `_default`), several times faster; tests/properties checks that
# against the reference encoder. What orjson refuses (integers beyond 64 bits, non-string keys, lone
# surrogates) goes to the reference encoder, which decides.
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def canonical_json(value: Any) -> bytes:
    """The exact bytes that are signed and hashed: sorted keys, compact separators, UTF-8."""
    if isinstance(value, float):
        raise TypeError("floats are not allowed in signed messages")
    try:
        return orjson.dumps(value, default=_default, option=_ORJSON)
    except orjson.JSONEncodeError:
        return _REFERENCE.encode(value).encode("utf-8")


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def signing_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """A deterministic key from 32 secret bytes (a node's key derived from its configured secret)."""
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_signing_private_key(pem: str | bytes) -> Ed25519PrivateKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise Invalid("署名用秘密鍵のPEMとして読めません", field="signing_private_key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise Invalid("署名用秘密鍵はEd25519である必要があります", field="signing_private_key")
    return key


def load_signing_public_key(pem: str | bytes, *, field: str = "signing_public_key") -> Ed25519PublicKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise Invalid("署名検証用公開鍵のPEMとして読めません", field=field) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise Invalid("署名検証用公開鍵はEd25519である必要があります", field=field)
    return key


@lru_cache(maxsize=1024)
def _public_key_of(pem: str) -> Ed25519PublicKey:
    # A peer's registered key verifies every message it sends; parsing its PEM each time cost ~0.2 ms a call.
    # Keys are immutable and a bad PEM raises (never cached), so caching by the text weakens no check.
    return load_signing_public_key(pem)


def key_id(key: Ed25519PrivateKey | Ed25519PublicKey | str) -> str:
    """Short fingerprint of a public key (first 16 hex digits of SHA-256 over its raw bytes)."""
    if isinstance(key, str):
        key = load_signing_public_key(key)
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, payload: Mapping[str, Any] | bytes) -> str:
    """Base64 Ed25519 signature over the canonical JSON of `payload` (or over raw bytes)."""
    data = payload if isinstance(payload, bytes) else canonical_json(payload)
    return base64.b64encode(key.sign(data)).decode()


def verify(
    public_key: Ed25519PublicKey | str,
    payload: Mapping[str, Any] | bytes,
    signature: str,
    *,
    record: str | None = None,
) -> None:
    """Raise `Invalid` (field "signature") unless `signature` is the key holder's signature over `payload`."""
    key = _public_key_of(public_key) if isinstance(public_key, str) else public_key
    data = payload if isinstance(payload, bytes) else canonical_json(payload)
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("署名がBase64として読めません", record=record, field="signature") from exc
    try:
        key.verify(raw, data)
    except InvalidSignature as exc:
        raise Invalid(
            "署名の検証に失敗しました（改ざんされたか、別の鍵で署名されています）",
            record=record,
            field="signature",
        ) from exc
