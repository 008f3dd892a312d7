"""Mutual TLS over a real uvicorn on 127.0.0.1: who is calling, and every way a caller is refused."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from renkei.core.errors import RenkeiError
from renkei.core.ids import municipality_agency_code, validate_lg_code
from renkei.protocol import orgca
from renkei.protocol.identity import Caller
from renkei.protocol.orgca import NodeFiles
from renkei.protocol.tls import RevocationList, caller_from_scope, client_ssl_context, peer_caller, server_ssl

SETAGAYA = validate_lg_code("13112")
SETAGAYA_AGENCY = municipality_agency_code(SETAGAYA)
HUB_AGENCY = "0100000000000001"


def whoami_app(crl: RevocationList) -> Starlette:
    async def whoami(request: Request) -> JSONResponse:
        try:
            caller = caller_from_scope(request.scope, crl=crl)
        except RenkeiError as error:
            return JSONResponse(error.as_dict(), status_code=error.status_code)
        tls = request.scope["extensions"]["tls"]
        client = request.scope["client"]
        return JSONResponse(
            {
                "caller": asdict(caller),
                "tls_version": tls["tls_version"],
                "cipher_suite": tls["cipher_suite"],
                "server_cert": tls["server_cert"],
                "client_cert_name": tls["client_cert_name"],
                "client_port": client[1] if client else None,
            }
        )

    return Starlette(routes=[Route("/whoami", whoami)])


@dataclass
class Served:
    ca: Path
    url: str
    server: uvicorn.Server
    thread: threading.Thread


def _start(app: Starlette, ca: Path, node: str, http: str) -> Served:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="critical", lifespan="off", **server_ssl(ca, node, http=http))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    return Served(ca, f"https://127.0.0.1:{port}", server, thread)


@pytest.fixture(params=["httptools", "h11"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    ca = tmp_path / "orgca"
    orgca.init_ca(ca)
    orgca.issue(ca, node="hub", agency_code=HUB_AGENCY, role="hub")
    orgca.issue(ca, node="setagaya", agency_code=SETAGAYA_AGENCY, role="municipality", lg_code=SETAGAYA)
    running = _start(whoami_app(RevocationList.in_directory(ca)), ca, "hub", request.param)
    yield running
    running.server.should_exit = True
    running.thread.join(timeout=10)


def _client(ca: Path | NodeFiles, node: str) -> httpx.Client:
    return httpx.Client(verify=client_ssl_context(ca, node), timeout=5)


def test_a_caller_with_a_good_certificate_is_identified(served: Served) -> None:
    with _client(served.ca, "setagaya") as client:
        response = client.get(f"{served.url}/whoami")
        assert response.status_code == 200, response.text
        body = response.json()
        cert = x509.load_pem_x509_certificate((served.ca / "issued" / "setagaya.pem").read_bytes())
        assert Caller(**body["caller"]) == Caller(
            agency_code=SETAGAYA_AGENCY,
            role="municipality",
            node="setagaya",
            lg_code=SETAGAYA,
            subject=cert.subject.rfc4514_string(),
            serial=cert.serial_number,
        )
        # The ASGI TLS extension: numeric version and IANA cipher suite, the server's own certificate.
        assert body["tls_version"] in (0x0303, 0x0304)
        assert isinstance(body["cipher_suite"], int) and body["cipher_suite"] > 0
        assert body["client_cert_name"] == cert.subject.rfc4514_string()
        assert body["server_cert"] == (served.ca / "issued" / "hub.pem").read_text()
        # The client can tell it reached the hub.
        server = peer_caller(response.extensions["network_stream"])
        assert (server.role, server.node, server.agency_code) == ("hub", "hub", HUB_AGENCY)


def test_keep_alive_reuses_one_connection(served: Served) -> None:
    with _client(served.ca, "setagaya") as client:
        ports = {client.get(f"{served.url}/whoami").json()["client_port"] for _ in range(3)}
    assert len(ports) == 1


def test_without_a_client_certificate_the_handshake_fails(served: Served) -> None:
    context = ssl.create_default_context(cafile=str(served.ca / "ca.pem"))
    with httpx.Client(verify=context, timeout=5) as client, pytest.raises(httpx.TransportError):
        client.get(f"{served.url}/whoami")


def test_a_certificate_from_another_ca_fails_the_handshake(served: Served, tmp_path: Path) -> None:
    other = tmp_path / "other-ca"
    orgca.init_ca(other)
    orgca.issue(other, node="setagaya", agency_code=SETAGAYA_AGENCY, role="municipality", lg_code=SETAGAYA)
    # Trust the real CA for the server, but present the other CA's certificate.
    files = NodeFiles(
        certfile=other / "issued" / "setagaya.pem",
        keyfile=other / "issued" / "setagaya.key",
        ca_certs=served.ca / "ca.pem",
        crlfile=served.ca / "crl.pem",
    )
    with _client(files, "setagaya") as client, pytest.raises(httpx.TransportError):
        client.get(f"{served.url}/whoami")


def test_the_client_refuses_a_server_from_another_ca(served: Served, tmp_path: Path) -> None:
    other = tmp_path / "other-ca"
    orgca.init_ca(other)
    orgca.issue(other, node="setagaya", agency_code=SETAGAYA_AGENCY, role="municipality", lg_code=SETAGAYA)
    with (
        _client(other, "setagaya") as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.get(f"{served.url}/whoami")


def test_a_revoked_certificate_is_refused_without_restarting_the_server(served: Served) -> None:
    with _client(served.ca, "setagaya") as client:
        assert client.get(f"{served.url}/whoami").status_code == 200
        orgca.revoke(served.ca, node="setagaya", reason="keyCompromise")
        # Same keep-alive connection, same server process: the next request is refused.
        response = client.get(f"{served.url}/whoami")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert "失効" in response.json()["message"]


def test_a_forged_crl_refuses_every_caller(served: Served, tmp_path: Path) -> None:
    other = tmp_path / "other-ca"
    orgca.init_ca(other)
    with _client(served.ca, "setagaya") as client:
        assert client.get(f"{served.url}/whoami").status_code == 200
        (served.ca / "crl.pem").write_bytes((other / "crl.pem").read_bytes())
        response = client.get(f"{served.url}/whoami")
    assert response.status_code == 503
    assert "失効リスト" in response.json()["message"]


def test_a_crl_past_its_next_update_refuses_every_caller(served: Served) -> None:
    ca_cert = x509.load_pem_x509_certificate((served.ca / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((served.ca / "ca.key").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    now = dt.datetime.now(dt.UTC)
    stale = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(days=2))
        .next_update(now - dt.timedelta(days=1))
        .sign(ca_key, hashes.SHA256())
    )
    with _client(served.ca, "setagaya") as client:
        (served.ca / "crl.pem").write_bytes(stale.public_bytes(serialization.Encoding.PEM))
        response = client.get(f"{served.url}/whoami")
        assert response.status_code == 503
        assert "nextUpdate" in response.json()["message"]
        orgca.refresh_crl(served.ca)
        assert client.get(f"{served.url}/whoami").status_code == 200


def test_a_certificate_without_identity_uris_is_refused(served: Served, tmp_path: Path) -> None:
    ca_cert = x509.load_pem_x509_certificate((served.ca / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((served.ca / "ca.key").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    bare = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "setagaya")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (tmp_path / "bare.pem").write_bytes(bare.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "bare.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    files = NodeFiles(
        tmp_path / "bare.pem", tmp_path / "bare.key", served.ca / "ca.pem", served.ca / "crl.pem"
    )
    with _client(files, "bare") as client:
        response = client.get(f"{served.url}/whoami")
    assert response.status_code == 403
    assert "urn:renkei:agency" in response.json()["message"]


def test_a_client_refuses_a_server_revoked_before_it_connected(served: Served) -> None:
    orgca.revoke(served.ca, node="hub", reason="keyCompromise")
    with _client(served.ca, "setagaya") as client, pytest.raises(httpx.ConnectError, match="revoked"):
        client.get(f"{served.url}/whoami")


def test_a_plain_http_scope_names_no_caller(tmp_path: Path) -> None:
    orgca.init_ca(tmp_path)
    with pytest.raises(RenkeiError) as caught:
        caller_from_scope({"type": "http", "headers": []}, crl=RevocationList.in_directory(tmp_path))
    assert caught.value.status_code == 401
