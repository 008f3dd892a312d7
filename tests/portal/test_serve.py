"""`renkei serve portal`'s app: the resident pages, its protocol operations and health, on its own."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from renkei.cli import cli
from renkei.cli.serve_portal import portal_apps, portal_runtime
from renkei.core.errors import Forbidden, Unavailable
from renkei.protocol import orgca
from renkei.protocol.orgca import NodeFiles
from renkei.protocol.portal import PORTAL_AGENCY_CODE, PortalClient
from renkei.protocol.tls import client_ssl_context
from renkei.protocol.transport import HttpTransport
from renkei.runtime import Runtime
from renkei.runtime.wire import Wire, ensure_certificate
from renkei.web.portal_app import create_portal_app
from tests.jpki.serving import serving


def test_the_portal_app_serves_its_pages_and_its_protocol_operations(runtime: Runtime) -> None:
    client = TestClient(create_portal_app(runtime), follow_redirects=False)
    assert client.get("/healthz").json() == {"status": "ok", "service": "portal"}
    assert client.get("/").headers["location"] == "/portal"
    assert client.get("/portal/history").headers["location"] == "/portal/login"
    # The protocol operations are documented here but answer no caller on this browser-facing port: the
    # portal's peers call them in one process, or over mutual TLS (not on the residents' port).
    info = client.post("/portal/v1/info", json={})
    assert info.status_code == 401 and info.json()["error"] == "unauthenticated"
    assert PORTAL_AGENCY_CODE == "0030099000011700"
    refused = client.post("/portal/v1/send-notice", json={"notice_id": "x"})
    assert refused.status_code in (401, 422)


def test_the_protocol_api_is_refused_on_the_residents_port_and_served_on_the_peers_port(
    runtime: Runtime, tmp_path: Path
) -> None:
    ca = runtime.settings.data_dir / "orgca"
    orgca.init_ca(ca)
    for node in ("portal", "lg131016", "jukinet"):
        ensure_certificate(ca, node)
    refusals = tmp_path / "wire-refusals.jsonl"
    wire = Wire.mutual_tls(ca, "portal", refusals=refusals)
    served = portal_runtime(
        runtime, hub_url="https://127.0.0.1:1", jpki_url="https://127.0.0.1:2", nodes={}, tls=wire.tls
    )
    assert (
        isinstance(served.transport, HttpTransport) and served.transport.tls is wire.tls
    )  # its own calls too
    residents, peers = portal_apps(served, wire)
    with serving(residents) as browser, serving(peers, **wire.server) as api:
        # The residents' port: pages, and no protocol call for anyone (no certificate can be shown there).
        assert httpx.get(f"{browser}/portal/login").status_code == 200
        refused = httpx.post(f"{browser}/portal/v1/info", json={})
        assert refused.status_code == 401 and "--peer-port" in refused.json()["message"]
        # The peers' port: the organisation's certificate gets the API …
        municipality = HttpTransport({"portal": api}, tls=client_ssl_context(ca, "lg131016"))
        assert PortalClient(municipality).info().agency_code == PORTAL_AGENCY_CODE
        assert httpx.get(f"{api}/portal/login", verify=client_ssl_context(ca, "lg131016")).status_code == 404
        # … a caller without a certificate, or with one of another CA, is refused at the handshake …
        with pytest.raises(httpx.TransportError):
            httpx.post(
                f"{api}/portal/v1/info", json={}, verify=ssl.create_default_context(cafile=ca / "ca.pem")
            )
        other = tmp_path / "other-ca"
        orgca.init_ca(other)
        ensure_certificate(other, "lg131016")
        files = NodeFiles.in_directory(other, "lg131016")
        stranger = NodeFiles(files.certfile, files.keyfile, ca / "ca.pem", ca / "crl.pem")
        with pytest.raises(Unavailable):
            HttpTransport({"portal": api}, tls=client_ssl_context(stranger, "lg131016")).call(
                "portal", "info", {}
            )
        # … and a certified caller is answered only the operations its role allows, the refusal recorded.
        jukinet = HttpTransport({"portal": api}, tls=client_ssl_context(ca, "jukinet"))
        with pytest.raises(Forbidden):
            jukinet.call(
                "portal",
                "application_inbox",
                {
                    "agency_code": "0220113101601700",
                    "lg_code": "131016",
                    "requested_at": "2026-04-01T00:00:00Z",
                },
            )
        municipality.close()
        jukinet.close()
    assert json.loads(refusals.read_text(encoding="utf-8"))["caller"]["role"] == "jukinet"
    served.close()
    assert "--peer-port" in CliRunner().invoke(cli, ["serve", "portal", "--help"]).output
