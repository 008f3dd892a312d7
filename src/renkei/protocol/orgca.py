"""The renkei test organisation CA (the LGPKI role): node certificates for mutual TLS, kept in files.

Not JPKI: JPKI certifies people (署名用 / 利用者証明用); this CA certifies the organisations' nodes — the hub,
jukinet, jpki, the portal, each municipal node and the business systems that call it — so that every
connection between processes is mutual TLS and the server knows which agency is calling.

Layout of a CA directory (default `<data_dir>/orgca/`; docs/decisions/0035-organisation-ca-and-mutual-tls.md):

    ca.pem               the self-signed CA certificate (ECDSA P-256, SHA-256)
    ca.key               its private key, PKCS#8 PEM, mode 0600; never overwritten, never re-created
    crl.pem              the CRL, always present, re-signed on every issue and revocation (nextUpdate stated)
    index.json           every certificate issued: serial, node, agency, role, lg, not_after, revoked_at
    issued/<node>.pem    the node's current certificate
    issued/<node>.key    its private key (mode 0600) unless it was written to `out=` instead

Validity periods and CRL times are taken from the real system clock, not renkei.core.clock: OpenSSL checks
them against the real clock during the handshake, and a frozen demo clock must not make a certificate
"not yet valid".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import ipaddress
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.core.ids import validate_agency_code, validate_lg_code

ROLES: dict[str, str] = {
    "hub": "情報提供ネットワークシステム",
    "jukinet": "住基ネット全国サーバ",
    "jpki": "公的個人認証サービス",
    "portal": "マイナポータル",
    "kiosk": "証明書交付センター（コンビニ交付）",
    "municipality": "市区町村の中間サーバー（団体ノード）",
    "business": "市区町村の業務システム",
    "operator": "運用者",
}
# Roles that act for one municipality and so must name its 団体コード.
LG_ROLES = frozenset({"municipality", "business"})

CA_COMMON_NAME = "renkei test organisation CA"
ORGANIZATION = "renkei (test only)"
CA_DAYS = 3650
CRL_DAYS = 30
MAX_DAYS = 825
URN_PREFIX = "urn:renkei:"
_NODE = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
_BACKDATE = dt.timedelta(minutes=5)  # tolerate small clock differences between the hosts of a federation

REASONS: dict[str, x509.ReasonFlags] = {
    "unspecified": x509.ReasonFlags.unspecified,
    "keyCompromise": x509.ReasonFlags.key_compromise,
    "affiliationChanged": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessationOfOperation": x509.ReasonFlags.cessation_of_operation,
}


@dataclass(frozen=True)
class CaInfo:
    directory: Path
    subject: str
    fingerprint_sha256: str
    not_after: dt.datetime
    certfile: Path
    keyfile: Path
    crlfile: Path


@dataclass(frozen=True)
class IssuedCert:
    serial: int
    node: str
    agency_code: str
    role: str
    lg_code: str | None
    subject: str
    not_before: dt.datetime
    not_after: dt.datetime
    certfile: Path
    keyfile: Path
    cafile: Path


@dataclass(frozen=True)
class IndexEntry:
    """One line of index.json: a certificate this CA issued and, once revoked, when and why."""

    serial: int
    node: str
    agency_code: str
    role: str
    lg_code: str | None
    subject: str
    not_before: str
    not_after: str
    revoked_at: str | None = None
    reason: str | None = None

    @property
    def not_after_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.not_after)

    def current(self, at: dt.datetime) -> bool:
        return self.revoked_at is None and self.not_after_at > at


@dataclass(frozen=True)
class NodeFiles:
    """The files a node's TLS endpoints need: its certificate and key, the CA to trust, the CRL to honour."""

    certfile: Path
    keyfile: Path
    ca_certs: Path
    crlfile: Path

    @classmethod
    def in_directory(cls, directory: Path | str, node: str) -> NodeFiles:
        """The files of `node` in a CA directory; every one must exist (a clear error names the missing one)."""
        directory = Path(directory)
        files = cls(
            certfile=directory / "issued" / f"{node}.pem",
            keyfile=directory / "issued" / f"{node}.key",
            ca_certs=directory / "ca.pem",
            crlfile=directory / "crl.pem",
        )
        for path, what in (
            (files.ca_certs, "組織CAの証明書"),
            (files.crlfile, "組織CAの失効リスト"),
            (files.certfile, f"ノード {node} の証明書"),
            (files.keyfile, f"ノード {node} の秘密鍵"),
        ):
            if not path.is_file():
                raise NotFound(f"{what}がありません: {path}", record=node, field="node")
        return files


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


