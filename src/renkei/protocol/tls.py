"""Mutual TLS between nodes: uvicorn's server settings, the peer certificate in the ASGI scope, the caller it
names (refused once revoked), and the httpx client context (docs/decisions/0035-organisation-ca-and-mutual-tls.md).

Server side, one call gives everything uvicorn needs::

    config = uvicorn.Config(app, host="127.0.0.1", port=port, **server_ssl(ca_dir, "hub"))

(`ssl_*` settings requiring a client certificate from the organisation CA, and `http=` a protocol class that
puts the peer certificate into `scope["extensions"]["tls"]`, the ASGI TLS extension, which uvicorn itself does
not provide). The application then asks `caller_from_scope(scope, crl=revocations)` who is calling.

Client side: `httpx.Client(verify=client_ssl_context(ca_dir, "setagaya"))` trusts only the organisation CA,
presents the node's certificate and checks the server's name (127.0.0.1 / localhost).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import ssl
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from renkei.core.errors import Forbidden, Invalid, NotFound, RenkeiError, Unauthenticated, Unavailable
from renkei.protocol.identity import Caller
from renkei.protocol.orgca import NodeFiles, parse_crl

Paths = Path | str | NodeFiles

log = logging.getLogger("renkei.tls")

# ASGI TLS extension: tls_version is the protocol version number of the TLS specifications.
_TLS_VERSIONS = {"TLSv1": 0x0301, "TLSv1.1": 0x0302, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}
# OpenSSL cipher name -> IANA cipher suite number; the names are OpenSSL's and the mapping does not vary.
_CIPHER_IDS: dict[str, int] = {}


def node_files(directory_or_paths: Paths, node: str) -> NodeFiles:
    if isinstance(directory_or_paths, NodeFiles):
        return directory_or_paths
    return NodeFiles.in_directory(directory_or_paths, node)


# --- server -----------------------------------------------------------------------------------------


def _harden(config: uvicorn.Config, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    context = default()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    return context


SERVER_KEEPALIVE = 30  # seconds an idle keep-alive connection stays open at a server


def server_ssl(directory_or_paths: Paths, node: str, *, http: str = "httptools") -> dict[str, Any]:
    """Keyword arguments for `uvicorn.Config` / `uvicorn.run`: HTTPS with `node`'s certificate, a client
    certificate from the organisation CA required (the handshake fails without one), TLS 1.2 or later, and
    `http=` the protocol class that exposes the peer certificate (`http="h11"` for the h11 one)."""
    files = node_files(directory_or_paths, node)
    protocols: dict[str, type[HttpToolsProtocol] | type[H11Protocol]] = {
        "httptools": TlsHttpToolsProtocol,
        "h11": TlsH11Protocol,
    }
    if http not in protocols:
        raise Invalid(f"HTTPプロトコルは httptools か h11 を指定してください: {http!r}", field="http")
    return {
        "ssl_certfile": str(files.certfile),
        "ssl_keyfile": str(files.keyfile),
        "ssl_ca_certs": str(files.ca_certs),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
        "ssl_context_factory": _harden,
        "http": protocols[http],
        # Longer than the clients' keep-alive expiry (`transport.KEEPALIVE_EXPIRY`), so a client never sends on a
        # connection the server is closing (a request lost to that race reads as the peer being unreachable).
        "timeout_keep_alive": SERVER_KEEPALIVE,
    }


def _cipher_suite(ssl_object: ssl.SSLObject, name: str) -> int | None:
    if name not in _CIPHER_IDS:
        for cipher in ssl_object.context.get_ciphers():
            # OpenSSL's id is 0x0300XXXX where XXXX is the IANA number (RFC 8446 §B.4, RFC 5246 §A.5).
            _CIPHER_IDS.setdefault(str(cipher["name"]), int(cipher["id"]) & 0xFFFF)
    return _CIPHER_IDS.get(name)


_SERVER_CERTS: dict[str, str | None] = {}


def _server_cert_pem(config: uvicorn.Config) -> str | None:
    """The first certificate of the server's own certificate file (Python's ssl cannot return it)."""
    path = config.ssl_certfile
    if path is None:
        return None
    key = os.fspath(path)
    if key not in _SERVER_CERTS:
        try:
            cert = x509.load_pem_x509_certificates(Path(key).read_bytes())[0]
            _SERVER_CERTS[key] = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
        except (OSError, ValueError, IndexError):
            _SERVER_CERTS[key] = None
    return _SERVER_CERTS[key]


def tls_extension(transport: Any, config: uvicorn.Config) -> dict[str, Any] | None:
    """The ASGI TLS extension (asgiref specs/tls.rst, version 0.2) for one connection, or None without TLS."""
    ssl_object: ssl.SSLObject | None = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    chain: list[str] = []
    name: str | None = None
    if der:
        peer = x509.load_der_x509_certificate(der)
        chain.append(peer.public_bytes(serialization.Encoding.PEM).decode("ascii"))
        name = peer.subject.rfc4514_string()
    cipher = ssl_object.cipher()
    version = ssl_object.version()
    return {
        "server_cert": _server_cert_pem(config),
        # Python before 3.13 gives only the peer's leaf; the CA that signed it is the one we trust.
        "client_cert_chain": chain,
        "client_cert_name": name,
        "client_cert_error": None,  # the handshake itself refuses an unverifiable certificate
        "tls_version": _TLS_VERSIONS.get(version) if version else None,
        "cipher_suite": _cipher_suite(ssl_object, cipher[0]) if cipher else None,
    }


def _with_tls(app: Any, tls: dict[str, Any]) -> Any:
    async def with_tls(scope: Any, receive: Any, send: Any) -> None:
        extensions = scope.get("extensions")
        if extensions is None:
            extensions = scope["extensions"] = {}
        extensions["tls"] = tls
        await app(scope, receive, send)

    return with_tls


class TlsHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus the ASGI TLS extension in every request's scope on a TLS connection.

    The asyncio SSL transport calls connection_made after the handshake, so the peer certificate is known here;
    the extension is computed once per connection and shared by the requests on it (keep-alive)."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        tls = tls_extension(transport, self.config)
        if tls is not None:
            self.app = _with_tls(self.app, tls)


class TlsH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the ASGI TLS extension (as TlsHttpToolsProtocol)."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        tls = tls_extension(transport, self.config)
        if tls is not None:
            self.app = _with_tls(self.app, tls)


# --- who is calling ---------------------------------------------------------------------------------


class RevocationList:
    """The organisation CA's CRL as a server honours it: re-read whenever the file changes (a revocation takes
    effect on the next request, without a restart), its signature checked against the CA, and refused when
    unreadable or past its nextUpdate (fail closed: Unavailable, never a caller let through unchecked)."""

    def __init__(self, crlfile: Path | str, ca_certfile: Path | str) -> None:
        self.crlfile = Path(crlfile)
        ca_path = Path(ca_certfile)
        try:
            self.ca_certificate = x509.load_pem_x509_certificate(ca_path.read_bytes())
        except FileNotFoundError:
            raise NotFound(f"組織CAの証明書がありません: {ca_path}", field="ca.pem") from None
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._revoked: frozenset[int] = frozenset()
        self._next_update: dt.datetime | None = None
        self._error: RenkeiError | None = None
        self._callers: OrderedDict[str, Caller] = OrderedDict()

    @classmethod
    def for_node(cls, directory_or_paths: Paths, node: str) -> RevocationList:
        files = node_files(directory_or_paths, node)
        return cls(files.crlfile, files.ca_certs)

    @classmethod
    def in_directory(cls, directory: Path | str) -> RevocationList:
        return cls(Path(directory) / "crl.pem", Path(directory) / "ca.pem")

    def _refresh(self) -> None:
        try:
            st = os.stat(self.crlfile)
        except FileNotFoundError:
            self._stamp, self._error = (
                None,
                Unavailable(f"組織CAの失効リストがありません: {self.crlfile}", field="crl"),
            )
            return
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp == self._stamp:
            return
        with self._lock:
            if stamp == self._stamp:
                return
            try:
                crl = parse_crl(self.crlfile.read_bytes(), self.ca_certificate, source=str(self.crlfile))
            except (OSError, Invalid) as exc:
                self._error = Unavailable(f"組織CAの失効リストを確認できません: {exc}", field="crl")
            else:
                self._revoked = frozenset(entry.serial_number for entry in crl)
                self._next_update = crl.next_update_utc
                self._error = None
            self._stamp = stamp

    def revoked(self) -> frozenset[int]:
        """Serials revoked as of the CRL file now on disk (raises Unavailable when it cannot be trusted)."""
        self._refresh()
        if self._error is not None:
            raise self._error
        if self._next_update is None or self._next_update < dt.datetime.now(dt.UTC):
            raise Unavailable(
                f"組織CAの失効リストの有効期限（nextUpdate）が過ぎています: {self.crlfile}"
                "（renkei orgca crl で再署名してください）",
                field="crl",
            )
        return self._revoked

    def check(self, caller: Caller) -> None:
        if caller.serial in self.revoked():
            raise Forbidden(
                f"組織証明書は失効しています（ノード {caller.node}、シリアル {caller.serial}）",
                record=caller.subject,
                field="client_certificate",
            )

    def identify(self, pem: str) -> Caller:
        """The caller a peer certificate names, after checking that the organisation CA issued it (kept for the
        certificates seen last, so a keep-alive peer costs one dictionary lookup per request)."""
        caller = self._callers.get(pem)
        if caller is None:
            try:
                cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
            except ValueError:
                raise Forbidden("クライアント証明書を読めません", field="client_certificate") from None
            try:
                cert.verify_directly_issued_by(self.ca_certificate)
            except (ValueError, TypeError, InvalidSignature):
                raise Forbidden(
                    "クライアント証明書は組織CAが発行したものではありません",
                    record=cert.subject.rfc4514_string(),
                    field="client_certificate",
                ) from None
            caller = Caller.from_certificate(cert)
            with self._lock:
                self._callers[pem] = caller
                while len(self._callers) > 1024:
                    self._callers.popitem(last=False)
        self.check(caller)
        return caller


def caller_from_scope(scope: Any, *, crl: RevocationList) -> Caller:
    """The caller of a request over mutual TLS: Unauthenticated (401) without a client certificate, Forbidden
    (403) when it was not issued by the organisation CA, lacks identity URIs or is revoked per the CRL, and
    Unavailable (503) when the CRL cannot be trusted. Every refusal is logged to "renkei.tls" (the operation
    that refuses records it where it keeps its records)."""
    try:
        tls = (scope.get("extensions") or {}).get("tls")
        if tls is None:
            raise Unauthenticated(
                "TLS接続ではありません（組織証明書による相互TLSが必要です）", field="client_certificate"
            )
        chain = list(tls.get("client_cert_chain") or ())
        if not chain:
            raise Unauthenticated("クライアント証明書が提示されていません", field="client_certificate")
        return crl.identify(chain[0])
    except RenkeiError as error:
        client = scope.get("client")
        log.warning(
            "refused %s %s from %s: %s", scope.get("method"), scope.get("path"), client and client[0], error
        )
        raise


# --- client -----------------------------------------------------------------------------------------


def client_ssl_context(
    directory_or_paths: Paths, node: str, *, check_revocation: bool = True
) -> ssl.SSLContext:
    """An SSLContext for `httpx.Client(verify=...)`: trusts only the organisation CA, presents `node`'s
    certificate, checks the server's name, TLS 1.2 or later. With `check_revocation` (default) the CRL on disk
    when the context is made is loaded too, so a server whose certificate was revoked by then is refused."""
    files = node_files(directory_or_paths, node)
    # cafile given: the system's default CAs are not loaded, so no public CA can stand in for a node.
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(files.ca_certs))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_flags |= ssl.VERIFY_X509_STRICT
    if check_revocation:
        context.load_verify_locations(cafile=str(files.crlfile))
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    context.load_cert_chain(str(files.certfile), str(files.keyfile))
    return context


def peer_caller(network_stream: Any) -> Caller:
    """The identity of the server at the other end of an httpx connection, for a client that wants to check it
    reached the node it meant (`peer_caller(response.extensions["network_stream"])`)."""
    ssl_object = network_stream.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(True) if ssl_object is not None else None
    if not der:
        raise Unauthenticated("サーバ証明書がありません", field="server_certificate")
    return Caller.from_certificate(x509.load_der_x509_certificate(der))
