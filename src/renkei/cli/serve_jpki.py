"""`renkei serve jpki`: CRLs, OCSP, CA certificates, the verification service and the issuance API in one process.

OCSP, CRL and CA-certificate paths are answered by a bare ASGI app (renkei.jpki.asgi); the rpc operations of
`JpkiClient` (window, 異動, verifiers, login) by the typed API under /jpki/v1/….
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.cli.serve_linkage import TLS_DIR, wire_for
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
        lambda: runtime.session("jpki"), runtime.settings, fallback=api, refresh_seconds=refresh_seconds
    )


@click.command("jpki")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8005, show_default=True, type=int)
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
    help="OCSP・CRL・CA証明書だけを平文HTTPで公開（発行・窓口APIは答えない） / only the public distribution point",
)
@TLS_DIR
@runtime_options
def jpki(
    *, host: str, port: int, refresh_seconds: float, public_only: bool, tls_dir: Path | None, runtime: Runtime
) -> None:
    """公的個人認証サービス: CRL配布点・OCSPレスポンダ・検証サービス・発行API / JPKI CRL, OCSP, verification.

    OCSP answers and CRLs are signed and public, and the certificates name plain-HTTP URLs for them (RFC 6960
    §A.1, RFC 5280 §4.2.1.13): with --public-only this process serves just those, over HTTP, and answers no API
    call; otherwise it runs HTTPS with mutual TLS and serves the API too.
    """
    import uvicorn

    from renkei.runtime.wire import Wire

    wire = Wire(authenticate=_no_api_here) if public_only else wire_for(runtime, "jpki", tls_dir)
    app, _responder = jpki_server(
        runtime,
        refresh_seconds=refresh_seconds,
        authenticate=wire.authenticate,
        on_refusal=wire.on_refusal,
    )
    api = "API なし" if public_only else "API /jpki/v1/…"
    click.echo(
        f"renkei jpki: {wire.scheme}://{host}:{port}/  ({api}, OCSP /ocsp, CRL /crl/<root|sign|auth>[-delta].crl)"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, **wire.server)


def _no_api_here(_request: Request) -> Caller:
    raise Unauthenticated(
        "この公開配布点は OCSP・CRL だけに答えます。API は相互TLSのjpkiに接続してください",
        field="client_certificate",
    )


commands = [jpki]
