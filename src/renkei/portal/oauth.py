"""The 自己情報取得API's authorization server, to the OpenID FAPI 2.0 Security Profile (decision 0098).

Pushed authorization requests only (RFC 9126), PKCE with S256 (RFC 7636), `private_key_jwt` client authentication
(RFC 7523, `aud` = the issuer as a string), DPoP-bound access tokens and codes (RFC 9449), single-use codes that
live 60 s at most, `iss` in every authorization response (RFC 9207). JOSE is joserfc's; PKCE's S256 is Authlib's.
Every refusal is an `OAuthError` with the RFC 6749 error code and a Japanese description naming what was wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwk, jws, jwt
from joserfc.errors import JoseError
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.portal.consents import STATES, parse_terms, state
from renkei.portal.models import (
    PortalAccessToken,
    PortalApiClient,
    PortalAuthorizationCode,
    PortalConsent,
    PortalJwtSeen,
    PortalPushedRequest,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
ALGORITHMS = ["ES256", "PS256", "Ed25519"]  # FAPI 2.0 §5.4: PS256, ES256 or EdDSA (Ed25519)
CODE_LIFETIME = dt.timedelta(seconds=60)  # FAPI 2.0 §5.3.2.1: at most 60 s
REQUEST_URI_LIFETIME = 90  # seconds; FAPI 2.0: less than 600
TOKEN_LIFETIME = dt.timedelta(minutes=5)
ASSERTION_LIFETIME = 300  # seconds a client assertion may stay valid (its jti is remembered that long)
FUTURE_SKEW = 10  # FAPI 2.0: accept iat/nbf up to 10 s ahead (and reject beyond 60)
PROOF_AGE = 60  # a DPoP proof older than this is refused (RFC 9449 §11.1)
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 §4.1
_CHALLENGE = re.compile(r"^[A-Za-z0-9_\-]{43}$")  # base64url of SHA-256, no padding


class OAuthError(Exception):
    """An OAuth 2.0 error response: `error` (RFC 6749 §5.2 / RFC 9449 / RFC 6750) and a description."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status

    def as_dict(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def s256(text: str) -> str:
    """BASE64URL(SHA-256(ASCII(text))) (RFC 7636 §4.2), as both a PKCE challenge and a DPoP `ath` are made."""
    return str(create_s256_code_challenge(text))  # type: ignore[no-untyped-call]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now_ts() -> int:
    return int(clock.now().timestamp())


def _once(session: Session, jti: Any, *, until: int, what: str) -> None:
    """Refuse a JWT id seen before (replay); remember this one until it could no longer be accepted."""
    if not isinstance(jti, str) or not 8 <= len(jti) <= 128:
        raise OAuthError("invalid_request", f"{what}の jti がありません（8〜128文字）")
    key = f"{what}|{jti}"[:128]
    # ids that could no longer be accepted anyway are forgotten (the table holds ~2 minutes of traffic)
    session.execute(sa.delete(PortalJwtSeen).where(PortalJwtSeen.expires_at < clock.now()))
    if session.get(PortalJwtSeen, key) is not None:
        raise OAuthError("invalid_request", f"{what}の jti は使用済みです（再送は受け付けません）")
    session.add(PortalJwtSeen(jti=key, expires_at=dt.datetime.fromtimestamp(until, dt.UTC)))
    session.flush()


def _times(claims: dict[str, Any], what: str, *, max_age: int | None = None) -> None:
    now = _now_ts()
    iat = claims.get("iat")
    if not isinstance(iat, int):
        raise OAuthError("invalid_request", f"{what}に iat がありません")
    if iat > now + FUTURE_SKEW:
        raise OAuthError("invalid_request", f"{what}の iat が未来です")
    if max_age is not None and iat < now - max_age:
        raise OAuthError("invalid_request", f"{what}が古すぎます（{max_age}秒以内に作ってください）")
    exp = claims.get("exp")
    if exp is not None and (not isinstance(exp, int) or exp <= now):
        raise OAuthError("invalid_request", f"{what}の有効期限が切れています")


# -- clients --------------------------------------------------------------------------------------------------
def _check_redirect(uri: str) -> str:
    parts = urlsplit(uri)
    loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1", "localhost")
    if (parts.scheme != "https" and not loopback) or not parts.netloc or parts.fragment:
        raise Invalid(
            "リダイレクトURIは https（またはループバックの http）で、フラグメントなしです",
            record=uri[:100],
            field="redirect_uris",
        )
    return uri


def _public_keys(jwks: Any) -> list[dict[str, Any]]:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise Invalid("JWKS に公開鍵がありません", record="jwks", field="jwks")
    for key in keys:
        try:
            imported = jwk.import_key(key)
        except (JoseError, ValueError, TypeError) as exc:
            raise Invalid(
                f"JWK を読めません（{exc.__class__.__name__}）", record="jwks", field="jwks"
            ) from None
        if imported.is_private or key.get("kty") not in ("EC", "OKP", "RSA"):
            raise Invalid("JWKS には公開鍵だけを登録します", record=str(key.get("kid", "")), field="jwks")
    return keys


def register_client(
    session: Session, *, name: str, redirect_uris: list[str], jwks: Any, registered_by: str
) -> PortalApiClient:
    """An operator registers a third-party service: name, exact redirect URIs, its public keys."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise Invalid("サービス名は1〜100文字です", record=name[:40] or "（空欄）", field="name")
    uris = [_check_redirect(u.strip()) for u in redirect_uris if u.strip()]
    if not uris:
        raise Invalid("リダイレクトURIを1つ以上登録してください", record=name, field="redirect_uris")
    client = PortalApiClient(
        client_id="c" + secrets.token_hex(12),
        name=name,
        jwks={"keys": _public_keys(jwks)},
        redirect_uris=uris,
        registered_at=clock.now(),
        registered_by=registered_by,
        active=True,
    )
    session.add(client)
    session.flush()
    return client


def list_clients(session: Session) -> list[PortalApiClient]:
    return list(session.scalars(sa.select(PortalApiClient).order_by(PortalApiClient.registered_at.desc())))


def authenticate_client(session: Session, form: dict[str, str], *, issuer: str) -> PortalApiClient:
    """private_key_jwt (OIDC Core §9, RFC 7523 §3): a JWT signed by one of the client's registered keys."""
    if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
        raise OAuthError("invalid_client", "クライアント認証（private_key_jwt）がありません", status=401)
    assertion = form["client_assertion"]
    try:  # which client claims to be speaking; its registered keys then decide
        client_id = json.loads(jws.extract_compact(assertion.encode()).payload).get("iss")
    except (JoseError, ValueError, AttributeError):
        raise OAuthError("invalid_client", "クライアント認証のJWTを読めません", status=401) from None
    client = (
        session.get(PortalApiClient, client_id)
        if isinstance(client_id, str) and len(client_id) <= 64
        else None
    )
    if client is None or not client.active:
        raise OAuthError("invalid_client", "登録されていないクライアントです", status=401)
    if form.get("client_id") not in (None, "", client.client_id):
        raise OAuthError("invalid_client", "client_id とクライアント認証の iss が一致しません", status=401)
    claims = _verified_claims(assertion, client.jwks, what="クライアント認証のJWT")
    if claims.get("sub") != client.client_id or claims.get("iss") != client.client_id:
        raise OAuthError("invalid_client", "iss と sub はクライアントIDです", status=401)
    if claims.get("aud") != issuer:  # FAPI 2.0 §5.3.2.1: the issuer identifier, as a string only
        raise OAuthError("invalid_client", f"aud は発行者識別子 {issuer} の文字列です", status=401)
    if not isinstance(claims.get("exp"), int) or claims["exp"] > _now_ts() + ASSERTION_LIFETIME:
        raise OAuthError(
            "invalid_client",
            f"クライアント認証のJWTの exp は{ASSERTION_LIFETIME}秒以内で指定します",
            status=401,
        )
    try:
        _times(claims, "クライアント認証のJWT")
    except OAuthError as exc:
        raise OAuthError("invalid_client", exc.description, status=401) from None
    _once(session, claims.get("jti"), until=int(claims["exp"]), what="クライアント認証のJWT")
    return client


def _verified_claims(token: str, jwks: dict[str, Any], *, what: str) -> dict[str, Any]:
    for data in jwks.get("keys", []):
        try:
            decoded = jwt.decode(token, jwk.import_key(data), algorithms=ALGORITHMS)
        except (JoseError, ValueError):
            continue
        return dict(decoded.claims)
    raise OAuthError("invalid_client", f"{what}の署名が登録された鍵で検証できません", status=401)


# -- DPoP (RFC 9449) ---------------------------------------------------------------------------------------------
def dpop_key(
    session: Session, proof: str | None, *, method: str, url: str, access_token: str | None = None
) -> str:
    """Check a DPoP proof (RFC 9449 §4.3) for this request; returns the JWK SHA-256 thumbprint of its key."""
    if not proof:
        raise OAuthError("invalid_dpop_proof", "DPoP ヘッダー（送信者の鍵の証明）がありません", status=401)
    try:
        header = jws.extract_compact(proof.encode()).headers()
        if header.get("typ") != "dpop+jwt" or header.get("alg") not in ALGORITHMS:
            raise OAuthError(
                "invalid_dpop_proof", "DPoP の typ は dpop+jwt、alg は ES256/PS256/Ed25519 です", status=401
            )
        key = jwk.import_key(header.get("jwk") or {})
        if key.is_private:
            raise OAuthError("invalid_dpop_proof", "DPoP の jwk に秘密鍵を含めてはいけません", status=401)
        claims = dict(jwt.decode(proof, key, algorithms=ALGORITHMS).claims)
    except OAuthError:
        raise
    except (JoseError, ValueError, TypeError, AttributeError):
        raise OAuthError("invalid_dpop_proof", "DPoP の証明を検証できません", status=401) from None
    if claims.get("htm") != method or claims.get("htu") != url:
        raise OAuthError(
            "invalid_dpop_proof", f"DPoP の htm/htu がこの要求（{method} {url}）と一致しません", status=401
        )
    try:
        _times(claims, "DPoP の証明", max_age=PROOF_AGE)
    except OAuthError as exc:
        raise OAuthError("invalid_dpop_proof", exc.description, status=401) from None
    if access_token is not None:
        expected = s256(access_token)  # RFC 9449 §4.2: base64url(SHA-256(token))
        if claims.get("ath") != expected:
            raise OAuthError("invalid_dpop_proof", "DPoP の ath がアクセストークンと一致しません", status=401)
    try:
        _once(session, claims.get("jti"), until=_now_ts() + PROOF_AGE + FUTURE_SKEW, what="DPoP の証明")
    except OAuthError as exc:
        raise OAuthError("invalid_dpop_proof", exc.description, status=401) from None
    return str(key.thumbprint())


# -- pushed authorization request (RFC 9126) ------------------------------------------------------------------------
def push(
    session: Session, *, client: PortalApiClient, form: dict[str, str], dpop_jkt: str | None
) -> dict[str, Any]:
    """Keep the authorization request the authenticated client pushed; answer its single-use request_uri."""
    if "request_uri" in form or "request" in form:
        raise OAuthError("invalid_request", "PAR に request_uri / request は指定できません")
    if form.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "response_type は code だけです")
    redirect_uri = form.get("redirect_uri") or ""
    if redirect_uri not in client.redirect_uris:
        raise OAuthError("invalid_request", "redirect_uri が登録されたものと一致しません（必須）")
    if form.get("code_challenge_method") != "S256" or not _CHALLENGE.match(form.get("code_challenge") or ""):
        raise OAuthError("invalid_request", "PKCE の code_challenge（S256）が必要です")
    given_jkt = form.get("dpop_jkt")
    if given_jkt and dpop_jkt and given_jkt != dpop_jkt:  # RFC 9449 §10.1
        raise OAuthError("invalid_dpop_proof", "dpop_jkt と DPoP ヘッダーの鍵が一致しません")
    try:
        details = json.loads(form.get("authorization_details") or "null")
    except ValueError:
        raise OAuthError(
            "invalid_authorization_details", "authorization_details がJSONではありません"
        ) from None
    try:
        terms = parse_terms(details)
    except Invalid as exc:
        raise OAuthError("invalid_authorization_details", f"{exc.field}: {exc.message}") from None
    state = form.get("state") or ""
    if len(state) > 2000:
        raise OAuthError("invalid_request", "state は2000文字までです")
    request_id = secrets.token_urlsafe(32)
    pushed = PortalPushedRequest(
        id=request_id,
        client_id=client.client_id,
        parameters={
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": form["code_challenge"],
            "terms": terms.as_dict(),
        },
        dpop_jkt=given_jkt or dpop_jkt,
        expires_at=clock.now() + dt.timedelta(seconds=REQUEST_URI_LIFETIME),
    )
    session.add(pushed)
    session.flush()
    return {"request_uri": REQUEST_URI_PREFIX + request_id, "expires_in": REQUEST_URI_LIFETIME}


