"""A few DER encoders for the hot paths (CRL entries, signed wrappers) where building objects would cost too much.

Everything else is built with asn1crypto; these produce byte-identical encodings of the same structures.
"""

from __future__ import annotations

import datetime as dt


def length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + length(len(content)) + content


def sequence(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def integer(value: int) -> bytes:
    size = max(1, (value.bit_length() + 8) // 8) if value >= 0 else (value.bit_length() + 8) // 8
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def bit_string(data: bytes) -> bytes:
    return tlv(0x03, b"\x00" + data)


def octet_string(data: bytes) -> bytes:
    return tlv(0x04, data)


def enumerated(value: int) -> bytes:
    return tlv(0x0A, value.to_bytes(1, "big"))


def time(value: dt.datetime) -> bytes:
    """RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always UTC to the second."""
    value = value.astimezone(dt.UTC)
    if value.year < 2050:
        return tlv(0x17, value.strftime("%y%m%d%H%M%SZ").encode())
    return tlv(0x18, value.strftime("%Y%m%d%H%M%SZ").encode())


# AlgorithmIdentifier sha256WithRSAEncryption with NULL parameters (RFC 4055 §5).
SHA256_WITH_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")
# Extension OID 2.5.29.21 (reasonCode).
_REASON_CODE_OID = bytes.fromhex("0603551d15")


def crl_entry(serial: int, revoked_at: dt.datetime, reason: int | None) -> bytes:
    """One revokedCertificates entry (RFC 5280 §5.1.2.6); reasonCode is omitted for unspecified (§5.3.1)."""
    parts = [integer(serial), time(revoked_at)]
    if reason:
        extension = sequence(_REASON_CODE_OID, octet_string(enumerated(reason)))
        parts.append(sequence(extension))
    return sequence(*parts)


def signed(tbs: bytes, signature: bytes) -> bytes:
    """Certificate, CertificateList and similar: SEQUENCE { tbs, sha256WithRSAEncryption, BIT STRING }."""
    return sequence(tbs, SHA256_WITH_RSA, bit_string(signature))
