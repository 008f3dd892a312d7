"""`renkei serve portal`'s app: the resident pages, its protocol operations and health, on its own."""

from __future__ import annotations

from click.testing import CliRunner
from fastapi.testclient import TestClient

from renkei.cli import cli
from renkei.cli.serve_portal import portal_runtime
from renkei.protocol.portal import PORTAL_AGENCY_CODE
from renkei.protocol.transport import HttpTransport
from renkei.runtime import Runtime
from renkei.web.portal_app import create_portal_app


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


def test_serve_portal_reaches_its_peers_over_http(runtime: Runtime) -> None:
    served = portal_runtime(
        runtime,
        hub_url="http://127.0.0.1:1",
        jpki_url="http://127.0.0.1:2",
        nodes={"lg131016": "http://127.0.0.1:3"},
    )
    assert isinstance(served.transport, HttpTransport)
    served.close()
    assert "--hub-url" in CliRunner().invoke(cli, ["serve", "portal", "--help"]).output
