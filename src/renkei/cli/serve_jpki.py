"""`renkei serve jpki`: CRLs, OCSP, CA certificates, the verification service and the issuance API in one process.

OCSP, CRL and CA-certificate paths are answered by a bare ASGI app (renkei.jpki.asgi); the rpc operations of
`JpkiClient` (window, 異動, verifiers, login) by the typed API under /jpki/v1/…. As a vendor deploys it, the public
distribution point (OCSP, CRLs, CA certificates over plain HTTP, as the certificates name them) listens on one
port and the API, over mutual TLS with the organisation certificates, on another.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from renkei.cli.common import runtime_options
from renkei.cli.serve_linkage import TLS_DIR, run_together, wire_for
from renkei.core.errors import Unauthenticated

if TYPE_CHECKING:
    from fastapi import Request

    from renkei.jpki.asgi import ASGIApp
    from renkei.jpki.ocsp import OcspResponder
    from renkei.protocol.http import Authenticate, OnRefusal
    from renkei.protocol.identity import Caller
    from renkei.runtime import Runtime


def jpki_server(
    runtime: Runtime,
    *,
    refresh_seconds: float = 1.0,
    authenticate: Authenticate | None = None,
    on_refusal: OnRefusal | None = None,
    responder: OcspResponder | None = None,
) -> tuple[ASGIApp, OcspResponder]:
    """The ASGI app `renkei serve jpki` runs (tests and benchmarks start it on an ephemeral port); callers are
    trusted as in one process unless `authenticate` says otherwise."""
    from renkei.jpki import ca
    from renkei.jpki.asgi import jpki_asgi
    from renkei.jpki.rpc import api as jpki_api
    from renkei.protocol.http import service_app, trust_in_process

    api = service_app(
        "renkei jpki",
        [jpki_api(runtime.databases, runtime.settings, runtime.transport)],
        authenticate=authenticate or trust_in_process,
        on_refusal=on_refusal,
    )

    with runtime.session("jpki") as session:  # the hierarchy exists before the first request
        ca.authorities(session, settings=runtime.settings)
    return jpki_asgi(
        lambda: runtime.session("jpki"),
        runtime.settings,
        fallback=api,
        refresh_seconds=refresh_seconds,
        responder=responder,
    )


def public_point(runtime: Runtime, *, responder: OcspResponder) -> ASGIApp:
    """The public distribution point only: OCSP, CRLs and CA certificates; every API call refused (401)."""
    app, _responder = jpki_server(runtime, authenticate=no_api_here, responder=responder)
    return app


@click.command("jpki")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8005, show_default=True, type=int, help="相互TLSのAPI（とOCSP・CRL）のポート")
@click.option(
    "--public-port",
    default=None,
    type=int,
    help="OCSP・CRL・CA証明書を平文HTTPで公開するポート（公開配布点） / the public distribution point's port",
)
@click.option(
    "--refresh-seconds",
    default=1.0,
    show_default=True,
    type=float,
    help="how often the OCSP cache checks for status changes / OCSPキャッシュの更新確認間隔",
)
@click.option(
    "--public-only",
    is_flag=True,
    help="--port で公開配布点だけを平文HTTPで動かす（発行・窓口APIは答えない） / only the public distribution point",
)
@TLS_DIR
@runtime_options
def jpki(
    *,
    host: str,
    port: int,
    public_port: int | None,
    refresh_seconds: float,
    public_only: bool,
    tls_dir: Path | None,
    runtime: Runtime,
) -> None:
    """公的個人認証サービス: CRL配布点・OCSPレスポンダ・検証サービス・発行API / JPKI CRL, OCSP, verification.

    OCSP answers and CRLs are signed and public, and the certificates name plain-HTTP URLs for them (RFC 6960
    §A.1, RFC 5280 §4.2.1.13): --public-port serves just those over HTTP beside the mutual-TLS API on --port;
    with --public-only this process is that public point alone, on --port, and answers no API call.
    """
    from renkei.jpki import ca
    from renkei.jpki.ocsp import OcspResponder

    if public_only and public_port is not None:
        raise click.UsageError("--public-only と --public-port は同時に指定できません")
    with runtime.session("jpki") as session:
        ca.authorities(session, settings=runtime.settings)
    responder = OcspResponder(
        lambda: runtime.session("jpki"), runtime.settings, refresh_seconds=refresh_seconds
    )
    paths = "OCSP /ocsp, CRL /crl/<root|sign|auth>[-delta].crl"
    if public_only:
        click.echo(f"renkei jpki: http://{host}:{port}/  (API なし, {paths})")
        run_together(host, [(public_point(runtime, responder=responder), port, {})])
        return
    wire = wire_for(runtime, "jpki", tls_dir)
    app, _responder = jpki_server(
        runtime, authenticate=wire.authenticate, on_refusal=wire.on_refusal, responder=responder
    )
    click.echo(f"renkei jpki: {wire.scheme}://{host}:{port}/  (API /jpki/v1/…, {paths})")
    listeners: list[tuple[Any, int, dict[str, Any]]] = [(app, port, dict(wire.server))]
    if public_port is not None:
        click.echo(f"renkei jpki 公開配布点: http://{host}:{public_port}/  (API なし, {paths})")
        listeners.append((public_point(runtime, responder=responder), public_port, {}))
    run_together(host, listeners)


def no_api_here(_request: Request) -> Caller:
    raise Unauthenticated(
        "この公開配布点は OCSP・CRL だけに答えます。API は相互TLSのjpkiに接続してください",
        field="client_certificate",
    )


commands = [jpki]
