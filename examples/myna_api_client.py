"""An example client of the renkei マイナポータル 自己情報取得API (FAPI 2.0 Security Profile), for a company to adapt.

What it does, in the order a real service would:

1. reads the portal's metadata (RFC 8414) and checks the issuer is the one configured;
2. pushes its authorization request (RFC 9126) with private_key_jwt client authentication (RFC 7523), PKCE
   S256 (RFC 7636) and a DPoP proof (RFC 9449), naming what it asks for as RFC 9396 authorization_details:
   which 特定個人情報, the purpose, the data range, how long it keeps the data, how often it fetches, until when;
3. sends the person's browser to the authorization endpoint with `client_id` and `request_uri` only; the
   person logs in with their card on the portal and agrees (or not);
4. on the redirect back, checks `iss` (RFC 9207) and `state`, then redeems the code with the PKCE verifier and a
   DPoP proof, receiving a DPoP-bound access token;
5. fetches the person's information with the token and a fresh DPoP proof carrying `ath`.

Usage::

    python examples/myna_api_client.py keygen --out client-key.json     # prints the public JWKS to register
    python examples/myna_api_client.py run --issuer http://127.0.0.1:8000 --client-id c... \\
        --key client-key.json --redirect-uri http://127.0.0.1:8765/callback --purpose "住宅ローンの審査"

`run` listens on the redirect URI's loopback port for the one redirect, prints the URL to open, and prints what
it fetched. Dependencies: httpx and joserfc (both on PyPI). Keep the private key file to yourself.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import http.server
import json
import secrets
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _b64url_sha256(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


class PortalRefused(Exception):
    """The portal answered an OAuth error (its `error` code and Japanese description)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body.get('error')}: {body.get('error_description')}")
        self.status, self.error = status, str(body.get("error"))


@dataclass
class Pushed:
    """What the client keeps between pushing the request and the person's return (bound to that browser)."""

    request_uri: str
    verifier: str
    state: str


class SelfInformationClient:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_key: ECKey,
        redirect_uri: str,
        http: httpx.Client | None = None,
        dpop_key: ECKey | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_key = client_key
        self.redirect_uri = redirect_uri
        self.http = http or httpx.Client(timeout=30)
        self.dpop_key = dpop_key or ECKey.generate_key("P-256")  # one proof-of-possession key per session
        self._metadata: dict[str, Any] | None = None

    # -- helpers ---------------------------------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            found = self.http.get(f"{self.issuer}/.well-known/oauth-authorization-server").json()
            if found.get("issuer") != self.issuer:  # FAPI 2.0: the metadata must name the configured issuer
                raise PortalRefused(0, {"error": "issuer_mismatch", "error_description": found.get("issuer")})
            self._metadata = found
        return self._metadata

    def client_assertion(self) -> str:
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.issuer,  # the issuer identifier, as a string
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        }
        return jwt.encode({"alg": "ES256", "kid": self.client_key.thumbprint()}, claims, self.client_key)

    def dpop_proof(self, method: str, url: str, access_token: str | None = None) -> str:
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method,
            "htu": url,
            "iat": int(time.time()),
        }
        if access_token is not None:
            claims["ath"] = _b64url_sha256(access_token)
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.dpop_key.as_dict(private=False)}
        return jwt.encode(header, claims, self.dpop_key)

    def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        form = form | {"client_assertion_type": ASSERTION_TYPE, "client_assertion": self.client_assertion()}
        answer = self.http.post(url, data=form, headers={"DPoP": self.dpop_proof("POST", url)})
        body = answer.json()
        if answer.status_code >= 400:
            raise PortalRefused(answer.status_code, body)
        return dict(body)

    # -- the flow ---------------------------------------------------------------------------------------------
    def push(
        self,
        *,
        info_sets: list[str],
        purpose: str,
        retention_days: int,
        fetches_per_day: int,
        expires_on: dt.date,
        data_from: dt.date | None = None,
        data_to: dt.date | None = None,
    ) -> Pushed:
        verifier = secrets.token_urlsafe(48)
        state = secrets.token_urlsafe(16)
        details = [
            {
                "type": "renkei_self_information",
                "info_sets": info_sets,
                "purpose": purpose,
                "data_from": data_from.isoformat() if data_from else None,
                "data_to": data_to.isoformat() if data_to else None,
                "retention_days": retention_days,
                "fetches_per_day": fetches_per_day,
                "expires_on": expires_on.isoformat(),
            }
        ]
        answer = self._post(
            self.metadata["pushed_authorization_request_endpoint"],
            {
                "client_id": self.client_id,
                "response_type": "code",
                "redirect_uri": self.redirect_uri,
                "code_challenge": _b64url_sha256(verifier),
                "code_challenge_method": "S256",
                "state": state,
                "authorization_details": json.dumps(details, ensure_ascii=False),
            },
        )
        return Pushed(answer["request_uri"], verifier, state)

    def authorization_url(self, pushed: Pushed) -> str:
        query = urllib.parse.urlencode({"client_id": self.client_id, "request_uri": pushed.request_uri})
        return f"{self.metadata['authorization_endpoint']}?{query}"

    def redeem(self, callback_url: str, pushed: Pushed) -> dict[str, Any]:
        """The redirect back: check `iss` and `state`, then exchange the code for a DPoP-bound token."""
        params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback_url).query))
        if params.get("iss") != self.issuer:  # RFC 9207: refuse a response from another issuer (mix-up)
            raise PortalRefused(0, {"error": "iss_mismatch", "error_description": params.get("iss")})
        if params.get("state") != pushed.state:
            raise PortalRefused(0, {"error": "state_mismatch", "error_description": "state"})
        if "error" in params:
            raise PortalRefused(0, params)
        return self._post(
            self.metadata["token_endpoint"],
            {
                "grant_type": "authorization_code",
                "code": params.get("code", ""),
                "redirect_uri": self.redirect_uri,
                "code_verifier": pushed.verifier,
            },
        )

    def fetch(self, access_token: str) -> dict[str, Any]:
        url = self.metadata["renkei_self_information_endpoint"]
        headers = {
            "Authorization": f"DPoP {access_token}",
            "DPoP": self.dpop_proof("GET", url, access_token=access_token),
        }
        answer = self.http.get(url, headers=headers)
        body = answer.json()
        if answer.status_code >= 400:
            raise PortalRefused(answer.status_code, body)
        return dict(body)


