"""The bare ASGI front of `renkei serve jpki`: OCSP, CRLs and CA certificates below the framework.

OCSP is the hot path: a pre-produced answer is returned from memory inside the event loop, with no framework,
validation layer or thread hop (FastAPI with Pydantic costs several times a bare handler). Everything else is
handed to `fallback` (the FastAPI app with the rpc and JSON API).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread

from renkei.core.errors import RenkeiError
from renkei.core.settings import Settings
from renkei.jpki import service
from renkei.jpki.ocsp import MALFORMED, OcspResponder, SessionFactory, cache_headers

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_REQUEST = 16 * 1024
_CRL_PATH = re.compile(r"/crl/(root|sign|auth)(-delta)?\.crl")
_CA_PATH = re.compile(r"/ca/(root|sign|auth)\.(cer|der)")


async def _reply(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    *,
    cache: bytes | None = None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if cache is not None:
        headers.append((b"cache-control", cache))
    headers += extra or []
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_REQUEST:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def jpki_asgi(
    sessions: SessionFactory,
    settings: Settings,
    *,
    fallback: ASGIApp,
    refresh_seconds: float = 1.0,
    responder: OcspResponder | None = None,
) -> tuple[ASGIApp, OcspResponder]:
    """The front app; `responder` shares one OCSP cache between the fronts of one process (public and API port)."""
    responder = responder or OcspResponder(sessions, settings, refresh_seconds=refresh_seconds)
    ocsp_type = b"application/ocsp-response"

    async def answer(body: bytes, send: Send, *, get: bool = False) -> None:
        if not responder.due():
            hit = responder.cached(body)
            if hit is not None:
                await _reply(send, 200, hit, ocsp_type, extra=cache_headers(hit) if get else None)
                return
        response = await anyio.to_thread.run_sync(responder.respond, body)
        await _reply(send, 200, response, ocsp_type, extra=cache_headers(response) if get else None)

    def crl(role: str, delta: bool) -> bytes:
        with sessions() as session:
            return service.current_crl(session, settings=settings, role=role, delta=delta)

    def ca_certificate(role: str) -> bytes:
        with sessions() as session:
            return service.authority_certificates(session, settings=settings)[role]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await fallback(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if path in {"/ocsp", "/ocsp/"}:
            if method != "POST":
                await _reply(send, 405, b"", b"text/plain")
                return
            body = await _read_body(receive)
            await answer(MALFORMED if body is None else body, send)
            return
        if path.startswith("/ocsp/") and method == "GET":  # RFC 6960 Appendix A.1: base64 of the DER request
            try:
                body = base64.b64decode(
                    path[len("/ocsp/") :].replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
                )
            except (binascii.Error, ValueError):
                await _reply(send, 200, MALFORMED, ocsp_type, extra=cache_headers(MALFORMED))
                return
            await answer(body, send, get=True)
            return
        if method == "GET" and (match := _CRL_PATH.fullmatch(path)):
            try:
                der = await anyio.to_thread.run_sync(crl, match.group(1), bool(match.group(2)))
            except RenkeiError as exc:
                await _reply(send, exc.status_code, exc.message.encode(), b"text/plain; charset=utf-8")
                return
            await _reply(send, 200, der, b"application/pkix-crl", cache=b"max-age=300")
            return
        if method == "GET" and (match := _CA_PATH.fullmatch(path)):
            der = await anyio.to_thread.run_sync(ca_certificate, match.group(1))
            await _reply(send, 200, der, b"application/pkix-cert", cache=b"max-age=86400")
            return
        await fallback(scope, receive, send)

    return app, responder
