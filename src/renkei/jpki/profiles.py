"""Certificate profiles (RFC 5280) of the renkei JPKI: CA, 署名用, 利用者証明用 and OCSP responder certificates.

The structure follows the real JPKI profile (fidelity addendum §5): RSA-2048 with sha256WithRSAEncryption, the
基本4情報 in subjectAltName otherName entries under 1.2.392.200149.8.5.5 in the 署名用 certificate only, the JPKI
certificate policies. Every name says it is a renkei test CA: no certificate carries a real issuer's name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asn1crypto import core, keys, x509

from renkei.core import wareki
from renkei.core.clock import JST
from renkei.jpki import der, oids

ROLE_NAMES = {
    "root": "renkei JPKI Test Root CA",
    "sign": "renkei JPKI Test CA for Digital Signature",
    "auth": "renkei JPKI Test CA for User Authentication",
}
ROLE_NAMES_JA = {
    "root": "公的個人認証サービス ルート（renkei 試験用）",
    "sign": "公的個人認証サービス署名用（renkei 試験用）",
    "auth": "公的個人認証サービス利用者証明用（renkei 試験用）",
}
ORGANIZATION = "renkei test PKI (not a real JPKI issuer)"

Signer = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Basic4:
    """基本4情報 (name, address, birth date, sex) and 旧氏 where registered, as written into a 署名用 certificate."""

    name: str
    address: str
    birth_date: dt.date
    sex: str  # 1 男 / 2 女 / 9 other (住民基本台帳の性別コード)
    former_surname: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "former_surname": self.former_surname,
        }


def jpki_birth_date(date: dt.date) -> str:
    """DOB as JPKI writes it: one era digit then the Gregorian YYYYMMDD (明治1 … 令和5): 昭和 1980-04-01 → 319800401."""
    return f"{wareki.era_of(date).jpki_digit}{date:%Y%m%d}"


def parse_jpki_birth_date(value: str) -> dt.date:
    date = dt.datetime.strptime(value[1:], "%Y%m%d").date()
    if wareki.era_of(date).jpki_digit != int(value[0]):
        raise ValueError(f"era digit {value[0]} does not match {date.isoformat()}")
    return date


def nth_birthday_after(birth: dt.date, issued: dt.date, n: int) -> dt.date:
    """The n-th birthday strictly after `issued`; 29 February falls on 28 February in common years (decision 0061)."""

    def birthday(year: int) -> dt.date:
        try:
            return birth.replace(year=year)
        except ValueError:
            return dt.date(year, 2, 28)

    first = birthday(issued.year)
    if first <= issued:
        first = birthday(issued.year + 1)
    return birthday(first.year + n - 1)


def end_of_day_jst(date: dt.date) -> dt.datetime:
    """23:59:59 JST of `date` in UTC (14:59:59Z, as the JPKI CA certificates end)."""
    return dt.datetime.combine(date, dt.time(23, 59, 59), JST).astimezone(dt.UTC)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _time(value: dt.datetime) -> x509.Time:
    value = value.astimezone(dt.UTC).replace(microsecond=0)
    return x509.Time({"utc_time" if value.year < 2050 else "general_time": value})


def ca_name(role: str, generation: int) -> x509.Name:
    return x509.Name.build(
        {
            "country_name": "JP",
            "organization_name": ORGANIZATION,
            "common_name": f"{ROLE_NAMES[role]} G{generation}",
        },
        use_printable=False,
    )


def uri(url: str) -> x509.GeneralName:
    return x509.GeneralName(name="uniform_resource_identifier", value=url)


def crl_url(base_url: str, role: str, *, delta: bool = False) -> str:
    return f"{base_url.rstrip('/')}/crl/{role}{'-delta' if delta else ''}.crl"


def ocsp_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/ocsp"


def ca_cert_url(base_url: str, role: str) -> str:
    return f"{base_url.rstrip('/')}/ca/{role}.cer"


def _ext(name: str, value: Any, *, critical: bool = False) -> dict[str, Any]:
    return {"extn_id": name, "critical": critical, "extn_value": value}


def _sign_tbs(tbs: x509.TbsCertificate, signer: Signer) -> bytes:
    body = tbs.dump()
    return der.signed(body, signer(body))


_SIG = {"algorithm": "sha256_rsa", "parameters": core.Null()}


def _key_id(spki: bytes) -> bytes:
    return bytes(keys.PublicKeyInfo.load(spki).sha1)


def build_ca_certificate(
    *,
    role: str,
    generation: int,
    serial: int,
    spki: bytes,
    not_before: dt.datetime,
    not_after: dt.datetime,
    base_url: str,
    issuer: x509.Certificate | None,
    signer: Signer,
) -> bytes:
    """Root (self-signed) or issuing CA: basicConstraints and keyUsage critical, as the JPKI CAs set them."""
    subject = ca_name(role, generation)
    extensions = [
        _ext(
            "basic_constraints",
            {"ca": True, "path_len_constraint": None if issuer is None else 0},
            critical=True,
        ),
        _ext("key_usage", {"key_cert_sign", "crl_sign"}, critical=True),
        _ext("key_identifier", _key_id(spki)),
        _ext(
            "subject_alt_name",
            [
                x509.GeneralName(
                    name="directory_name",
                    value=x509.Name.build(
                        {
                            "country_name": "JP",
                            "organization_name": "renkei",
                            "organizational_unit_name": ROLE_NAMES_JA[role],
                        },
                        use_printable=False,
                    ),
                )
            ],
        ),
    ]
    issuer_name = subject
    if issuer is not None:
        issuer_name = issuer.subject
        extensions.append(_ext("authority_key_identifier", {"key_identifier": issuer.key_identifier}))
        extensions.append(
            _ext(
                "crl_distribution_points",
                [{"distribution_point": {"full_name": [uri(crl_url(base_url, "root"))]}}],
            )
        )
        extensions.append(
            _ext(
                "authority_information_access",
                [{"access_method": "ca_issuers", "access_location": uri(ca_cert_url(base_url, "root"))}],
            )
        )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": _SIG,
            "issuer": issuer_name,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": subject,
            "subject_public_key_info": keys.PublicKeyInfo.load(spki),
            "extensions": extensions,
        }
    )
    return _sign_tbs(tbs, signer)


def personal_alt_names(basic4: Basic4) -> list[x509.GeneralName]:
    """The 基本4情報 as otherName entries (fidelity addendum §5.2), UTF8String values."""
    return [
        x509.GeneralName(
            name="other_name",
            value=x509.AnotherName({"type_id": oid, "value": core.UTF8String(text, explicit=0)}),
        )
        for oid, text in _personal_values(basic4)
    ]


def read_personal(certificate: x509.Certificate) -> dict[str, str]:
    """The 基本4情報 otherName entries of a certificate, by field name (empty for a 利用者証明用 certificate)."""
    found: dict[str, str] = {}
    san = certificate.subject_alt_name_value
    for general in san or []:
        if general.name != "other_name":
            continue
        oid = general.chosen["type_id"].dotted
        field = oids.PERSONAL_FIELDS.get(oid)
        if field is not None:
            found[field] = str(general.chosen["value"].native)
    return found


class EndEntityTemplate:
    """The constant part of every 署名用 (kind "sign") or 利用者証明用 (kind "auth") certificate of one CA, encoded once.

    Per certificate only the serial, validity, subject CN, public key, key identifier and (署名用) the 基本4情報
    are encoded, by hand, around pre-encoded extensions: issuance costs little more than the CA's signature.
    keyUsage: digitalSignature+nonRepudiation for 署名用, digitalSignature for 利用者証明用 (decision 0061);
    CRL DP over HTTP and OCSP in AIA in every certificate (fidelity addendum §5.4).
    """

    def __init__(self, *, kind: str, issuer: x509.Certificate, base_url: str) -> None:
        if kind not in ("sign", "auth"):
            raise ValueError(kind)
        self.kind = kind
        usage = {"digital_signature", "non_repudiation"} if kind == "sign" else {"digital_signature"}
        policy = oids.POLICY_SIGN if kind == "sign" else oids.POLICY_AUTH
        self._head = der.tlv(0xA0, der.integer(2))  # version v3
        self._issuer = issuer.subject.dump()
        constant = [
            _ext("basic_constraints", {"ca": False}, critical=True),
            _ext("key_usage", usage, critical=True),
            _ext("certificate_policies", [{"policy_identifier": policy}]),
        ]
        trailing = [
            _ext("authority_key_identifier", {"key_identifier": issuer.key_identifier}),
            _ext(
                "crl_distribution_points",
                [{"distribution_point": {"full_name": [uri(crl_url(base_url, kind))]}}],
            ),
            _ext(
                "freshest_crl",
                [{"distribution_point": {"full_name": [uri(crl_url(base_url, kind, delta=True))]}}],
            ),
            _ext(
                "authority_information_access",
                [
                    {"access_method": "ocsp", "access_location": uri(ocsp_url(base_url))},
                    {"access_method": "ca_issuers", "access_location": uri(ca_cert_url(base_url, kind))},
                ],
            ),
        ]
        self._constant = b"".join(x509.Extension(e).dump() for e in constant)
        self._trailing = b"".join(x509.Extension(e).dump() for e in trailing)

    def tbs(
        self,
        *,
        serial: int,
        common_name: str,
        spki: bytes,
        not_before: dt.datetime,
        not_after: dt.datetime,
        basic4: Basic4 | None,
    ) -> bytes:
        if self.kind == "sign" and basic4 is None:
            raise ValueError("a 署名用 certificate needs the 基本4情報")
        if self.kind == "auth" and basic4 is not None:
            raise ValueError("a 利用者証明用 certificate carries no personal information")
        subject = der.sequence(
            der.tlv(0x31, der.sequence(_OID_COUNTRY, der.tlv(0x13, b"JP"))),
            der.tlv(0x31, der.sequence(_OID_COMMON_NAME, der.tlv(0x0C, common_name.encode()))),
        )
        key_id = hashlib.sha1(_key_bits(spki)).digest()  # noqa: S324 - RFC 5280 §4.2.1.2 method (1)
        extensions = [
            self._constant,
            der.sequence(_OID_SKI, der.octet_string(der.octet_string(key_id))),
            self._trailing,
        ]
        if basic4 is not None:
            names = b"".join(
                der.tlv(0xA0, _OID_DER[oid] + der.tlv(0xA0, der.tlv(0x0C, text.encode())))
                for oid, text in _personal_values(basic4)
            )
            extensions.append(der.sequence(_OID_SAN, der.octet_string(der.sequence(names))))
        return der.sequence(
            self._head,
            der.integer(serial),
            der.SHA256_WITH_RSA,
            self._issuer,
            der.sequence(der.time(not_before), der.time(not_after)),
            subject,
            spki,
            der.tlv(0xA3, der.sequence(*extensions)),
        )


_OID_COUNTRY = bytes.fromhex("0603550406")
_OID_COMMON_NAME = bytes.fromhex("0603550403")
_OID_SKI = bytes.fromhex("0603551d0e")
_OID_SAN = bytes.fromhex("0603551d11")


def _oid_body(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        value = part
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


def _skip_header(data: bytes, at: int) -> tuple[int, int]:
    """(offset of the contents, offset after the element) of the DER element starting at `at`."""
    first = data[at + 1]
    if first < 0x80:
        return at + 2, at + 2 + first
    count = first & 0x7F
    size = int.from_bytes(data[at + 2 : at + 2 + count], "big")
    return at + 2 + count, at + 2 + count + size


def _key_bits(spki: bytes) -> bytes:
    """The subjectPublicKey BIT STRING contents (without the unused-bits octet) of a SubjectPublicKeyInfo."""
    inner, _end = _skip_header(spki, 0)
    _alg, after_alg = _skip_header(spki, inner)
    if spki[after_alg] != 0x03:
        raise ValueError("SubjectPublicKeyInfo without a BIT STRING")
    contents, end = _skip_header(spki, after_alg)
    return spki[contents + 1 : end]


_OID_DER = {oid: der.tlv(0x06, _oid_body(oid)) for oid in oids.PERSONAL_FIELDS}


def _personal_values(basic4: Basic4) -> list[tuple[str, str]]:
    values = [
        (oids.NAME, basic4.name),
        (oids.GENDER, basic4.sex),
        (oids.DATE_OF_BIRTH, jpki_birth_date(basic4.birth_date)),
        (oids.ADDRESS, basic4.address),
    ]
    if basic4.former_surname:
        values.append((oids.FORMER_SURNAME, basic4.former_surname))
    return values


def build_responder(
    *,
    serial: int,
    common_name: str,
    spki: bytes,
    not_before: dt.datetime,
    not_after: dt.datetime,
    issuer: x509.Certificate,
    signer: Signer,
) -> bytes:
    """A delegated OCSP responder: id-kp-OCSPSigning and id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2, §4.2.2.2.1)."""
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": serial,
            "signature": _SIG,
            "issuer": issuer.subject,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": x509.Name.build(
                {"country_name": "JP", "organization_name": ORGANIZATION, "common_name": common_name},
                use_printable=False,
            ),
            "subject_public_key_info": keys.PublicKeyInfo.load(spki),
            "extensions": [
                _ext("basic_constraints", {"ca": False}, critical=True),
                _ext("key_usage", {"digital_signature"}, critical=True),
                _ext("extended_key_usage", ["ocsp_signing"]),
                _ext("ocsp_no_check", core.Null()),
                _ext("key_identifier", _key_id(spki)),
                _ext("authority_key_identifier", {"key_identifier": issuer.key_identifier}),
            ],
        }
    )
    return _sign_tbs(tbs, signer)
