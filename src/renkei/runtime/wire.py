"""How a served process meets its peers: the organisation certificate it presents, the callers it accepts, and
where it writes the calls it refused (docs/decisions/0035 and 0036).

Every `renkei serve …` process runs HTTPS and requires a client certificate from the organisation CA; the
certificate names the caller (agency, role, node, 団体コード) and each operation checks it. `Wire.plain()` is for
servers a test starts inside its own process, where every caller is the trusted embedded one.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request

from renkei.core.errors import NotFound
from renkei.core.ids import municipality_agency_code, validate_lg_code
from renkei.protocol import orgca
from renkei.protocol.http import Authenticate, OnRefusal, RefusalLog, trust_in_process
from renkei.protocol.identity import Caller
from renkei.protocol.tls import RevocationList, caller_from_scope, client_ssl_context, server_ssl

# 機関コード of the national nodes. The hub's and the portal's are the real ones (fidelity addendum §6); the
# master lists none for 住基ネット or JPKI, so renkei uses free system codes of the same series (decision 0036).
NATIONAL_AGENCIES = {
    "hub": "0030099000001700",  # 情報提供ネットワークシステム等
    "portal": "0030099000011700",  # 情報提供等記録開示システム
    "jukinet": "0030099000021700",  # 住基ネット全国サーバ (renkei's choice)
    "jpki": "0030099000031700",  # 公的個人認証サービス (renkei's choice)
    "kiosk": "0030099000041700",  # 証明書交付センター (renkei's choice, decision 0038)
    "operator": "0030099000091700",  # the operators of the national side (renkei's choice)
}


def identity_of(node: str) -> tuple[str, str, str | None]:
    """(機関コード, role, 団体コード) of a node name: "hub", "jukinet", "jpki", "portal", "kiosk", "operator",
    "lg131016" (a municipality's node) or "lg131016-business" (its business systems)."""
    if node in NATIONAL_AGENCIES:
        return NATIONAL_AGENCIES[node], node, None
    if node.startswith("lg"):
        lg_code, _, suffix = node[2:].partition("-")
        lg_code = validate_lg_code(lg_code)
        if suffix in ("", "business"):
            return municipality_agency_code(lg_code), "business" if suffix else "municipality", lg_code
    raise NotFound(
        f"ノード名 {node} の識別情報がわかりません（hub, jukinet, jpki, portal, kiosk, operator, lg団体コード[-business]）",
        record=node,
        field="node",
    )


def ensure_certificate(ca_dir: Path, node: str) -> orgca.IssuedCert | None:
    """Issue `node`'s certificate when this host holds the CA (a rehearsal run by one operator) and the node has
    none yet; with only a node's files (the CA elsewhere), nothing is issued."""
    if not (ca_dir / "ca.key").exists():
        return None
    agency, role, lg_code = identity_of(node)
    return orgca.ensure_issued(ca_dir, node=node, agency_code=agency, role=role, lg_code=lg_code)


@dataclass(frozen=True)
class Wire:
    """The TLS side of one process: who it is, whom it accepts, how it calls its peers."""

    authenticate: Authenticate = trust_in_process
    on_refusal: OnRefusal | None = None
    tls: ssl.SSLContext | None = None  # what this process's HttpTransport presents to its peers
    server: dict[str, Any] = field(default_factory=dict)  # keyword arguments for uvicorn.run / uvicorn.Config
    scheme: str = "http"

    @classmethod
    def plain(cls) -> Wire:
        return cls()

    @classmethod
    def mutual_tls(cls, ca_dir: Path, node: str, *, refusals: Path) -> Wire:
        """HTTPS with `node`'s certificate; callers identified by theirs; refusals appended to `refusals`."""
        revocations = RevocationList.for_node(ca_dir, node)

        def authenticate(request: Request) -> Caller:
            return caller_from_scope(request.scope, crl=revocations)

        return cls(
            authenticate=authenticate,
            on_refusal=RefusalLog(refusals),
            tls=client_ssl_context(ca_dir, node),
            server=server_ssl(ca_dir, node),
            scheme="https",
        )


def client_tls(data_dir: Path, node: str) -> ssl.SSLContext | None:
    """The client side of mutual TLS for a command acting as `node` against servers in other processes: the
    node's organisation certificate under `<data_dir>/orgca` (issued there if that folder holds the CA), or
    None when this data directory has no organisation CA (then only plain in-process calls are possible)."""
    ca_dir = data_dir / "orgca"
    if not (ca_dir / "ca.pem").exists():
        return None
    ensure_certificate(ca_dir, node)
    return client_ssl_context(ca_dir, node)
