"""自己情報取得API (FAPI 2.0): a client gets 自己情報 after consent and nothing after revocation; attackers are refused.

The legitimate client is the example a company would adapt (`examples/myna_api_client.py`), driven over HTTP
against the portal app; the person logs in with the card and decides on the portal's own page.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey

from renkei.core import clock
from renkei.hub.models import HubRecord
from renkei.portal import oauth
from renkei.portal.models import PortalAuthorizationCode
from renkei.runtime import Runtime
from renkei.web import create_app
from tests.portal.builders import TAX, Holder, world
from tests.portal.test_pages import log_in
from tests.web.builders import client_for as web_client_for
from tests.web.builders import csrf_of, make_clerk
from tests.web.builders import log_in as web_log_in
from tests.web.conftest import light_password_hashing

__all__ = ["light_password_hashing"]

ISSUER = "http://testserver"
REDIRECT = "https://bank.example/callback"


def _example() -> ModuleType:
    path = Path(__file__).parents[2] / "examples" / "myna_api_client.py"
    spec = importlib.util.spec_from_file_location("myna_api_client", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


EXAMPLE = _example()


@pytest.fixture
def holders(runtime: Runtime) -> list[Holder]:
    return world(runtime, holders=2)


def register(runtime: Runtime, name: str) -> tuple[str, ECKey]:
    key = ECKey.generate_key("P-256")
    with runtime.session("portal") as session:
        client = oauth.register_client(
            session,
            name=name,
            redirect_uris=[REDIRECT],
            jwks={"keys": [key.as_dict(private=False)]},
            registered_by="test-operator",
        )
        return client.client_id, key


def client_for(http: TestClient, client_id: str, key: ECKey) -> Any:
    return EXAMPLE.SelfInformationClient(
        issuer=ISSUER, client_id=client_id, client_key=key, redirect_uri=REDIRECT, http=http
    )


def ask(app_client: Any, **overrides: Any) -> Any:
    terms: dict[str, Any] = {
        "info_sets": [TAX],
        "purpose": "住宅ローンの審査（所得の確認）",
        "retention_days": 30,
        "fetches_per_day": 5,
        "expires_on": clock.today() + dt.timedelta(days=90),
    }
    return app_client.push(**(terms | overrides))


def consent(http: TestClient, app_client: Any, pushed: Any, decision: str = "approve") -> str:
    """The person (already logged in on `http`) opens the authorization page and decides; returns the redirect."""
    page = http.get(app_client.authorization_url(pushed))
    assert page.status_code == 200, page.text
    assert "住宅ローンの審査" in page.text and "同意する" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    answer = http.post(
        "/portal/oauth/authorize",
        data={
            "csrf_token": csrf.group(1),
            "client_id": app_client.client_id,
            "request_uri": pushed.request_uri,
            "decision": decision,
        },
    )
    assert answer.status_code == 303  # FAPI 2.0: 303, never 307
    return str(answer.headers["location"])


def logged_in_browser(runtime: Runtime, holder: Holder) -> TestClient:
    http = TestClient(create_app(runtime.settings, runtime=runtime), follow_redirects=False)
    assert log_in(http, holder).status_code == 303
    return http


def test_a_client_gets_self_information_after_consent_and_nothing_after_revocation(
    runtime: Runtime, holders: list[Holder]
) -> None:
    client_id, key = register(runtime, "サンプル銀行")
    http = logged_in_browser(runtime, holders[0])
    bank = client_for(http, client_id, key)
    pushed = ask(bank)
    callback = consent(http, bank, pushed)
    assert (
        callback.startswith(REDIRECT) and f"iss={ISSUER.replace(':', '%3A').replace('/', '%2F')}" in callback
    )

    token = bank.redeem(callback, pushed)
    assert token["token_type"] == "DPoP" and token["authorization_details"][0]["info_sets"] == [TAX]
    got = bank.fetch(token["access_token"])
    assert [i["tm_code"] for i in got["information"]] == [TAX]  # the consented set only
    assert got["retention_days"] == 30 and len(got["subject"]) == 32

    # the use is in the hub's log and in the person's やりとり履歴, proven
    with runtime.session("hub") as session:
        recorded = session.get(HubRecord, got["records"][0])
        assert recorded is not None and recorded.body["requester_name"] == "サンプル銀行"
    page = http.get("/portal/history")
    assert (
        "サンプル銀行" in page.text and "検証済み" in page.text and "本人の同意（自己情報取得API" in page.text
    )

    # the person revokes on the portal; the next call, well within 5 s, gets nothing
    listing = http.get("/portal/consents")
    consent_id = re.search(r'data-consent="([0-9a-f]+)" data-state="active"', listing.text)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', listing.text)
    assert consent_id and csrf
    started = time.monotonic()
    revoked = http.post(f"/portal/consents/{consent_id.group(1)}/revoke", data={"csrf_token": csrf.group(1)})
    assert revoked.status_code == 303
    with pytest.raises(EXAMPLE.PortalRefused) as refused:
        bank.fetch(token["access_token"])
    assert time.monotonic() - started < 5 and refused.value.status == 401
    assert 'data-state="revoked"' in http.get("/portal/consents").text


def test_attacker_clients_are_refused_each_time(runtime: Runtime, holders: list[Holder]) -> None:
    client_id, key = register(runtime, "正規のサービス")
    evil_id, evil_key = register(runtime, "攻撃者のサービス")
    http = logged_in_browser(runtime, holders[0])
    good = client_for(http, client_id, key)
    evil = client_for(http, evil_id, evil_key)

    # no PAR: an authorization request sent with its parameters in the URL is refused
    direct = http.get(
        "/portal/oauth/authorize",
        params={"client_id": client_id, "response_type": "code", "redirect_uri": REDIRECT, "scope": "all"},
    )
    assert direct.status_code == 422 and "PAR" in direct.text  # shown to the person, never redirected

    # PAR without client authentication, or signed by another client's key
    bare = http.post("/portal/oauth/par", data={"client_id": client_id, "response_type": "code"})
    assert bare.status_code == 401 and bare.json()["error"] == "invalid_client"
    impostor = client_for(http, client_id, evil_key)
    with pytest.raises(EXAMPLE.PortalRefused) as refused:
        ask(impostor)
    assert refused.value.error == "invalid_client"

    # a consent granted; the code is then attacked
    pushed = ask(good)
    callback = consent(http, good, pushed)
    code = dict(p.split("=", 1) for p in callback.split("?", 1)[1].split("&"))["code"]

    # wrong PKCE verifier (the code is then spent: one try only)
    wrong = EXAMPLE.Pushed(pushed.request_uri, "x" * 43, pushed.state)
    with pytest.raises(EXAMPLE.PortalRefused) as refused:
        good.redeem(callback, wrong)
    assert refused.value.error == "invalid_grant"
    with pytest.raises(EXAMPLE.PortalRefused) as refused:  # the right verifier now comes too late
        good.redeem(callback, pushed)
    assert refused.value.error == "invalid_grant"

    # another client redeeming someone else's code
    pushed = ask(good)
    callback = consent(http, good, pushed)
    with pytest.raises(EXAMPLE.PortalRefused) as refused:
        evil.redeem(callback, pushed)
    assert refused.value.error == "invalid_grant"

    # a reused code, and an expired one (codes live 60 s)
    pushed = ask(good)
    callback = consent(http, good, pushed)
    token = good.redeem(callback, pushed)
    with pytest.raises(EXAMPLE.PortalRefused) as refused:
        good.redeem(callback, pushed)
    assert refused.value.error == "invalid_grant"
    with pytest.raises(EXAMPLE.PortalRefused) as refused:  # reuse also revoked the token it gave
        good.fetch(token["access_token"])
    assert refused.value.status == 401
    pushed = ask(good)
    callback = consent(http, good, pushed)
    with runtime.session("portal") as session:  # 61 s later (the client's own JWTs stay fresh)
        session.execute(
            sa.update(PortalAuthorizationCode)
            .where(PortalAuthorizationCode.used_at.is_(None))
            .values(expires_at=clock.now() - dt.timedelta(seconds=1))
        )
    with pytest.raises(EXAMPLE.PortalRefused) as refused:
        good.redeem(callback, pushed)
    assert refused.value.error == "invalid_grant" and "60秒" in str(refused.value)

    # a live token used without its DPoP key, and by another client with its own key
    pushed = ask(good)
    token = good.redeem(consent(http, good, pushed), pushed)
    bearer = http.get(good.metadata["renkei_self_information_endpoint"],
                      headers={"Authorization": f"Bearer {token['access_token']}"})  # fmt: skip
    assert bearer.status_code == 401, bearer.text
    with pytest.raises(EXAMPLE.PortalRefused) as refused:
        evil.fetch(token["access_token"])
    assert refused.value.status == 401 and refused.value.error == "invalid_token"
    replayed = good.dpop_proof(
        "GET", good.metadata["renkei_self_information_endpoint"], token["access_token"]
    )
    headers = {"Authorization": f"DPoP {token['access_token']}", "DPoP": replayed}
    assert http.get(good.metadata["renkei_self_information_endpoint"], headers=headers).status_code == 200
    again = http.get(good.metadata["renkei_self_information_endpoint"], headers=headers)
    assert again.status_code == 401 and again.json()["error"] == "invalid_dpop_proof"  # a proof is used once

    # a consent of another person: never visible, never movable
    consent_id = re.search(r'data-consent="([0-9a-f]+)"', http.get("/portal/consents").text)
    assert consent_id is not None
    other = logged_in_browser(runtime, holders[1])
    assert consent_id.group(1) not in other.get("/portal/consents").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/portal/consents").text)
    assert csrf is not None
    moved = other.post(f"/portal/consents/{consent_id.group(1)}/revoke", data={"csrf_token": csrf.group(1)})
    assert moved.status_code == 404
    with runtime.session("portal") as session:  # codes are stored hashed, never in clear
        assert code not in json.dumps(
            [r.code_hash for r in session.scalars(sa.select(PortalAuthorizationCode))]
        )


def test_the_hub_operator_registers_a_client_on_the_console_and_bad_keys_are_named(
    runtime: Runtime, light_password_hashing: None
) -> None:
    console = web_client_for(runtime)
    web_log_in(console, make_clerk(runtime, "hub_operator"))
    token = csrf_of(console, "/portal/operator/clients")
    key = ECKey.generate_key("P-256")
    form = {"csrf_token": token, "name": "サンプル銀行", "redirect_uris": REDIRECT}

    good = console.post(
        "/portal/operator/clients", data=form | {"jwks": json.dumps({"keys": [key.as_dict(private=False)]})}
    )
    assert good.status_code == 200 and 'id="client-id"' in good.text
    private = console.post(
        "/portal/operator/clients", data=form | {"jwks": json.dumps({"keys": [key.as_dict(private=True)]})}
    )
    assert private.status_code == 422 and "公開鍵だけ" in private.text
    plain = console.post(
        "/portal/operator/clients",
        data=form
        | {
            "redirect_uris": "http://bank.example/cb",
            "jwks": json.dumps({"keys": [key.as_dict(private=False)]}),
        },
    )
    assert plain.status_code == 422 and "redirect_uris" in plain.text
    with runtime.session("portal") as session:
        assert [c.name for c in oauth.list_clients(session)] == ["サンプル銀行"]

    clerk = web_client_for(runtime)  # a municipal role never opens it
    web_log_in(clerk, make_clerk(runtime, "juki", login="juki-clerk"))
    assert clerk.get("/portal/operator/clients").status_code == 403
