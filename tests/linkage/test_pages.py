"""情報連携 pages: a welfare clerk of B queries A and reads the answer; records with their verification; roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from renkei.core import clock
from renkei.hub.models import HubRecord
from renkei.intermediate import service
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, FAMILY, INCOME, OTHERS, SETAGAYA, TAX_ITEMS, rows, tax_copy
from tests.linkage.scenario import JIDOTEATE, NINTEI, join_hub, move_family, populate
from tests.linkage.test_in_process import InProcess
from tests.web.builders import csrf_of, logged_in


def moved_family(runtime: Runtime) -> list[str]:
    net = InProcess(runtime)
    people = populate(net, CHIYODA, rows(CHIYODA, FAMILY + OTHERS, household="0000000001", start=1))
    populate(net, SETAGAYA, rows(SETAGAYA, OTHERS, household="0000000009", start=900))
    join_hub(net, CHIYODA)
    join_hub(net, SETAGAYA)
    atenas = list(people)[:3]
    with runtime.municipal_session(CHIYODA) as session:
        service.register_copies(
            session, lg_code=CHIYODA, entries=[tax_copy(people[a], f"R{i}") for i, a in enumerate(atenas)]
        )
    return move_family(net, atenas)


def query_form(client: Any, atena: str, tm: str) -> dict[str, str]:
    """The 情報照会 form as B's welfare clerk fills it to ask A under 児童手当."""
    return {
        "atena": atena,
        "system": "juki",
        "jm": JIDOTEATE,
        "jt": NINTEI,
        "provider": CHIYODA,
        "tm": tm,
        "csrf_token": csrf_of(client, "/linkage/query"),
    }


def test_a_welfare_clerk_of_b_queries_a_and_reads_the_answer_then_an_auditor_sees_the_records(
    runtime: Runtime,
) -> None:
    new_atenas = moved_family(runtime)
    client, _clerk = logged_in(runtime, "welfare", lg_code=SETAGAYA)
    assert "情報照会" in client.get("/linkage/query").text
    form = {
        "atena": new_atenas[0],
        "system": "juki",
        "jm": JIDOTEATE,
        "jt": NINTEI,
        "provider": CHIYODA,
        "tm": "TM00000000000002",
        "csrf_token": csrf_of(client, "/linkage/query"),
    }
    posted = client.post("/linkage/query", data=form)
    assert posted.status_code == 303
    page = client.get(posted.headers["location"])
    assert page.status_code == 200
    assert "回答あり" in page.text and TAX_ITEMS[INCOME] in page.text
    overview = client.get("/linkage")
    assert "回答あり" in overview.text

    auditor, _ = logged_in(runtime, "auditor", lg_code=SETAGAYA)
    records = auditor.get("/linkage/records")
    assert records.status_code == 200
    assert "改ざん・欠落なし" in records.text and JIDOTEATE in records.text


def test_a_refused_query_shows_the_real_message(runtime: Runtime) -> None:
    new_atenas = moved_family(runtime)
    client, _clerk = logged_in(runtime, "welfare", lg_code=SETAGAYA)
    form = {
        "atena": new_atenas[0],
        "system": "juki",
        "jm": JIDOTEATE,
        "jt": NINTEI,
        "provider": CHIYODA,
        "tm": "TM00000000000001",
        "csrf_token": csrf_of(client, "/linkage/query"),
    }
    page = client.get(client.post("/linkage/query", data=form).headers["location"])
    assert "照会不許可" in page.text and "照会は許可されていません" in page.text


def test_only_clerks_of_number_using_business_may_query_and_only_admin_or_auditor_read_records(
    runtime: Runtime,
) -> None:
    juki, _ = logged_in(runtime, "juki", lg_code=SETAGAYA)
    assert juki.get("/linkage/query").status_code == 403
    assert juki.get("/linkage").status_code == 403
    tax, _ = logged_in(runtime, "tax", lg_code=SETAGAYA)
    assert tax.get("/linkage").status_code == 200
    assert tax.get("/linkage/records").status_code == 403


def test_a_clerk_withholds_a_query_from_the_person_until_a_day_and_bad_days_are_named(
    runtime: Runtime,
) -> None:
    new_atenas = moved_family(runtime)
    client, _clerk = logged_in(runtime, "welfare", lg_code=SETAGAYA)
    assert 'name="withhold_until"' in client.get("/linkage/query").text
    form = query_form(client, new_atenas[0], "TM00000000000002")
    until = clock.today() + dt.timedelta(days=30)
    posted = client.post("/linkage/query", data=form | {"withhold": "1", "withhold_until": until.isoformat()})
    assert posted.status_code == 303
    number = posted.headers["location"].rsplit("/", 1)[1]
    assert client.get(posted.headers["location"]).status_code == 200
    with runtime.session("hub") as session:
        record = session.scalar(sa.select(HubRecord).where(HubRecord.processing_number == number))
        assert record is not None and record.body["non_disclosure_until"] == until.isoformat()

    without_box = client.post("/linkage/query", data=form | {"withhold_until": until.isoformat()})
    assert without_box.status_code == 422 and "不開示の終了日" in without_box.text
    too_far = client.post("/linkage/query", data=form | {"withhold": "1", "withhold_until": "2999-12-31"})
    assert too_far.status_code == 422 and "7年以内" in too_far.text
