"""Every route, with every role, and every form with empty and absurd values: never a 500, never raw JSON.

The routes come from the app's own OpenAPI description, so a route added later is walked too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from renkei.core import clock
from renkei.governance import indicators
from renkei.residents import service as residents
from renkei.residents.rules import check_address
from renkei.runtime import Runtime
from renkei.staff import service as staff_service
from tests.web.builders import CITY_A, client_for, csrf_of, log_in, make_clerk, populate

ROLES = tuple(sorted(staff_service.ROLES))  # every role a staff account can hold, the national operators' too

# Values nobody should be able to store, one set of requests each (every field of the form gets the value).
ABSURD = ("", "abc", "-1", "2999-12-31", "0" * 40, "令和99年13月45日", "x" * 3000)

# Paths that would end the walking session or that belong to the anonymous login flow (walked separately).
SKIP_LOGGED_IN = {"/logout", "/login", "/login/totp"}
# Endpoints for client programs of the 自己情報取得API: their errors are JSON whatever the Accept header, as
# RFC 6749 §5.2 and RFC 6750 §3 require (tests/portal/test_access.py and test_api.py walk them).
MACHINE_ONLY = {"/portal/oauth/par", "/portal/oauth/token", "/portal/api/v1/self-information"}


def _routes(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return [
        (method.upper(), path, op | {"_spec": spec})
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    ]


def _form_fields(op: dict[str, Any]) -> list[str]:
    content = op.get("requestBody", {}).get("content", {})
    for media in content.values():
        schema = media.get("schema", {})
        ref = schema.get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            schema = op["_spec"]["components"]["schemas"][name]
        return [n for n in schema.get("properties", {}) if n != "csrf_token"]
    return []


def _paths(path: str, ids: dict[str, str]) -> list[str]:
    """The path with real ids, then with absurd ones."""
    if "{" not in path:
        return [path]
    good = path.format(**ids)
    bad = path.format(**dict.fromkeys(ids, "abc"))
    huge = path.format(**dict.fromkeys(ids, "9" * 30))
    return [good, bad, huge]


def _check(answer: Response, where: str) -> str | None:
    if answer.status_code >= 500:
        return f"{where}: {answer.status_code}"
    if answer.status_code >= 400:
        kind = answer.headers.get("content-type", "")
        if not kind.startswith("text/html"):
            return f"{where}: {answer.status_code} answered {kind} to a browser"
        if '"detail"' in answer.text or "Field required" in answer.text:
            return f"{where}: raw validation text on the page"
        if "<h1>エラー</h1>" not in answer.text and 'class="error"' not in answer.text:
            return f"{where}: {answer.status_code} without the Japanese error page or form message"
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_in_japanese_for_every_role_and_every_absurd_value(
    runtime: Runtime, role: str
) -> None:
    people = populate(runtime)
    resident_id, integrated = people["太郎"]
    clerk = make_clerk(runtime, role)
    other = make_clerk(runtime, "welfare", login="target")
    client = TestClient(client_for(runtime).app, follow_redirects=False, raise_server_exceptions=False)
    log_in(client, clerk)
    token = csrf_of(client, "/account/password")
    ids = {
        "resident_id": str(resident_id),
        "integrated_number": integrated,
        "staff_id": str(other.id),
        "jimu_id": "1",
        "item_id": "1",
        "code": "R-001",
        "file_name": "x",
        "process_number": "abc",
        "year": "2025",
        "lg_code": CITY_A,
        "rid": str(resident_id),
        "token": "abc",
        "disaster_id": "1",
        "house_id": "1",
        "victim_id": "1",
        "ledger": "victims",
        "fmt": "csv",
        "application_id": "1",
        "notice_id": "1",
        "consent_id": "1",
        "action": "revoke",
    }
    wrong: list[str] = []
    for method, template, op in _routes(client):
        if template in SKIP_LOGGED_IN or template in MACHINE_ONLY:
            continue
        first = True
        for path in _paths(template, ids):
            if method == "GET":
                names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
                # none, then each absurd value in one query parameter at a time (the others left to their
                # defaults, so that a value the parameter's type accepts reaches the page's own code)
                queries = [{}] + [{name: value} for name in names for value in ABSURD]
            else:
                fields = _form_fields(op)
                queries = [dict.fromkeys(fields, value) | {"csrf_token": token} for value in ABSURD]
            for values in queries:
                if method == "GET":
                    answer = client.get(path, params=values, headers={"accept": "text/html"})
                    where = f"GET {path} {values}"[:200]
                else:
                    answer = client.request(method, path, data=values, headers={"accept": "text/html"})
                    where = f"{method} {path} {next(iter(values.values()), '')[:20]!r}"
                    if answer.headers.get("location", "").startswith("/login"):
                        log_in(client, clerk)
                        token = csrf_of(client, "/account/password")
                problem = _check(answer, where)
                if problem:
                    wrong.append(problem)
                if first and answer.status_code == 403:
                    break  # the role may not open this route: the role check answers before any value is read
                first = False
            else:
                continue
            break
    assert wrong == [], f"role {role}:\n" + "\n".join(wrong)
    _nothing_refused_was_stored(runtime)


def _nothing_refused_was_stored(runtime: Runtime) -> None:
    """What the walk left behind obeys the rules: no future births or deaths, addresses whose postcode exists and
    lies in the municipality, no negative counts."""
    today = clock.today()
    with runtime.municipal_session(CITY_A) as session:
        for person in residents.list_residents(session, status=None, limit=10_000):
            assert person.birth_date <= today, person
            if person.status == "deceased":
                assert person.removed_on is not None and person.removed_on <= today, person
            if person.status == "active":
                check_address(person.postal_code, person.address, lg_code=CITY_A, record=str(person.id))
            for change in residents.changes_of(session, resident_id=person.id):
                assert change.notified_on <= today, change
        _, rows = indicators.table(session)
        for row in rows:
            for value, _estimate in row.values.values():
                assert Decimal(value) >= 0, row


def test_the_login_forms_answer_absurd_values_in_japanese(runtime: Runtime) -> None:
    client = client_for(runtime)
    token = csrf_of(client)
    wrong = []
    for path in ("/login", "/login/totp"):
        for value in ABSURD:
            data = {"lg_code": value, "login": value, "password": value, "code": value, "csrf_token": token}
            problem = _check(client.post(path, data=data), f"POST {path} {value[:20]!r}")
            if problem:
                wrong.append(problem)
    assert wrong == []


def test_an_api_client_that_asks_for_json_gets_json_naming_the_field(runtime: Runtime) -> None:
    client, _ = (client_for(runtime), None)
    log_in(client, make_clerk(runtime, "juki"))
    page = client.get("/residents", params={"page": "abc"})
    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "「ページ」は整数で入力してください" in page.text
    as_json = client.get("/residents", params={"page": "abc"}, headers={"accept": "application/json"})
    assert as_json.status_code == 422
    assert as_json.json()["field"] == "ページ"
    assert as_json.json()["error"] == "invalid"


def test_an_empty_fiscal_year_on_the_indicator_form_names_the_field_in_japanese(runtime: Runtime) -> None:
    client = client_for(runtime)
    log_in(client, make_clerk(runtime, "admin"))
    token = csrf_of(client, "/governance/indicators")
    answer = client.post(
        "/governance/indicators", data={"name": "x", "fiscal_year": "", "value": "1", "csrf_token": token}
    )
    assert answer.status_code == 422
    assert "「年度」が入力されていません" in answer.text
    assert "Field required" not in answer.text


def test_a_negative_staff_count_or_a_future_death_through_the_forms_is_refused_and_not_stored(
    runtime: Runtime,
) -> None:
    people = populate(runtime)
    admin = client_for(runtime)
    log_in(admin, make_clerk(runtime, "admin"))
    token = csrf_of(admin, "/governance/indicators")
    answer = admin.post(
        "/governance/indicators",
        data={"name": "職員数", "fiscal_year": "2026", "value": "-5", "csrf_token": token},
    )
    assert answer.status_code == 422 and "職員数は0以上の数です" in answer.text
    juki = client_for(runtime)
    log_in(juki, make_clerk(runtime, "juki"))
    token = csrf_of(juki, "/account/password")
    taro = people["太郎"][0]
    answer = juki.post(f"/residents/{taro}/death", data={"died_on": "2999-12-31", "csrf_token": token})
    assert answer.status_code == 422 and "死亡日が未来の日付です" in answer.text
    answer = juki.post(
        f"/residents/{taro}/address",
        data={"postal_code": "999-9999", "address": "大阪府大阪市北区梅田1番", "csrf_token": token},
    )
    assert answer.status_code == 422 and "999-9999 は存在しません" in answer.text
    with runtime.municipal_session(CITY_A) as session:
        assert indicators.table(session)[1] == []
        assert residents.get_resident(session, resident_id=taro).status == "active"
        assert residents.get_resident(session, resident_id=taro).postal_code == "1000001"


def test_an_unknown_page_is_the_japanese_not_found_page(runtime: Runtime) -> None:
    answer = client_for(runtime).get("/no-such-page")
    assert answer.status_code == 404
    assert "ページが見つかりません" in answer.text