@dataclass
class Pending:
    request: PortalPushedRequest
    client: PortalApiClient


def pending(session: Session, *, client_id: str, request_uri: str) -> Pending:
    """The pushed request behind an authorization request; anything sent without PAR is refused (FAPI 2.0)."""
    if not request_uri.startswith(REQUEST_URI_PREFIX):
        raise Invalid(
            "この認可要求はPAR（RFC 9126）で事前に送られていません。サービスの画面からやり直してください",
            record=client_id[:64] or "（なし）",
            field="request_uri",
        )
    found = session.get(PortalPushedRequest, request_uri.removeprefix(REQUEST_URI_PREFIX)[:64])
    client = session.get(PortalApiClient, client_id[:64])
    if found is None or client is None or found.client_id != client.client_id or not client.active:
        raise Invalid("認可要求が見つかりません", record=client_id[:64], field="request_uri")
    if found.used_at is not None or found.expires_at <= clock.now():
        raise Invalid(
            "認可要求の期限が切れたか使用済みです。サービスの画面からやり直してください",
            record=client_id,
            field="request_uri",
        )
    return Pending(found, client)


def issuer_redirect(redirect_uri: str, params: dict[str, str]) -> str:
    joiner = "&" if urlsplit(redirect_uri).query else "?"
    return redirect_uri + joiner + urlencode(params)


