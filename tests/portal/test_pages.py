"""Portal pages over HTTP: login with card and PIN, refusals on the page, やりとり履歴, downloads, no page without login."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from renkei.runtime import Runtime
from renkei.web import create_app
from tests.portal.builders import JUMINHYO, PIN, Holder, ask_about, world

RESIDENT_PAGES = ["/portal/history", "/portal/history.csv", "/portal/history.pdf"]


@pytest.fixture
def holders(runtime: Runtime) -> list[Holder]:
    return world(runtime)


def browser(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime.settings, runtime=runtime), follow_redirects=False)


def login_form(client: TestClient) -> dict[str, str]:
    page = client.get("/portal/login")
    assert page.status_code == 200
    fields = dict(re.findall(r'name="(csrf_token|challenge_id)" value="([^"]+)"', page.text))
    assert set(fields) == {"csrf_token", "challenge_id"}
    return fields


def log_in(client: TestClient, holder: Holder, pin: str = PIN):  # type: ignore[no-untyped-def]
    return client.post(
        "/portal/login", data={**login_form(client), "card_number": holder.card_number, "pin": pin}
    )


def test_no_resident_page_without_a_login(runtime: Runtime) -> None:
    client = browser(runtime)
    for path in RESIDENT_PAGES:
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/portal/login", path


def test_a_resident_logs_in_and_sees_the_query_about_them_verified(
    runtime: Runtime, holders: list[Holder]
) -> None:
    done = ask_about(runtime, holders[0])
    client = browser(runtime)
    before = client.cookies.get("renkei_session")

    answer = log_in(client, holders[0])

    assert answer.status_code == 303 and answer.headers["location"] == "/portal"
    assert client.cookies.get("renkei_session") != before  # a new session at login
    page = client.get("/portal/history")
    assert page.status_code == 200
    assert str(done.process_number) in page.text and "検証済み" in page.text
    assert 'id="proofs"' in page.text and "<script src" not in page.text  # the check ships in the page
    assert 'id="my-exchanges-chart"' in page.text and 'data-value="1"' in page.text
    csv = client.get("/portal/history.csv")
    assert csv.status_code == 200 and str(done.process_number) in csv.content.decode("utf-8-sig")
    assert client.get("/portal/history.pdf").content.startswith(b"%PDF")


def test_wrong_pins_are_counted_and_the_third_locks_with_the_window_named(
    runtime: Runtime, holders: list[Holder]
) -> None:
    client = browser(runtime)
    first = log_in(client, holders[0], pin="9999")
    assert first.status_code == 401 and "あと2回" in first.text
    log_in(client, holders[0], pin="9999")
    third = log_in(client, holders[0], pin="9999")
    assert third.status_code == 403 and "ロック" in third.text and "窓口" in third.text
    assert client.get("/portal/history").status_code == 303


def test_every_form_field_is_validated_with_its_name(runtime: Runtime, holders: list[Holder]) -> None:
    client = browser(runtime)
    short = client.post("/portal/login", data={**login_form(client), "card_number": "12", "pin": PIN})
    assert short.status_code == 422 and "カード番号" in short.text
    letters = client.post(
        "/portal/login", data={**login_form(client), "card_number": holders[0].card_number, "pin": "abcd"}
    )
    assert letters.status_code == 422 and "利用者証明用PIN" in letters.text
    log_in(client, holders[0])
    bad_date = client.get("/portal/history?from=2026-13-40")
    assert bad_date.status_code == 422 and "from" in bad_date.text


def test_a_login_without_the_forms_csrf_token_is_refused(runtime: Runtime, holders: list[Holder]) -> None:
    client = browser(runtime)
    fields = login_form(client)
    answer = client.post(
        "/portal/login",
        data={"challenge_id": fields["challenge_id"], "card_number": holders[0].card_number, "pin": PIN},
    )
    assert answer.status_code == 403
    assert client.get("/portal/history").status_code == 303


def test_one_persons_history_is_never_shown_to_another(runtime: Runtime, holders: list[Holder]) -> None:
    mine = ask_about(runtime, holders[0], tm=JUMINHYO)
    theirs = ask_about(runtime, holders[1])
    client = browser(runtime)
    log_in(client, holders[1])
    page = client.get("/portal/history").text
    assert str(theirs.process_number) in page and str(mine.process_number) not in page
