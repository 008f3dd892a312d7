"""住民記録 pages: a 住基担当 finds residents and records each 異動 through the forms, and the register changes."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, CITY_B, csrf_of, logged_in, populate


def post(client: TestClient, path: str, token: str, **data: str) -> object:
    return client.post(path, data={**data, "csrf_token": token})


def test_a_juki_clerk_searches_by_name_or_kana_and_opens_a_resident(runtime: Runtime) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "juki")
    by_kana = client.get("/residents", params={"q": "ハナコ"})
    assert by_kana.status_code == 200
    assert "山田　花子" in by_kana.text and "山田　太郎" not in by_kana.text
    assert "山田　太郎" in client.get("/residents", params={"q": "山田"}).text
    detail = client.get(f"/residents/{people['太郎'][0]}")
    assert detail.status_code == 200
    assert "1985-04-01（昭和60年4月1日）" in detail.text
    assert "山田　花子" in detail.text  # the household


def test_a_birth_through_the_form_adds_a_child_to_the_household(runtime: Runtime) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "juki")
    parent = people["花子"][0]
    token = csrf_of(client, f"/residents/{parent}")
    answer = client.post(
        f"/residents/{parent}/birth",
        data={
            "given_name": "三郎",
            "given_name_kana": "サブロウ",
            "birth_date": "令和8年1月2日",
            "sex": "1",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert "山田　三郎" in page.text and "出生を記録しました" in page.text
    with runtime.municipal_session(CITY_A) as session:
        (child,) = residents.list_residents(session, query="サブロウ")
        assert child.birth_date == dt.date(2026, 1, 2)
        assert child.relationship == "子"
        assert [c.kind for c in residents.changes_of(session, resident_id=child.id)] == ["birth"]


def test_name_change_keeps_the_former_surname_and_address_change_and_death_are_recorded(
    runtime: Runtime,
) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "juki")
    hanako, taro = people["花子"][0], people["太郎"][0]
    token = csrf_of(client, f"/residents/{hanako}")
    renamed = client.post(
        f"/residents/{hanako}/name",
        data={"surname": "鈴木", "surname_kana": "スズキ", "keep_former_surname": "1", "csrf_token": token},
    )
    assert renamed.status_code == 303
    moved = client.post(
        f"/residents/{taro}/address",
        data={"postal_code": "100-0002", "address": "東京都千代田区皇居外苑1番", "csrf_token": token},
    )
    assert moved.status_code == 303
    died = client.post(f"/residents/{taro}/death", data={"died_on": "2026-01-05", "csrf_token": token})
    assert died.status_code == 303

    with runtime.municipal_session(CITY_A) as session:
        renamed_view = residents.get_resident(session, resident_id=hanako)
        taro_view = residents.get_resident(session, resident_id=taro)
        history = [c.kind for c in residents.changes_of(session, resident_id=taro)]
    assert (renamed_view.surname, renamed_view.former_surname) == ("鈴木", "山田")
    assert taro_view.address == "東京都千代田区皇居外苑1番" and taro_view.postal_code == "1000002"
    assert taro_view.status == "deceased" and taro_view.removed_on == dt.date(2026, 1, 5)
    assert history == ["address_change", "death"]
    page = client.get(f"/residents/{taro}").text
    assert "転居" in page and "死亡" in page and "異動の届出" not in page


def test_a_move_out_hands_a_certificate_the_destination_uses_to_move_the_person_in(runtime: Runtime) -> None:
    people = populate(runtime)
    JukinetClient(runtime.transport).register_municipality(CITY_B)
    client_a, _ = logged_in(runtime, "juki", lg_code=CITY_A)
    taro = people["太郎"][0]
    token = csrf_of(client_a, f"/residents/{taro}")
    out = client_a.post(
        f"/residents/{taro}/move-out",
        data={"destination_lg_code": CITY_B, "effective_on": "2026-01-10", "csrf_token": token},
    )
    assert out.status_code == 200
    code = out.text.split('readonly rows="6" cols="80">')[1].split("<")[0]

    client_b, _ = logged_in(runtime, "juki", lg_code=CITY_B)
    token_b = csrf_of(client_b, "/residents/move-in")
    fields = {
        "postal_code": "154-0001",
        "address": "東京都世田谷区池尻一丁目2番",
        "effective_on": "2026-01-10",
    }
    arrived = client_b.post("/residents/move-in", data={**fields, "certificate": code, "csrf_token": token_b})
    assert arrived.status_code == 303
    again = client_b.post("/residents/move-in", data={**fields, "certificate": code, "csrf_token": token_b})
    assert again.headers["location"] == arrived.headers["location"]  # the same certificate twice is one move

    with runtime.municipal_session(CITY_B) as session:
        (moved_in,) = residents.list_residents(session, query="タロウ")
        assert moved_in.address == "東京都世田谷区池尻一丁目2番"
    with runtime.municipal_session(CITY_A) as session:
        assert residents.get_resident(session, resident_id=taro).status == "moved_out"
    # The certificate opens only at its destination.
    wrong = client_a.post(
        "/residents/move-in",
        data={**fields, "certificate": code, "csrf_token": csrf_of(client_a, "/residents/move-in")},
    )
    assert wrong.status_code == 422
    assert "転出証明書情報を読めません" in wrong.text


def test_bad_dates_are_refused_naming_the_field(runtime: Runtime) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "juki")
    taro = people["太郎"][0]
    token = csrf_of(client, f"/residents/{taro}")
    answer = client.post(f"/residents/{taro}/death", data={"died_on": "きのう", "csrf_token": token})
    assert answer.status_code == 422
    assert "死亡日" in answer.text
    with runtime.municipal_session(CITY_A) as session:
        assert residents.get_resident(session, resident_id=taro).status == "active"


def test_the_list_pages_through_the_register(runtime: Runtime) -> None:
    populate(runtime)
    client, _ = logged_in(runtime, "juki")
    first = client.get("/residents").text
    assert "2 ページ目" not in first and "次へ" not in first
    assert "該当する住民はいません" in client.get("/residents", params={"page": 2}).text