def decide(session: Session, *, found: Pending, consent: PortalConsent | None, issuer: str) -> str:
    """The authorization response (with `iss`, RFC 9207): a code bound to the consent, or access_denied."""
    request = found.request
    request.used_at = clock.now()
    params = request.parameters
    answer = {"iss": issuer}
    if params.get("state"):
        answer["state"] = params["state"]
    if consent is None:
        answer |= {"error": "access_denied", "error_description": "利用者が同意しませんでした"}
        session.flush()
        return issuer_redirect(params["redirect_uri"], answer)
    code = secrets.token_urlsafe(32)
    session.add(
        PortalAuthorizationCode(
            code_hash=_hash(code),
            client_id=found.client.client_id,
            consent_id=consent.id,
            redirect_uri=params["redirect_uri"],
            code_challenge=params["code_challenge"],
            dpop_jkt=request.dpop_jkt,
            expires_at=clock.now() + CODE_LIFETIME,
        )
    )
    session.flush()
    return issuer_redirect(params["redirect_uri"], answer | {"code": code})


# -- token endpoint ------------------------------------------------------------------------------------------------
def exchange_code(
    session: Session, *, client: PortalApiClient, form: dict[str, str], dpop_jkt: str
) -> dict[str, Any]:
    """authorization_code grant: one use, 60 s, same client and redirect URI, PKCE S256, DPoP-bound token."""
    if form.get("grant_type") != "authorization_code":
        raise OAuthError("unsupported_grant_type", "grant_type は authorization_code だけです")
    code = session.get(PortalAuthorizationCode, _hash(form.get("code") or ""))
    if code is None or code.client_id != client.client_id:
        raise OAuthError("invalid_grant", "認可コードが無効です")
    if code.used_at is not None:  # RFC 6749 §4.1.2: a reused code also revokes what it gave
        session.execute(
            sa.update(PortalAccessToken)
            .where(PortalAccessToken.code_hash == code.code_hash, PortalAccessToken.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        )
        raise OAuthError("invalid_grant", "認可コードは使用済みです（発行済みのトークンも失効させました）")
    code.used_at = clock.now()
    if code.expires_at <= clock.now():
        raise OAuthError("invalid_grant", "認可コードの有効期限（60秒）が切れています")
    if form.get("redirect_uri") != code.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri が認可要求と一致しません")
    verifier = form.get("code_verifier") or ""
    if not _VERIFIER.match(verifier) or s256(verifier) != code.code_challenge:
        raise OAuthError("invalid_grant", "PKCE の code_verifier が code_challenge と一致しません")
    if code.dpop_jkt and code.dpop_jkt != dpop_jkt:  # RFC 9449 §10.1
        raise OAuthError("invalid_dpop_proof", "認可コードはほかの DPoP 鍵に結び付いています")
    token = secrets.token_urlsafe(32)
    session.add(
        PortalAccessToken(
            token_hash=_hash(token),
            client_id=client.client_id,
            consent_id=code.consent_id,
            code_hash=code.code_hash,
            jkt=dpop_jkt,
            expires_at=clock.now() + TOKEN_LIFETIME,
        )
    )
    session.flush()
    consent = session.get(PortalConsent, code.consent_id)
    return {
        "access_token": token,
        "token_type": "DPoP",
        "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        "authorization_details": [consent.terms] if consent else [],
    }


# -- resource server ---------------------------------------------------------------------------------------------
def token_of(authorization: str | None) -> str:
    """The access token of an `Authorization: DPoP <token>` header (never a query parameter: FAPI 2.0)."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme != "DPoP" or not value.strip():
        raise OAuthError("invalid_token", "Authorization: DPoP <アクセストークン> が必要です", status=401)
    return value.strip()


def access(session: Session, *, token: str, jkt: str) -> tuple[PortalAccessToken, PortalConsent]:
    """The token's consent, if the token is live, held by its key, and the consent is active right now."""
    found = session.get(PortalAccessToken, _hash(token))
    if found is None or found.revoked_at is not None or found.expires_at <= clock.now():
        raise OAuthError("invalid_token", "アクセストークンが無効か期限切れです", status=401)
    if found.jkt != jkt:
        raise OAuthError("invalid_token", "アクセストークンはほかの DPoP 鍵に結び付いています", status=401)
    consent = session.get(PortalConsent, found.consent_id)
    current = state(consent) if consent is not None else "revoked"
    if consent is None or current != "active":
        raise OAuthError("invalid_token", f"同意が{STATES[current]}のため提供できません", status=401)
    return found, consent
