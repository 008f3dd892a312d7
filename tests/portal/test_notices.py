"""お知らせ: a clerk with the お知らせ role sends to a person or to households with a child under 3; only they see it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from renkei.core import clock
from renkei.core.errors import Invalid
from renkei.intermediate import portal as municipal_portal
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.runtime import Runtime
from renkei.web import create_app
from tests.portal.builders import LG_B, PIN, Holder, world
from tests.web.builders import csrf_of, log_in, make_clerk
from tests.web.conftest import light_password_hashing

__all__ = ["light_password_hashing"]


@pytest.fixture
def holders(runtime: Runtime) -> list[Holder]:
    return world(runtime)


def resident_browser(runtime: Runtime, app: object, holder: Holder) -> TestClient:
    client = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    page = client.get("/portal/login")
    fields = dict(re.findall(r'name="(csrf_token|challenge_id)" value="([^"]+)"', page.text))
    answer = client.post("/portal/login", data={**fields, "card_number": holder.card_number, "pin": PIN})
    assert answer.status_code == 303
    return client


def test_a_notice_to_one_person_reaches_them_only_and_turns_read_when_opened(
    runtime: Runtime, holders: list[Holder]
) -> None:
    app = create_app(runtime.settings, runtime=runtime)
    clerk = make_clerk(runtime, "notice", lg_code=LG_B)
    staff = TestClient(app, follow_redirects=False)
    log_in(staff, clerk)
    sent = staff.post(
        "/notices",
        data={
            "csrf_token": csrf_of(staff, "/notices"),
            "title": "児童手当の現況届について",
            "body": "6月末までに提出してください。",
            "target": "person",
            "atena_number": holders[0].atena_number,
        },
    )
    assert sent.status_code == 200 and "1人" in sent.text

    reader = resident_browser(runtime, app, holders[0])
    listing = reader.get("/portal/notices").text
    assert "未読 1件" in listing and "児童手当の現況届について" in listing
    notice_id = re.search(r'href="/portal/notices/([0-9a-f]{32})"', listing)
    assert notice_id is not None
    assert "6月末までに" in reader.get(f"/portal/notices/{notice_id.group(1)}").text
    assert "未読 0件" in reader.get("/portal/notices").text

    other = resident_browser(runtime, app, holders[1])
    assert "児童手当の現況届について" not in other.get("/portal/notices").text
    assert other.get(f"/portal/notices/{notice_id.group(1)}").status_code == 404


def test_households_with_a_child_under_3_are_chosen_from_the_register(
    runtime: Runtime, holders: list[Holder]
) -> None:
    with runtime.municipal_session(LG_B) as session:
        parent = residents.get_resident(session, resident_id=holders[0].resident_id)
        child = residents.record_birth(
            session,
            parent_id=parent.id,
            given_name="葵",
            given_name_kana="アオイ",
            birth_date=clock.today() - dt.timedelta(days=200),
            sex="2",
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    today = clock.today()
    with runtime.municipal_session(LG_B) as session:
        people = residents.list_residents(session, status="active", limit=1000)
        chosen = municipal_portal.notice_recipients(session, target="child_under_3")
    family = [p for p in people if p.household_number == parent.household_number]
    adults = {p.id for p in family if (today - p.birth_date).days >= 19 * 365}
    assert parent.id in chosen and child.id not in chosen
    assert adults <= set(chosen)
    young = {p.household_number for p in people if (today - p.birth_date).days < 3 * 366}
    assert all(
        next(p for p in people if p.id == rid).household_number in young | {parent.household_number}
        for rid in chosen
    )


def test_only_the_notice_role_sends_and_bad_fields_are_named(runtime: Runtime, holders: list[Holder]) -> None:
    app = create_app(runtime.settings, runtime=runtime)
    welfare = TestClient(app, follow_redirects=False)
    log_in(welfare, make_clerk(runtime, "welfare", lg_code=LG_B))
    assert welfare.get("/notices").status_code == 403
    sender = TestClient(app, follow_redirects=False)
    log_in(sender, make_clerk(runtime, "notice", lg_code=LG_B))
    token = csrf_of(sender, "/notices")
    empty = sender.post(
        "/notices",
        data={
            "csrf_token": token,
            "title": "",
            "body": "x",
            "target": "person",
            "atena_number": holders[0].atena_number,
        },
    )
    assert empty.status_code == 422 and "件名" in empty.text
    nobody = sender.post(
        "/notices", data={"csrf_token": token, "title": "t", "body": "x", "target": "person"}
    )
    assert nobody.status_code == 422 and "宛名番号" in nobody.text
    forged = sender.post(
        "/notices",
        data={"title": "t", "body": "x", "target": "person", "atena_number": holders[0].atena_number},
    )
    assert forged.status_code == 403


def test_the_portal_refuses_a_notice_not_signed_by_the_municipality(
    runtime: Runtime, holders: list[Holder]
) -> None:
    from renkei.protocol.keys import NodeKeys
    from renkei.protocol.portal import PortalClient

    with runtime.municipal_session(LG_B) as session:
        submission = municipal_portal.prepare_notice(
            session,
            lg_code=LG_B,
            settings=runtime.settings,
            title="t",
            body="b",
            target="person",
            atena_number=holders[0].atena_number,
            sent_by="x",
        )
    forged = submission.signed(NodeKeys.generate().signing)
    with pytest.raises(Invalid, match="署名"):
        PortalClient(runtime.transport).send_notice(forged)
    accepted = PortalClient(runtime.transport).send_notice(submission)
    again = PortalClient(runtime.transport).send_notice(submission)
    assert accepted == again and accepted.recipients == 1
