"""Each operation answers only the callers its organisation certificate allows, for the agency it names.

The attacks of the wire issue, replayed against the typed APIs with the identity a certificate would prove:
a stranger or another municipality reading a municipality's copies, jukinet's 本人確認情報 or its pool, the
hub re-registering an agency under another kind, and jpki acting for a 団体コード the caller only claims.
"""

from __future__ import annotations

import pytest

from renkei.core.errors import Forbidden
from renkei.core.ids import municipality_agency_code
from renkei.protocol.api import ServiceApi
from renkei.protocol.identity import Caller
from renkei.protocol.messages import AgencyRegistration
from renkei.runtime import Runtime, certificates_api, municipal_dispatcher, national_dispatcher
from tests.hub.builders import LG_A, LG_B, register, residents


def caller(role: str, lg_code: str | None = None, *, agency: str | None = None) -> Caller:
    code = agency or (municipality_agency_code(lg_code) if lg_code else "0030099000001700")
    node = f"lg{lg_code}" if lg_code and role == "municipality" else role
    return Caller(agency_code=code, role=role, node=node, lg_code=lg_code, subject=node, serial=7)


def national(runtime: Runtime, name: str) -> ServiceApi:
    found = national_dispatcher(name, runtime)
    assert found is not None
    return found


def test_a_municipal_node_answers_business_queries_only_for_its_own_business_systems(
    runtime: Runtime,
) -> None:
    node = municipal_dispatcher(LG_A, runtime)
    assert node is not None
    ask = {"jm_code": "JM01074000000000", "jt_code": "JT01074000000001", "provider": "0220113101601700"}
    query = {**ask, "tm_code": "TM00000000000002", "integrated_number": "000000000000001"}
    for stranger in (caller("municipality", LG_B), caller("business", LG_B), caller("portal"), caller("hub")):
        with pytest.raises(Forbidden):
            node.dispatch("query", query, stranger)
        with pytest.raises(Forbidden):
            node.dispatch("self_information", {"integrated_number": "000000000000001"}, stranger)
    with pytest.raises(Forbidden):  # only the hub forwards queries
        node.dispatch("provide_batch", {}, caller("business", LG_A))


def test_jukinet_serves_a_municipality_only_for_itself(runtime: Runtime) -> None:
    jukinet = national(runtime, "jukinet")
    codes = residents(runtime, LG_A, 1)
    b = caller("municipality", LG_B)
    with pytest.raises(Forbidden):
        jukinet.dispatch("identity", {"juminhyo_code": codes[0]}, b)
    assert (
        jukinet.dispatch("identity", {"juminhyo_code": codes[0]}, caller("municipality", LG_A))["lg_code"]
        == LG_A
    )
    with pytest.raises(Forbidden):
        jukinet.dispatch("issue_juminhyo_codes", {"lg_code": LG_A, "count": 5}, b)
    with pytest.raises(Forbidden):  # a business system is not its node
        jukinet.dispatch("issue_juminhyo_codes", {"lg_code": LG_A, "count": 5}, caller("business", LG_A))
    with pytest.raises(Forbidden):  # only the hub resolves 取得番号
        jukinet.dispatch(
            "resolve_acquisition_numbers", {"acquisition_numbers": ["1"]}, caller("municipality", LG_A)
        )


def test_the_hub_refuses_a_registration_for_another_agency_or_under_another_kind(runtime: Runtime) -> None:
    hub = national(runtime, "hub")
    setagaya = register(runtime, LG_B)
    unsigned = AgencyRegistration(
        agency_code=setagaya.agency_code,
        name=setagaya.name,
        kind="厚生労働大臣",
        endpoint=setagaya.endpoint,
        signing_public_key=setagaya.keys.signing_public_pem,
        sealing_public_key=setagaya.keys.sealing_public_pem,
    )
    body = unsigned.model_dump(mode="json")
    with pytest.raises(Forbidden):  # 千代田区 cannot touch 世田谷区's registration
        hub.dispatch("register_agency", body, caller("municipality", LG_A))
    with pytest.raises(Forbidden) as kind:  # 世田谷区 itself cannot make itself a minister
        hub.dispatch("register_agency", body, caller("municipality", LG_B))
    assert kind.value.field == "kind"
    same_kind = unsigned.model_copy(update={"kind": "市町村長"})
    with pytest.raises(Exception, match="署名"):  # and a registration is always signed by the agency's key
        hub.dispatch("register_agency", same_kind.model_dump(mode="json"), caller("municipality", LG_B))
    signed = same_kind.signed(setagaya.keys.signing)
    assert (
        hub.dispatch("register_agency", signed.model_dump(mode="json"), caller("municipality", LG_B))["kind"]
        == "市町村長"
    )
    with pytest.raises(Forbidden):  # hub-wide delivery is an operator's action, not a node's
        hub.dispatch("deliver_pending", {"limit": 10}, caller("municipality", LG_B))


