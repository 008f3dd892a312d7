"""Every route of the portal and the new consoles, walked with no session, with a resident, and with every role."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from renkei.web import create_app
from tests.web.builders import client_for, csrf_of, log_in, make_clerk
from tests.web.conftest import light_password_hashing

__all__ = ["light_password_hashing"]
PUBLIC = {"/portal", "/portal/login", "/start", "/portal/oauth/jwks"}  # /portal sends a stranger to login
# 自己情報取得API endpoints a client program calls: they authenticate the client (private_key_jwt) or its token
# (DPoP), never a browser session, and answer JSON errors (the authorization page itself refuses a request
# that did not come through PAR, whoever asks).
MACHINE = {
    ("POST", "/portal/oauth/par"): 401,
    ("POST", "/portal/oauth/token"): 401,
    ("GET", "/portal/api/v1/self-information"): 401,
    ("GET", "/portal/oauth/authorize"): 422,
}
# staff routes added with the portal and who may open them
STAFF = {
    "/hub": {"hub_operator"},
    "/jpki/operator": {"jpki_operator"},
    "/notices": {"notice"},
    "/inbox": {"welfare", "juki"},
    "/inbox/{application_id}": {"welfare", "juki"},
    "/inbox/{application_id}/decide": {"welfare", "juki"},
    "/portal/operator/clients": {"hub_operator"},
}


def routes(runtime: Runtime) -> list[tuple[str, str]]:
    app = create_app(runtime.settings, runtime=runtime)
    found = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        if route.path.startswith("/portal") or route.path in STAFF or route.path == "/start":
            found.extend((method, route.path) for method in sorted(route.methods))
    return found


def concrete(path: str) -> str:
    return (
        path.replace("{application_id}", "0" * 32)
        .replace("{notice_id}", "0" * 32)
        .replace("{code}", "tenshutsu")
        .replace("{consent_id}", "0" * 32)
        .replace("{action}", "revoke")
    )


def test_every_route_is_known_to_this_walk(runtime: Runtime) -> None:
    for _, path in routes(runtime):
        assert path.startswith("/portal") or path in STAFF or path in PUBLIC, path


def test_with_no_session_only_the_public_pages_open(runtime: Runtime) -> None:
    client = client_for(runtime)
    for method, path in routes(runtime):
        answer = client.request(method, concrete(path))
        if (method, path) in MACHINE:
            assert answer.status_code == MACHINE[(method, path)], (method, path, answer.status_code)
        elif path in PUBLIC and method == "GET":
            assert answer.status_code in (200, 303), path
        elif method == "POST":
            assert answer.status_code in (303, 403), (
                method,
                path,
                answer.status_code,
            )  # login first, or CSRF
        elif path in STAFF:
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
        else:
            assert answer.status_code == 303 and answer.headers["location"] == "/portal/login", path


@pytest.mark.parametrize("role", sorted(staff_service.ROLES))
def test_each_staff_role_opens_exactly_its_pages_and_no_resident_page(runtime: Runtime, role: str) -> None:
    client = client_for(runtime)
    log_in(client, make_clerk(runtime, role))
    token = csrf_of(client, "/account/password")
    for method, path in routes(runtime):
        if path in PUBLIC:
            continue
        data = {"csrf_token": token} if method == "POST" else None
        answer = client.request(method, concrete(path), data=data)
        if (method, path) in MACHINE:
            assert answer.status_code == MACHINE[(method, path)], (method, path, role, answer.status_code)
        elif path in STAFF:
            allowed = role in STAFF[path]
            assert (answer.status_code != 403) == allowed, (method, path, role, answer.status_code)
        else:  # a staff session is not a resident's
            assert answer.status_code == 303 and answer.headers["location"] == "/portal/login", (path, role)
