"""本人確認情報の提供 to national bodies: 別表第一 decides, every 照会 is recorded, the person sees who received what."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from renkei.core.errors import Forbidden, Invalid
from renkei.jukinet.models import JukinetProvision
from renkei.protocol.jukinet import IdentityChange, JukinetClient
from renkei.protocol.provision import IdentityQuery, ProvisionClient, ProvisionRequest, RecipientRegistration
from renkei.residents.service.changes import active_resident, juminhyo_code_of
from renkei.runtime import Runtime
from tests.residents.builders import CHIYODA, register, row

PENSION = "NENKIN01"
PASSPORT = "GAIMU001"


def setup_people(runtime: Runtime) -> tuple[ProvisionClient, list[str], str]:
    """Two residents of 千代田区 and the two recipients; returns their 住民票コード and the first one's My Number."""
    done = register(
        runtime,
        row(1, surname="年金", given_name="花子", sex="2", birth_date=dt.date(1958, 3, 3)),
        row(2, surname="旅券", given_name="一郎", birth_date=dt.date(1990, 7, 7)),
    )
    with runtime.municipal_session(CHIYODA) as session:
        codes = [juminhyo_code_of(active_resident(session, d.resident_id), runtime.settings) for d in done]
    client = ProvisionClient(runtime.transport)
    client.register_recipient(RecipientRegistration(code=PENSION, name="日本年金機構"))
    client.register_recipient(RecipientRegistration(code=PASSPORT, name="外務大臣"))
    return client, codes, done[0].mynumber


def test_a_pension_office_receives_identity_with_the_my_number_for_a_listed_affair(runtime: Runtime) -> None:
    client, codes, mynumber = setup_people(runtime)
    answer = client.provide(
        ProvisionRequest(
            recipient_code=PENSION,
            affair_code="B1-001",
            queries=[IdentityQuery(ref="Q1", juminhyo_code=codes[0])],
        )
    )
    (result,) = answer.results
    assert answer.status == "provided" and result.found and result.ref == "Q1"
    assert result.identity is not None
    assert result.identity.name == "年金　花子" and result.identity.mynumber == mynumber
    # The log names the items handed over, never their values.
    with runtime.session("jukinet") as s:
        entry = s.get(JukinetProvision, result.record_seq)
        assert entry is not None and entry.juminhyo_code == codes[0]
        assert mynumber not in str(entry.body) and "年金" not in str(entry.body["items"])
        assert entry.body["items"] == ["基本4情報", "住民票コード", "個人番号", "異動情報"]


def test_a_row_without_the_my_number_never_hands_it_over(runtime: Runtime) -> None:
    client, codes, _ = setup_people(runtime)
    answer = client.provide(
        ProvisionRequest(
            recipient_code=PASSPORT,
            affair_code="B1-005",
            queries=[
                IdentityQuery(
                    ref="P1", name="旅券 一郎", birth_date=dt.date(1990, 7, 7), sex="1"
                )  # half-width space: 4情報 are compared normalised
            ],
        )
    )
    identity = answer.results[0].identity
    assert identity is not None and identity.mynumber is None and identity.juminhyo_code == codes[1]


def test_an_affair_outside_the_table_is_refused_and_recorded_for_the_person(runtime: Runtime) -> None:
    client, codes, _ = setup_people(runtime)
    request = ProvisionRequest(
        recipient_code=PASSPORT, affair_code="B1-001", queries=[IdentityQuery(juminhyo_code=codes[0])]
    )
    with pytest.raises(Forbidden, match="別表第一で提供が認められた事務ではありません"):
        client.provide(request)
    refused = client.provide(request, raise_refusal=False)
    assert refused.status == "refused" and refused.results[0].identity is None
    with pytest.raises(Forbidden, match="登録のない機関"):
        client.provide(request.model_copy(update={"recipient_code": "UNKNOWN1"}))
    disclosure = client.disclosure(codes[0])
    assert [(e.recipient_name, e.status, e.items) for e in disclosure.entries] == [
        ("外務大臣", "refused", []),
        ("外務大臣", "refused", []),
        ("（未登録の機関）", "refused", []),
    ]


def test_only_bodies_named_in_the_table_can_register(runtime: Runtime) -> None:
    client = ProvisionClient(runtime.transport)
    with pytest.raises(Invalid, match="別表第一に掲げる者ではありません"):
        client.register_recipient(RecipientRegistration(code="SHOP0001", name="民間事業者"))


def test_a_batch_file_answers_each_row_and_the_disclosure_lists_each_provision(runtime: Runtime) -> None:
    client, codes, _ = setup_people(runtime)
    JukinetClient(runtime.transport).report_changes(
        [
            IdentityChange(
                juminhyo_code=codes[0],
                kind="address_change",
                lg_code=CHIYODA,
                effective_on=dt.date(2025, 5, 1),
                name="年金　花子",
                name_kana="ネンキン　ハナコ",
                address="東京都千代田区丸の内1丁目1番1号",
            )
        ]
    )
    answer = client.provide(
        ProvisionRequest(
            recipient_code=PENSION,
            affair_code="B1-002",
            method="batch",
            queries=[
                IdentityQuery(ref="1", juminhyo_code=codes[0]),
                IdentityQuery(ref="2", name="旅券　一郎", birth_date=dt.date(1990, 7, 7), sex="1"),
                IdentityQuery(ref="3", name="不在　太郎", birth_date=dt.date(1990, 7, 7), sex="1"),
            ],
        )
    )
    assert [r.found for r in answer.results] == [True, True, False]
    assert answer.results[0].identity is not None
    assert [c.kind for c in answer.results[0].identity.changes] == ["address_change"]
    assert answer.message == "3件中2件を提供しました"
    (entry,) = client.disclosure(codes[1]).entries
    assert (entry.method, entry.query_kind, entry.recipient_name, entry.affair_code) == (
        "batch",
        "基本4情報",
        "日本年金機構",
        "B1-002",
    )
    assert "全国サーバ" in entry.provider


def test_bad_queries_reject_the_request_before_anything_is_recorded(runtime: Runtime) -> None:
    client, _, _ = setup_people(runtime)
    with pytest.raises(Invalid) as caught:
        client.provide(
            ProvisionRequest(
                recipient_code=PENSION,
                affair_code="B1-001",
                queries=[IdentityQuery(ref="X9", name="年金　花子", sex="2")],
            )
        )
    assert (caught.value.record, caught.value.field) == ("X9", "生年月日")
    with pytest.raises(Invalid):
        runtime.transport.call("jukinet", "provide_identity", {"recipient_code": PENSION, "queries": "x"})
    with runtime.session("jukinet") as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(JukinetProvision)) == 0


def test_the_provision_log_shows_an_edited_entry(runtime: Runtime) -> None:
    client, codes, _ = setup_people(runtime)
    for affair in ("B1-001", "B1-002"):
        client.provide(
            ProvisionRequest(
                recipient_code=PENSION, affair_code=affair, queries=[IdentityQuery(juminhyo_code=codes[0])]
            )
        )
    assert client.verify_records().ok
    with runtime.session("jukinet") as s:
        entry = s.get(JukinetProvision, 1)
        assert entry is not None
        entry.body = {**entry.body, "recipient_name": "外務大臣"}
    check = client.verify_records()
    assert not check.ok and "seq 1" in check.problems[0]