# --- files ------------------------------------------------------------------------------------------


def _write_atomic(path: Path, data: bytes, *, mode: int = 0o644, exclusive: bool = False) -> None:
    """Write via a temporary file and a rename, so a reader never sees half a file.

    `exclusive` refuses to replace an existing file (link() fails on an existing name, atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError as exc:
                raise Conflict(f"既に存在するため上書きしません: {path}", field=path.name) from exc
        else:
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One writer at a time per CA directory (index.json and crl.pem are read-modify-write)."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    certfile, keyfile = directory / "ca.pem", directory / "ca.key"
    if not certfile.is_file():
        raise NotFound(
            f"組織CAの証明書がありません: {certfile}（renkei orgca init で作成してください）", field="ca.pem"
        )
    # A missing key is an error, never a reason to mint a new CA: every node trusts the existing one.
    if not keyfile.is_file():
        raise NotFound(f"組織CAの秘密鍵がありません: {keyfile}", field="ca.key")
    cert = x509.load_pem_x509_certificate(certfile.read_bytes())
    key = serialization.load_pem_private_key(keyfile.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        raise Invalid(f"組織CAの秘密鍵が証明書と対になっていません: {keyfile}", field="ca.key")
    return cert, key


def load_ca_certificate(directory: Path | str) -> x509.Certificate:
    certfile = Path(directory) / "ca.pem"
    if not certfile.is_file():
        raise NotFound(
            f"組織CAの証明書がありません: {certfile}（renkei orgca init で作成してください）", field="ca.pem"
        )
    return x509.load_pem_x509_certificate(certfile.read_bytes())


def _read_index(directory: Path) -> dict[str, Any]:
    path = directory / "index.json"
    if not path.is_file():
        raise NotFound(f"組織CAの発行台帳がありません: {path}", field="index.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _write_index(directory: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    _write_atomic(directory / "index.json", text.encode("utf-8"))


def list_issued(directory: Path | str) -> list[IndexEntry]:
    """Every certificate the CA issued, oldest first."""
    return [IndexEntry(**row) for row in _read_index(Path(directory))["certificates"]]


# --- the CA -----------------------------------------------------------------------------------------


def ca_subject() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
        ]
    )


def _info(directory: Path, cert: x509.Certificate) -> CaInfo:
    return CaInfo(
        directory=directory,
        subject=cert.subject.rfc4514_string(),
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        not_after=cert.not_valid_after_utc,
        certfile=directory / "ca.pem",
        keyfile=directory / "ca.key",
        crlfile=directory / "crl.pem",
    )


def init_ca(directory: Path | str) -> CaInfo:
    """Create the organisation CA in `directory`; refuses (Conflict) when a CA or its key is already there."""
    directory = Path(directory)
    with _locked(directory):
        for filename in ("ca.key", "ca.pem"):
            if (directory / filename).exists():
                raise Conflict(
                    f"組織CAは既に作成されています（上書きしません）: {directory / filename}", field=filename
                )
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        name = ca_subject()
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(_new_serial(set()))
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        # The key first: a crash after it leaves a CA that `init` refuses to overwrite, never a second key.
        _write_atomic(directory / "ca.key", _key_pem(key), mode=0o600, exclusive=True)
        _write_atomic(directory / "ca.pem", cert.public_bytes(serialization.Encoding.PEM), exclusive=True)
        index: dict[str, Any] = {"version": 1, "crl_number": 0, "certificates": []}
        _sign_crl(directory, cert, key, index)
        return _info(directory, cert)


def ca_info(directory: Path | str) -> CaInfo:
    directory = Path(directory)
    cert, _ = _load_ca(directory)
    return _info(directory, cert)


def _new_serial(taken: set[int]) -> int:
    # 63 random bits, never 0, unique within this CA (RFC 5280 §4.1.2.2: positive, at most 20 octets).
    while True:
        serial = secrets.randbits(63)
        if serial and serial not in taken:
            return serial


# --- node certificates ------------------------------------------------------------------------------


def validate_node(node: str) -> str:
    if not _NODE.fullmatch(node):
        raise Invalid(
            f"ノード名は英小文字・数字・「.」「_」「-」の63文字以内で指定してください: {node!r}", field="node"
        )
    return node


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise Invalid(f"役割が不明です: {role!r}（{', '.join(ROLES)} のいずれか）", field="role")
    return role


def identity_uris(*, node: str, agency_code: str, role: str, lg_code: str | None) -> list[str]:
    uris = [
        f"{URN_PREFIX}agency:{agency_code}",
        f"{URN_PREFIX}role:{role}",
        f"{URN_PREFIX}node:{node}",
    ]
    if lg_code is not None:
        uris.append(f"{URN_PREFIX}lg:{lg_code}")
    return uris


def issue(
    directory: Path | str,
    *,
    node: str,
    agency_code: str,
    role: str,
    lg_code: str | None = None,
    days: int = MAX_DAYS,
    out: Path | str | None = None,
    replace: bool = False,
) -> IssuedCert:
    """Issue a server-and-client certificate to `node` of `agency_code` acting as `role`.

    A node has one current certificate: issuing again refuses (Conflict) unless `replace`, which revokes the
    current one as superseded in the same step. With `out`, the key and certificate (and a copy of ca.pem) are
    written there and the CA directory keeps only the certificate."""
    directory = Path(directory)
    node = validate_node(node)
    agency_code = validate_agency_code(agency_code)
    role = validate_role(role)
    if lg_code is not None:
        lg_code = validate_lg_code(lg_code)
    elif role in LG_ROLES:
        raise Invalid(f"役割 {role} には団体コード（--lg）が必要です", record=node, field="lg_code")
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"有効日数は1〜{MAX_DAYS}日で指定してください: {days}", record=node, field="days")

    with _locked(directory):
        ca_cert, ca_key = _load_ca(directory)
        index = _read_index(directory)
        now = _now()
        entries = [IndexEntry(**row) for row in index["certificates"]]
        current = [e for e in entries if e.node == node and e.current(now)]
        if current and not replace:
            raise Conflict(
                f"ノード {node} には有効な証明書があります（シリアル {current[0].serial}）。"
                "失効させるか --replace を指定してください",
                record=node,
                field="node",
            )
        key = ec.generate_private_key(ec.SECP256R1())
        serial = _new_serial({e.serial for e in entries})
        not_after = min(now + dt.timedelta(days=days), ca_cert.not_valid_after_utc)
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
                x509.NameAttribute(NameOID.COMMON_NAME, node),
            ]
        )
        alt_names: list[x509.GeneralName] = [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
            *(
                x509.UniformResourceIdentifier(uri)
                for uri in identity_uris(node=node, agency_code=agency_code, role=role, lg_code=lg_code)
            ),
        ]
        ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        issued = directory / "issued"
        target = Path(out) if out is not None else issued
        certfile, keyfile = target / f"{node}.pem", target / f"{node}.key"
        _write_atomic(keyfile, _key_pem(key), mode=0o600)
        _write_atomic(certfile, cert_pem)
        if out is not None:
            _write_atomic(issued / f"{node}.pem", cert_pem)
            # The CA keeps no key of a node whose key went elsewhere (a stale one would not match).
            with contextlib.suppress(FileNotFoundError):
                os.unlink(issued / f"{node}.key")
            shutil.copyfile(directory / "ca.pem", target / "ca.pem")
        entry = IndexEntry(
            serial=serial,
            node=node,
            agency_code=agency_code,
            role=role,
            lg_code=lg_code,
            subject=subject.rfc4514_string(),
            not_before=cert.not_valid_before_utc.isoformat(),
            not_after=cert.not_valid_after_utc.isoformat(),
        )
        rows = [asdict(_revoked(e, now, "superseded")) if e in current else asdict(e) for e in entries]
        index["certificates"] = [*rows, asdict(entry)]
        _sign_crl(directory, ca_cert, ca_key, index)
        return IssuedCert(
            serial=serial,
            node=node,
            agency_code=agency_code,
            role=role,
            lg_code=lg_code,
            subject=entry.subject,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            certfile=certfile,
            keyfile=keyfile,
            cafile=target / "ca.pem" if out is not None else directory / "ca.pem",
        )


def ensure_ca(directory: Path | str) -> CaInfo:
    """The CA in `directory`, created when the directory holds none (for `federation up`, safe to re-run).

    A half-present CA (a certificate without its key, or the reverse) is an error, never replaced."""
    directory = Path(directory)
    if not (directory / "ca.pem").exists() and not (directory / "ca.key").exists():
        try:
            return init_ca(directory)
        except Conflict:
            pass  # another process created it meanwhile
    return ca_info(directory)


def ensure_issued(
    directory: Path | str, *, node: str, agency_code: str, role: str, lg_code: str | None = None
) -> IssuedCert:
    """The node's current certificate in `<directory>/issued/` when it states this identity, else a new one.

    Safe to re-run; a current certificate naming another agency, role or 団体コード is refused (Conflict), so a
    typo never silently re-identifies a node (revoke it first)."""
    directory = Path(directory)
    node, role = validate_node(node), validate_role(role)
    agency_code = validate_agency_code(agency_code)
    if lg_code is not None:
        lg_code = validate_lg_code(lg_code)
    now = _now()
    current = [e for e in list_issued(directory) if e.node == node and e.current(now)]
    certfile, keyfile = directory / "issued" / f"{node}.pem", directory / "issued" / f"{node}.key"
    if not current or not keyfile.is_file():
        return issue(directory, node=node, agency_code=agency_code, role=role, lg_code=lg_code, replace=True)
    entry = current[-1]
    if (entry.agency_code, entry.role, entry.lg_code) != (agency_code, role, lg_code):
        raise Conflict(
            f"ノード {node} の有効な証明書は別の識別情報です（機関コード {entry.agency_code}、役割 {entry.role}、"
            f"団体コード {entry.lg_code or 'なし'}）。失効させてから発行してください",
            record=node,
            field="node",
        )
    return IssuedCert(
        serial=entry.serial,
        node=node,
        agency_code=entry.agency_code,
        role=entry.role,
        lg_code=entry.lg_code,
        subject=entry.subject,
        not_before=dt.datetime.fromisoformat(entry.not_before),
        not_after=entry.not_after_at,
        certfile=certfile,
        keyfile=keyfile,
        cafile=directory / "ca.pem",
    )


# --- revocation -------------------------------------------------------------------------------------


def _revoked(entry: IndexEntry, at: dt.datetime, reason: str) -> IndexEntry:
    return IndexEntry(**{**asdict(entry), "revoked_at": at.isoformat(), "reason": reason})


def revoke(
    directory: Path | str,
    *,
    serial: int | None = None,
    node: str | None = None,
    reason: str = "unspecified",
) -> list[IndexEntry]:
    """Revoke one certificate by serial, or every unrevoked certificate of a node, and re-sign the CRL.

    Safe to retry: a certificate already revoked is returned as it stands (its first revocation time and
    reason are kept). Returns the entries concerned."""
    directory = Path(directory)
    if (serial is None) == (node is None):
        raise Invalid("シリアル番号かノード名のどちらか一方を指定してください", field="serial")
    if reason not in REASONS:
        raise Invalid(f"失効理由が不明です: {reason!r}（{', '.join(REASONS)} のいずれか）", field="reason")
    with _locked(directory):
        ca_cert, ca_key = _load_ca(directory)
        index = _read_index(directory)
        now = _now()
        entries = [IndexEntry(**row) for row in index["certificates"]]
        if serial is not None:
            chosen = [e for e in entries if e.serial == serial]
            if not chosen:
                raise NotFound(
                    f"このCAが発行した証明書にシリアル {serial} はありません",
                    record=str(serial),
                    field="serial",
                )
        else:
            assert node is not None
            of_node = [e for e in entries if e.node == node]
            if not of_node:
                raise NotFound(f"ノード {node} に発行した証明書はありません", record=node, field="node")
            chosen = [e for e in of_node if e.revoked_at is None] or of_node
        wanted = {e.serial for e in chosen if e.revoked_at is None}
        entries = [_revoked(e, now, reason) if e.serial in wanted else e for e in entries]
        index["certificates"] = [asdict(e) for e in entries]
        # Re-signed even when nothing new was revoked, so a retry after a crash mid-write repairs the CRL.
        _sign_crl(directory, ca_cert, ca_key, index)
        chosen_serials = {e.serial for e in chosen}
        return [e for e in entries if e.serial in chosen_serials]


def refresh_crl(directory: Path | str) -> x509.CertificateRevocationList:
    """Re-sign the CRL with a new thisUpdate/nextUpdate (run before nextUpdate passes; servers refuse a stale CRL)."""
    directory = Path(directory)
    with _locked(directory):
        ca_cert, ca_key = _load_ca(directory)
        index = _read_index(directory)
        _sign_crl(directory, ca_cert, ca_key, index)
    return load_crl(directory)


def _sign_crl(
    directory: Path, ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, index: dict[str, Any]
) -> None:
    now = _now()
    number = int(index.get("crl_number", 0)) + 1
    index["crl_number"] = number
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            critical=False,
        )
    )
    for row in index["certificates"]:
        entry = IndexEntry(**row)
        if entry.revoked_at is None:
            continue
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(dt.datetime.fromisoformat(entry.revoked_at))
        )
        # RFC 5280 §5.3.1: the reasonCode "unspecified" SHOULD be expressed by leaving the extension out.
        if entry.reason and entry.reason != "unspecified":
            revoked = revoked.add_extension(x509.CRLReason(REASONS[entry.reason]), critical=False)
        builder = builder.add_revoked_certificate(revoked.build())
    crl = builder.sign(ca_key, hashes.SHA256())
    # The index (with the CRL number) first: a crash before the CRL is written re-signs on the next write.
    _write_index(directory, index)
    _write_atomic(directory / "crl.pem", crl.public_bytes(serialization.Encoding.PEM))


def parse_crl(
    data: bytes, ca_cert: x509.Certificate, *, source: str = "crl.pem"
) -> x509.CertificateRevocationList:
    """Parse a PEM CRL and check it was signed by `ca_cert` (Invalid otherwise)."""
    try:
        crl = x509.load_pem_x509_crl(data)
    except ValueError as exc:
        raise Invalid(f"失効リストを読めません: {source}", field="crl") from exc
    public_key = ca_cert.public_key()
    if crl.issuer != ca_cert.subject or not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise Invalid(f"失効リストの発行者が組織CAではありません: {source}", field="crl")
    try:
        valid = crl.is_signature_valid(public_key)
    except InvalidSignature:
        valid = False
    if not valid:
        raise Invalid(f"失効リストの署名が組織CAのものではありません: {source}", field="crl")
    return crl


def load_crl(directory: Path | str) -> x509.CertificateRevocationList:
    """The CA's current CRL, its signature checked against ca.pem."""
    directory = Path(directory)
    path = directory / "crl.pem"
    if not path.is_file():
        raise NotFound(f"組織CAの失効リストがありません: {path}", field="crl.pem")
    return parse_crl(path.read_bytes(), load_ca_certificate(directory), source=str(path))
