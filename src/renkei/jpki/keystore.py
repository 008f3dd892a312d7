"""Private keys behind one `KeyStore` interface: software (sealed at rest in the jpki database) or PKCS#11.

A key is named by a label and used only through `sign`; no implementation offers a way to read a private key
out. Every signature is RSASSA-PKCS1-v1_5 with SHA-256 (sha256WithRSAEncryption), as JPKI uses.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.crypto import Sealer, derive_key
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.jpki.models import StoredKey

RSA_BITS = 2048


class KeyStore(Protocol):
    """Where CA and responder keys live; callers see public keys and signatures, never private keys."""

    kind: str

    def generate(self, label: str) -> bytes:
        """Make an RSA-2048 key pair under `label`; return its SubjectPublicKeyInfo (DER)."""
        ...

    def public_key(self, label: str) -> bytes: ...

    def sign(self, label: str, data: bytes) -> bytes:
        """sha256WithRSAEncryption signature of `data` (the store hashes)."""
        ...


def new_rsa_key() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key, e=65537 (the one place software keys are made; tests swap in a pre-made pool)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)


def spki_of(public_key: rsa.RSAPublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# Decrypted software keys, keyed by the digest of their sealed form (so two databases never share an entry).
_UNSEALED: dict[bytes, rsa.RSAPrivateKey] = {}
_UNSEALED_LOCK = threading.Lock()


class SoftwareKeyStore:
    """RSA keys generated in process and stored sealed (AES-256-GCM, the label as associated data).

    The sealing key is derived from the 住基ネット/J-LIS master secret (docs/decisions/0060-jpki-key-custody.md).
    """

    kind = "software"

    def __init__(self, session: Session, master: bytes) -> None:
        self._session = session
        self._sealer = Sealer(derive_key(master, "renkei.jpki.keystore"))
        self._keys: dict[str, rsa.RSAPrivateKey] = {}

    def generate(self, label: str) -> bytes:
        if self._session.get(StoredKey, label) is not None:
            raise Conflict("同じラベルの鍵が既にあります", record=label, field="label")
        key = new_rsa_key()
        private = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        sealed = self._sealer.encrypt(private, label.encode())
        public = spki_of(key.public_key())
        self._session.add(
            StoredKey(
                label=label, store=self.kind, public_key=public, sealed_key=sealed, created_at=clock.now()
            )
        )
        self._session.flush()
        with _UNSEALED_LOCK:
            _UNSEALED[hashlib.sha256(sealed).digest()] = key
        return public

    def _row(self, label: str) -> StoredKey:
        row = self._session.get(StoredKey, label)
        if row is None or row.store != self.kind:
            raise NotFound("鍵が見つかりません", record=label, field="label")
        return row

    def public_key(self, label: str) -> bytes:
        return self._row(label).public_key

    def private(self, label: str) -> rsa.RSAPrivateKey:
        """The unsealed key object, for this store's own signing (and the benchmark's OpenSSL baseline)."""
        cached = self._keys.get(label)
        if cached is not None:
            return cached
        row = self._row(label)
        assert row.sealed_key is not None
        digest = hashlib.sha256(row.sealed_key).digest()
        key = _UNSEALED.get(digest)
        if key is None:
            loaded = serialization.load_der_private_key(
                self._sealer.decrypt(row.sealed_key, label.encode()), password=None
            )
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise Invalid("RSA鍵ではありません", record=label, field="sealed_key")
            with _UNSEALED_LOCK:
                _UNSEALED[digest] = key = loaded
        self._keys[label] = key
        return key

    def sign(self, label: str, data: bytes) -> bytes:
        return self.private(label).sign(data, padding.PKCS1v15(), hashes.SHA256())


@dataclass(frozen=True)
class Pkcs11Config:
    """A PKCS#11 module and token (SoftHSM2 in tests, an HSM in production)."""

    module: str
    token_label: str
    user_pin: str


_P11_SESSIONS: dict[Pkcs11Config, Any] = {}
_P11_LOCK = threading.RLock()


