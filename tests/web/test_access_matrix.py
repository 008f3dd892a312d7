"""Who may open which page: the allow/deny matrix of every staff, residents and addressee route, per role."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends

from renkei.runtime import Runtime
from renkei.web.deps import CurrentStaff, require_role
from tests.web.builders import client_for, csrf_of, log_in, make_clerk, populate

ROLES = ("juki", "tax", "welfare", "admin", "auditor")
EVERYONE = frozenset(ROLES)

# (method, path template, roles allowed). {rid}: a resident, {inum}: a 統合宛名番号, {sid}: a staff account.
MATRIX: list[tuple[str, str, frozenset[str]]] = [
    ("GET", "/account/password", EVERYONE),
    ("POST", "/account/password", EVERYONE),
    ("GET", "/staff", frozenset({"admin"})),
    ("POST", "/staff", frozenset({"admin"})),
    ("GET", "/staff/events", frozenset({"admin", "auditor"})),
    ("GET", "/staff/{sid}", frozenset({"admin"})),
    ("POST", "/staff/{sid}/disable", frozenset({"admin"})),
    ("POST", "/staff/{sid}/enable", frozenset({"admin"})),
    ("POST", "/staff/{sid}/roles", frozenset({"admin"})),
    ("POST", "/staff/{sid}/reset-password", frozenset({"admin"})),
    ("POST", "/staff/{sid}/reset-totp", frozenset({"admin"})),
    ("GET", "/residents", frozenset({"juki"})),
    ("GET", "/residents/move-in", frozenset({"juki"})),
    ("POST", "/residents/move-in", frozenset({"juki"})),
    ("GET", "/residents/{rid}", frozenset({"juki"})),
    ("POST", "/residents/{rid}/birth", frozenset({"juki"})),
    ("POST", "/residents/{rid}/move-out", frozenset({"juki"})),
    ("POST", "/residents/{rid}/name", frozenset({"juki"})),
    ("POST", "/residents/{rid}/address", frozenset({"juki"})),
    ("POST", "/residents/{rid}/death", frozenset({"juki"})),
    ("GET", "/addressee", frozenset({"juki", "tax", "welfare", "admin"})),
    ("POST", "/addressee/search", frozenset({"juki", "tax", "welfare", "admin"})),
    ("GET", "/addressee/{inum}", frozenset({"juki", "tax", "welfare", "admin"})),
    ("POST", "/addressee/{inum}/reveal", frozenset({"juki", "tax", "welfare"})),
    ("GET", "/addressee/access-log", frozenset({"admin", "auditor"})),
    ("GET", "/addressee/duplicates", frozenset({"admin", "juki"})),
    ("GET", "/local-use", EVERYONE),
    ("GET", "/local-use/plan.xlsx", EVERYONE),
    ("POST", "/local-use/ordinance", frozenset({"admin"})),
    ("POST", "/local-use/jimu", frozenset({"admin"})),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_the_pages_it_is_allowed(runtime: Runtime, role: str) -> None:
    people = populate(runtime)
    resident_id, integrated = people["太郎"]
    clerk = make_clerk(runtime, role)
    other = make_clerk(runtime, "welfare", login="target")  # the account the admin pages act on
    client = client_for(runtime)
    log_in(client, clerk)
    token = csrf_of(client, "/account/password")
    wrong = []
    for method, template, allowed in MATRIX:
        path = template.format(rid=resident_id, inum=integrated, sid=other.id)
        # POSTs carry a valid token but no fields: an allowed role gets past the role check to form validation
        # (422), a refused one stops at 403 before anything is read or written.
        answer = client.request(method, path, data={"csrf_token": token} if method == "POST" else None)
        if answer.headers.get("location", "").startswith("/login"):
            wrong.append(f"{method} {path}: the session ended")
            continue
        if role not in allowed:
            ok = answer.status_code == 403
        else:
            ok = answer.status_code == 200 if method == "GET" else answer.status_code not in (403, 500)
        if not ok:
            wrong.append(
                f"{method} {path}: {answer.status_code} ({'allowed' if role in allowed else 'denied'})"
            )
    assert wrong == [], f"role {role}: " + "; ".join(wrong)


def test_a_visitor_who_has_not_logged_in_is_sent_to_the_login_page(runtime: Runtime) -> None:
    people = populate(runtime)
    resident_id, integrated = people["太郎"]
    client = client_for(runtime)
    for method, template, _ in MATRIX:
        if method != "GET":
            continue
        path = template.format(rid=resident_id, inum=integrated, sid=1)
        answer = client.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=%2F"), path


def test_a_post_from_a_visitor_who_has_not_logged_in_is_refused(runtime: Runtime) -> None:
    people = populate(runtime)
    client = client_for(runtime)
    token = csrf_of(client)  # a session with a token, but nobody logged in
    answer = client.post(
        f"/residents/{people['太郎'][0]}/death", data={"died_on": "2026-01-01", "csrf_token": token}
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_api_paths_answer_json_401_and_403(runtime: Runtime) -> None:
    client = client_for(runtime)

    def whoami(staff: Annotated[CurrentStaff, Depends(require_role("auditor"))]) -> dict[str, str]:
        return {"login": staff.login}

    client.app.add_api_route("/api/test/whoami", whoami)  # type: ignore[attr-defined]
    anonymous = client.get("/api/test/whoami")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "unauthenticated"

    log_in(client, make_clerk(runtime, "tax"))
    refused = client.get("/api/test/whoami")
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"


def test_require_role_rejects_a_role_name_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="mayor"):
        require_role("mayor")