def test_jpki_acts_only_for_the_municipality_the_certificate_names(runtime: Runtime) -> None:
    jpki = national(runtime, "jpki")
    check = {
        "lg_code": LG_A,
        "resident_id": 1,
        "registered": {
            "name": "試験 太郎",
            "address": "東京都千代田区",
            "birth_date": "1980-01-01",
            "sex": "1",
        },
    }
    with pytest.raises(Forbidden):
        jpki.dispatch(
            "revoke",
            {"card_number": "X", "kind": "sign", "reason": "keyCompromise", "check": check},
            caller("municipality", LG_B),
        )
    with pytest.raises(Forbidden):
        jpki.dispatch("holder_status", {"lg_code": LG_A, "resident_id": 1}, caller("municipality", LG_B))
    with pytest.raises(Forbidden):
        jpki.dispatch("publish_crl", {"role": "sign"}, caller("municipality", LG_A))


def test_the_jlis_services_answer_only_the_callers_they_serve(runtime: Runtime) -> None:
    lgwan = national(runtime, "lgwan")
    application = {
        "provider": "株式会社テスト",
        "provider_kind": "民間事業者",
        "name": "電子申請",
        "category": "アプリケーション及びコンテンツサービス",
        "connection_form": "LGWAN-ASP接続セグメントに直接接続",
    }
    for operation_name, body in (
        ("asp_apply", application),
        ("asp_start_review", {"id": 1}),
        ("asp_check", {"id": 1, "code": "C01", "result": "適合"}),
        ("asp_register", {"id": 1}),
        ("asp_abolish", {"id": 1}),
    ):  # J-LIS's operators keep the registry; a municipality only reads it
        with pytest.raises(Forbidden):
            lgwan.dispatch(operation_name, body, caller("municipality", LG_A))
    applied = lgwan.dispatch("asp_apply", application, caller("operator"))
    listed = lgwan.dispatch("asp_services", {"status": "申請"}, caller("municipality", LG_A))
    assert [s["id"] for s in listed["services"]] == [applied["id"]]

    certificates = certificates_api(LG_A, runtime)
    assert certificates is not None
    order = {"resident_id": 1, "order": {"kind": "juminhyo"}, "kiosk_id": "K1", "auth_serial": "01"}
    for stranger in (caller("municipality", LG_B), caller("municipality", LG_A), caller("portal")):
        with pytest.raises(Forbidden):  # only the 証明書交付センター issues and reads the history
            certificates.dispatch("issue_certificate", order, stranger)
        with pytest.raises(Forbidden):
            certificates.dispatch("history", {"resident_id": 1}, stranger)
    answer = certificates.dispatch("check_code", {"code": "AAAA"}, caller("municipality", LG_A))
    assert answer["found"] is False
    assert certificates.dispatch("history", {"resident_id": 1}, caller("kiosk")) == {"issued": []}

    portal = national(runtime, "portal")
    notice = {
        "notice_id": "0" * 32,
        "agency_code": municipality_agency_code(LG_A),
        "lg_code": LG_A,
        "title": "お知らせ",
        "body": "本文",
        "condition": "全員",
        "recipients": [1],
        "sent_by": "clerk",
        "sent_at": "2026-04-01T00:00:00+09:00",
    }
    with pytest.raises(Forbidden):  # 世田谷区 writing to 千代田区's residents
        portal.dispatch("send_notice", notice, caller("municipality", LG_B))
    inbox = {
        "agency_code": municipality_agency_code(LG_A),
        "lg_code": LG_A,
        "requested_at": "2026-04-01T00:00:00Z",
    }
    with pytest.raises(Forbidden):
        portal.dispatch("application_inbox", inbox, caller("business", LG_B))
    with pytest.raises(Forbidden):
        portal.dispatch("application_inbox", inbox, caller("jukinet"))
    assert portal.dispatch("info", {}, caller("municipality", LG_B))["agency_code"] == "0030099000011700"


def test_the_hub_tells_a_municipality_only_its_own_allowed_queries(runtime: Runtime) -> None:
    hub = national(runtime, "hub")
    register(runtime, LG_A)
    chiyoda = municipality_agency_code(LG_A)
    for stranger in (caller("municipality", LG_B), caller("portal"), caller("business", LG_A)):
        with pytest.raises(Forbidden):
            hub.dispatch("allowed_queries", {"agency_code": chiyoda}, stranger)
    answer = hub.dispatch("allowed_queries", {"agency_code": chiyoda}, caller("municipality", LG_A))
    assert answer["kind"] == "市町村長" and answer["rows"]
    assert {row["basis"] for row in answer["rows"]} == {"table"}
    assert ("JM01074000000000", "JT01074000000001", "市町村長", "TM00000000000002") in {
        (r["jimu_code"], r["procedure_code"], r["provider"], r["tm_code"]) for r in answer["rows"]
    }
    assert not any(r["jimu_code"] == "JM01001000000000" for r in answer["rows"])  # a minister's row, not ours