# -- command line ---------------------------------------------------------------------------------------------------
def _wait_for_redirect(redirect_uri: str) -> str:
    parts = urllib.parse.urlsplit(redirect_uri)
    got: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            got.append(f"{parts.scheme}://{parts.netloc}{self.path}")
            self.send_response(200)
            self.send_header("content-type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write("受け付けました。この画面は閉じてかまいません。".encode())

        def log_message(self, *_args: Any) -> None:
            return

    with http.server.HTTPServer((parts.hostname or "127.0.0.1", parts.port or 80), Handler) as server:
        while not got:
            server.handle_request()
    return got[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="make a P-256 client key; print its public JWKS to register")
    keygen.add_argument("--out", type=Path, required=True)
    run = commands.add_parser("run", help="ask the person's consent, then fetch their information")
    run.add_argument("--issuer", required=True)
    run.add_argument("--client-id", required=True)
    run.add_argument("--key", type=Path, required=True)
    run.add_argument("--redirect-uri", required=True)
    run.add_argument("--purpose", required=True)
    run.add_argument(
        "--info-set", action="append", default=[], help="TM code; repeat (default 地方税関係情報)"
    )
    run.add_argument("--retention-days", type=int, default=30)
    run.add_argument("--fetches-per-day", type=int, default=1)
    run.add_argument("--days", type=int, default=90, help="consent valid for this many days")
    args = parser.parse_args(argv)
    if args.command == "keygen":
        key = ECKey.generate_key("P-256")
        args.out.write_text(json.dumps(key.as_dict(private=True, kid=key.thumbprint())))
        args.out.chmod(0o600)
        print(json.dumps({"keys": [key.as_dict(private=False, kid=key.thumbprint())]}, indent=2))
        return 0
    client = SelfInformationClient(
        issuer=args.issuer,
        client_id=args.client_id,
        client_key=ECKey.import_key(json.loads(args.key.read_text())),
        redirect_uri=args.redirect_uri,
    )
    pushed = client.push(
        info_sets=args.info_set or ["TM00000000000002"],
        purpose=args.purpose,
        retention_days=args.retention_days,
        fetches_per_day=args.fetches_per_day,
        expires_on=dt.date.today() + dt.timedelta(days=args.days),
    )
    print("ブラウザでこのURLを開き、マイナンバーカードでログインして同意してください:")
    print(client.authorization_url(pushed), flush=True)
    token = client.redeem(_wait_for_redirect(args.redirect_uri), pushed)
    print(json.dumps(client.fetch(token["access_token"]), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