def pkcs11_session(config: Pkcs11Config) -> Any:
    """One read-write logged-in session per token per process (python-pkcs11 loads the module once)."""
    import pkcs11

    with _P11_LOCK:
        session = _P11_SESSIONS.get(config)
        if session is None:
            lib = pkcs11.lib(config.module)
            try:
                token = lib.get_token(token_label=config.token_label)
            except pkcs11.exceptions.NoSuchToken as exc:
                raise NotFound("PKCS#11トークンが見つかりません", record=config.token_label) from exc
            session = token.open(user_pin=config.user_pin, rw=True)
            _P11_SESSIONS[config] = session
        return session


def pkcs11_generate(session: Any, label: str) -> bytes:
    """An RSA-2048 pair made on the token: private half sensitive and never extractable."""
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.rsa import encode_rsa_public_key

    public, _private = session.generate_keypair(
        KeyType.RSA,
        RSA_BITS,
        label=label,
        store=True,
        public_template={Attribute.VERIFY: True, Attribute.TOKEN: True},
        private_template={
            Attribute.SIGN: True,
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.TOKEN: True,
        },
    )
    loaded = serialization.load_der_public_key(encode_rsa_public_key(public))
    assert isinstance(loaded, rsa.RSAPublicKey)
    return spki_of(loaded)


def pkcs11_sign(session: Any, label: str, data: bytes) -> bytes:
    from pkcs11 import KeyType, Mechanism, ObjectClass

    with _P11_LOCK:
        try:
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.RSA, label=label)
        except Exception as exc:
            raise NotFound("トークン上に鍵が見つかりません", record=label, field="label") from exc
        return bytes(key.sign(data, mechanism=Mechanism.SHA256_RSA_PKCS))


class Pkcs11KeyStore:
    """Keys generated on a PKCS#11 token; the jpki database keeps only the label and the public key."""

    kind = "pkcs11"

    def __init__(self, session: Session, config: Pkcs11Config) -> None:
        self._session = session
        self._config = config

    def generate(self, label: str) -> bytes:
        if self._session.get(StoredKey, label) is not None:
            raise Conflict("同じラベルの鍵が既にあります", record=label, field="label")
        with _P11_LOCK:
            public = pkcs11_generate(pkcs11_session(self._config), label)
        self._session.add(
            StoredKey(
                label=label, store=self.kind, public_key=public, sealed_key=None, created_at=clock.now()
            )
        )
        self._session.flush()
        return public

    def public_key(self, label: str) -> bytes:
        row = self._session.get(StoredKey, label)
        if row is None:
            raise NotFound("鍵が見つかりません", record=label, field="label")
        return row.public_key

    def sign(self, label: str, data: bytes) -> bytes:
        return pkcs11_sign(pkcs11_session(self._config), label, data)


def pkcs11_config_from_env(environ: dict[str, str] | None = None) -> Pkcs11Config | None:
    """RENKEI_JPKI_PKCS11_MODULE / _TOKEN / _PIN select a PKCS#11 token for new CA keys (decision 0060)."""
    env = os.environ if environ is None else environ
    module = env.get("RENKEI_JPKI_PKCS11_MODULE")
    if not module:
        return None
    return Pkcs11Config(
        module=module,
        token_label=env.get("RENKEI_JPKI_PKCS11_TOKEN", "renkei-jpki"),
        user_pin=env.get("RENKEI_JPKI_PKCS11_PIN", ""),
    )


def keystore(session: Session, settings: Settings, *, kind: str | None = None) -> KeyStore:
    """The store a label lives in, or the one new keys go to (PKCS#11 when configured, else software)."""
    config = pkcs11_config_from_env()
    if kind is None:
        kind = "pkcs11" if config is not None else "software"
    if kind == "pkcs11":
        if config is None:
            raise Invalid(
                "PKCS#11モジュールが設定されていません (RENKEI_JPKI_PKCS11_MODULE)", field="keystore"
            )
        return Pkcs11KeyStore(session, config)
    return SoftwareKeyStore(session, settings.secret("jpki_key"))


def store_of(session: Session, label: str) -> str:
    kind = session.scalar(sa.select(StoredKey.store).where(StoredKey.label == label))
    if kind is None:
        raise NotFound("鍵が見つかりません", record=label, field="label")
    return kind
