"""機関別符号: derived from the 住民票コード through an internal ID code, one per agency, readable only by the hub.

The real algorithm is unpublished ([UNCONFIRMED], mynumber-reference §3); renkei follows the published outline
(docs/decisions/0031): the hub turns a 住民票コード into an IDコード with a keyed one-way function, appends the
agency's 機関コード and encrypts with a secret key:

    ID code = HMAC-SHA256(k_id, 住民票コード)[:9]                       (72 bits; never stored)
    符号     = AES-256(k_sign, ID code ‖ 機関コード as 7 bytes)           (one 128-bit block, 32 hex digits)

A single AES block is a keyed permutation, so two agencies get unrelated 符号 for one person and nobody without
k_sign can link them; the hub decrypts a 符号 to (ID code, 機関コード) to translate it, so it needs no table,
and it checks that the embedded 機関コード is the presenter's own. Nobody, the hub included, can get back to the
住民票コード: the ID code is a one-way HMAC of it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from renkei.core.crypto import derive_key
from renkei.core.errors import Invalid
from renkei.core.settings import Settings
from renkei.protocol import signing

HUB_AGENCY_CODE = "0030099000001700"  # 情報提供ネットワークシステム等 (fidelity addendum §6)
HUB_NAME = "情報提供ネットワークシステム"
ID_CODE_BYTES = 9


@dataclass(frozen=True)
class HubKeys:
    id_key: bytes
    sign_key: bytes
    person_key: bytes
    signing: signing.Ed25519PrivateKey

    @property
    def signing_public_pem(self) -> str:
        return signing.public_key_pem(self.signing)


@lru_cache(maxsize=8)
def _keys(master: bytes) -> HubKeys:
    return HubKeys(
        id_key=derive_key(master, "hub ID code"),
        sign_key=derive_key(master, "hub agency sign"),
        person_key=derive_key(master, "hub record person reference"),
        signing=signing.signing_key_from_seed(derive_key(master, "hub signing key (Ed25519)")),
    )


def hub_keys(settings: Settings) -> HubKeys:
    """The hub's keys, all derived from settings.secret("hub_key") (one secret, one purpose per subkey)."""
    return _keys(settings.secret("hub_key"))


def id_code(keys: HubKeys, juminhyo_code: str) -> bytes:
    return hmac.new(keys.id_key, juminhyo_code.encode(), hashlib.sha256).digest()[:ID_CODE_BYTES]


def _block(id_code_value: bytes, agency_code: str) -> bytes:
    return id_code_value + int(agency_code).to_bytes(7, "big")


def agency_signs(keys: HubKeys, id_codes: list[bytes], agency_code: str) -> list[str]:
    """The 符号 of each ID code for one agency (one AES call for the whole batch)."""
    # ECB over independent single blocks is exactly "AES as a keyed permutation", which is what is wanted here.
    encryptor = Cipher(algorithms.AES(keys.sign_key), modes.ECB()).encryptor()  # noqa: S305
    data = encryptor.update(b"".join(_block(code, agency_code) for code in id_codes)) + encryptor.finalize()
    return [data[i : i + 16].hex().upper() for i in range(0, len(data), 16)]


def agency_sign(keys: HubKeys, id_code_value: bytes, agency_code: str) -> str:
    return agency_signs(keys, [id_code_value], agency_code)[0]


def open_sign(keys: HubKeys, sign: str, *, agency_code: str) -> bytes:
    """The ID code behind `sign`, if `sign` was issued to `agency_code`; `Invalid` otherwise."""
    try:
        raw = bytes.fromhex(sign)
    except ValueError:
        raw = b""
    if len(raw) != 16:
        raise Invalid("符号の形式が不正です（32桁の16進数）", record=agency_code, field="符号")
    decryptor = Cipher(algorithms.AES(keys.sign_key), modes.ECB()).decryptor()  # noqa: S305
    block = decryptor.update(raw) + decryptor.finalize()
    if int.from_bytes(block[ID_CODE_BYTES:], "big") != int(agency_code):
        raise Invalid(
            "指定された符号はこの機関に発行されたものではありません", record=agency_code, field="符号"
        )
    return block[:ID_CODE_BYTES]


def person_ref(keys: HubKeys, id_code_value: bytes) -> str:
    """A stable pseudonym of the person inside the hub's records (for やりとり履歴), not an ID code."""
    return hmac.new(keys.person_key, id_code_value, hashlib.sha256).hexdigest()[:32]
