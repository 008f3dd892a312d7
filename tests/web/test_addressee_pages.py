"""統合宛名 pages: search three ways, links limited to the clerk's systems, My Number shown only with a reason."""

from __future__ import annotations

import datetime as dt

from renkei.addressee import service as addressee
from renkei.residents import service as residents
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, csrf_of, logged_in, populate


def mynumber_of(runtime: Runtime, resident_id: int) -> str:
    with runtime.municipal_session(CITY_A) as session:
        return residents.mynumber_of(session, resident_id=resident_id, settings=runtime.settings)


def link_tax(runtime: Runtime, integrated_number: str) -> str:
    with runtime.municipal_session(CITY_A) as session:
        return addressee.link_system(session, integrated_number=integrated_number, system="tax")


def test_a_tax_clerk_finds_a_person_three_ways_and_sees_only_tax_links(runtime: Runtime) -> None:
    people = populate(runtime)
    resident_id, integrated = people["太郎"]
    tax_atena = link_tax(runtime, integrated)
    client, _ = logged_in(runtime, "tax")

    token = csrf_of(client, "/addressee")
    by_number = client.post(
        "/addressee/search",
        data={"by": "mynumber", "value": mynumber_of(runtime, resident_id), "csrf_token": token},
    )
    by_integrated = client.get("/addressee", params={"by": "integrated", "value": integrated})
    by_atena = client.get("/addressee", params={"by": "atena", "system": "tax", "value": tax_atena})
    for answer in (by_number, by_integrated, by_atena):
        assert answer.status_code == 200
        assert f'href="/addressee/{integrated}"' in answer.text
        assert "山田　太郎" in answer.text

    page = client.get(f"/addressee/{integrated}").text
    assert tax_atena in page
    assert "<td>税務</td>" in page
    assert "<td>住基</td>" not in page  # the 住基 宛名番号 is not the tax clerk's
    refused = client.get("/addressee", params={"by": "atena", "system": "juki", "value": "1"})
    assert refused.status_code == 403


def test_revealing_a_my_number_without_a_reason_is_refused_and_nothing_is_recorded(runtime: Runtime) -> None:
    people = populate(runtime)
    resident_id, integrated = people["花子"]
    client, _ = logged_in(runtime, "welfare")
    token = csrf_of(client, f"/addressee/{integrated}")
    answer = client.post(
        f"/addressee/{integrated}/reveal",
        data={"reason": "  ", "jimu_code": "JM01074000000000", "csrf_token": token},
    )
    assert answer.status_code == 422
    assert "理由" in answer.text
    assert mynumber_of(runtime, resident_id) not in answer.text
    with runtime.municipal_session(CITY_A) as session:
        assert addressee.access_log(session, integrated_number=integrated) == []


def test_revealing_with_a_reason_shows_the_number_and_records_who_when_and_why(runtime: Runtime) -> None:
    people = populate(runtime)
    resident_id, integrated = people["花子"]
    client, clerk = logged_in(runtime, "juki")
    token = csrf_of(client, f"/addressee/{integrated}")
    page = client.get(f"/addressee/{integrated}").text
    assert mynumber_of(runtime, resident_id) not in page

    reason = "住民票の写し（個人番号記載）の交付のため"
    answer = client.post(
        f"/addressee/{integrated}/reveal",
        data={"reason": reason, "jimu_code": "JM00000000000001", "csrf_token": token},
    )
    assert answer.status_code == 200
    assert f'<strong id="mynumber">{mynumber_of(runtime, resident_id)}</strong>' in answer.text
    assert answer.headers["cache-control"] == "no-store"
    with runtime.municipal_session(CITY_A) as session:
        (entry,) = addressee.access_log(session, integrated_number=integrated)
    assert entry.staff_id == str(clerk.id)
    assert clerk.login in entry.staff_name
    assert entry.reason == reason
    assert entry.accessed_at is not None

    auditor, _ = logged_in(runtime, "auditor")
    log = auditor.get("/addressee/access-log", params={"integrated_number": integrated})
    assert log.status_code == 200
    assert reason in log.text and clerk.login in log.text
    assert mynumber_of(runtime, resident_id) not in log.text


def test_an_administrator_searches_but_may_not_see_or_search_by_my_number(runtime: Runtime) -> None:
    people = populate(runtime)
    resident_id, integrated = people["太郎"]
    client, _ = logged_in(runtime, "admin")
    assert client.get("/addressee", params={"by": "name", "value": "ヤマダ"}).status_code == 200
    page = client.get(f"/addressee/{integrated}").text
    assert "マイナンバーを表示" not in page
    number = mynumber_of(runtime, resident_id)
    token = csrf_of(client, "/addressee")
    refused = client.post("/addressee/search", data={"by": "mynumber", "value": number, "csrf_token": token})
    assert refused.status_code == 403
    assert (
        client.post(f"/addressee/{integrated}/reveal", data={"reason": "x", "csrf_token": token}).status_code
        == 403
    )


def test_name_matching_candidates_are_listed(runtime: Runtime) -> None:
    populate(runtime)
    with runtime.municipal_session(CITY_A) as session:
        addressee.register_non_resident(
            session,
            system="tax",
            name="山田　太郎",
            name_kana="ヤマダ　タロウ",
            birth_date=dt.date(1985, 4, 1),
            sex="1",
            address="大阪府大阪市北区1番",
            settings=runtime.settings,
        )
    client, _ = logged_in(runtime, "admin")
    page = client.get("/addressee/duplicates")
    assert page.status_code == 200
    assert "カナ氏名・生年月日・性別が一致" in page.text


def test_an_unknown_number_is_a_clear_not_found(runtime: Runtime) -> None:
    populate(runtime)
    client, _ = logged_in(runtime, "tax")
    answer = client.get("/addressee", params={"by": "integrated", "value": "999999999999999"})
    assert answer.status_code == 404
    assert "統合宛名番号が見つかりません" in answer.text


def test_a_my_number_is_never_taken_from_the_url(runtime: Runtime) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "juki")
    number = mynumber_of(runtime, people["太郎"][0])
    answer = client.get("/addressee", params={"by": "mynumber", "value": number})
    assert answer.status_code == 422
    assert "URL に個人番号を載せない" in answer.text


def test_the_search_form_posts_and_does_not_echo_the_my_number(runtime: Runtime) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "welfare")
    form = client.get("/addressee").text
    assert '<form method="post" action="/addressee/search">' in form
    number = mynumber_of(runtime, people["太郎"][0])
    token = csrf_of(client, "/addressee")
    answer = client.post("/addressee/search", data={"by": "mynumber", "value": number, "csrf_token": token})
    assert answer.status_code == 200
    assert number not in answer.text
    assert answer.headers["cache-control"] == "no-store"
