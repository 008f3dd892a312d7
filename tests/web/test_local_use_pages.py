"""独自利用事務 pages: the registry kept by 情報政策課, the plan and its Excel, and a refused display recorded."""

from __future__ import annotations

import io

import openpyxl

from renkei.addressee import service as addressee
from renkei.runtime import Runtime
from tests.web.builders import CITY_A, csrf_of, logged_in, populate

ORDINANCE = "令和7年千代田区条例第12号"


def test_the_admin_registers_an_ordinance_and_a_jimu_and_everyone_reads_the_plan(runtime: Runtime) -> None:
    admin, _ = logged_in(runtime, "admin")
    token = csrf_of(admin, "/local-use")
    backwards = admin.post(
        "/local-use/ordinance",
        data={
            "number": ORDINANCE,
            "title": "条例",
            "start_on": "2025-04-01",
            "end_on": "2025-03-01",
            "csrf_token": token,
        },
    )
    assert backwards.status_code == 422 and "失効日" in backwards.text
    made = admin.post(
        "/local-use/ordinance",
        data={
            "number": ORDINANCE,
            "title": "子育て応援給付金条例",
            "adopted_on": "2025-03-01",
            "start_on": "2025-04-01",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    defined = admin.post(
        "/local-use/jimu",
        data={
            "ordinance_number": ORDINANCE,
            "article": "第3条",
            "jimu_name": "子育て応援給付金の支給",
            "system": "jidoteate",
            "tm_codes": "TM00000000000002",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert defined.status_code == 303
    welfare, _ = logged_in(runtime, "welfare")
    page = welfare.get("/local-use").text
    assert "子育て応援給付金の支給" in page and "施行中" in page and "未届出" in page
    assert "番号法別表第一 十六の項" in page
    assert "条例の登録" not in page  # only 情報政策課 keeps the registry
    token = csrf_of(welfare, "/local-use")
    refused = welfare.post(
        "/local-use/ordinance",
        data={"number": "x", "title": "x", "start_on": "2025-01-01", "csrf_token": token},
    )
    assert refused.status_code == 403
    sheet = openpyxl.load_workbook(io.BytesIO(welfare.get("/local-use/plan.xlsx").content))["独自利用計画"]
    assert [c.value for c in sheet[3]][4] == "子育て応援給付金の支給"


def test_a_display_for_a_jimu_without_basis_is_refused_and_recorded(runtime: Runtime) -> None:
    people = populate(runtime)
    _resident_id, integrated = people["花子"]
    client, _ = logged_in(runtime, "welfare")
    token = csrf_of(client, f"/addressee/{integrated}")
    page = client.get(f"/addressee/{integrated}").text
    assert 'value="JM01074000000000"' in page and 'value="JM01027000000000"' not in page  # own systems only
    answer = client.post(
        f"/addressee/{integrated}/reveal",
        data={"reason": "給付の審査のため", "jimu_code": "JM01999000000000", "csrf_token": token},
    )
    assert answer.status_code == 403 and "根拠なし" in answer.text
    other_system = client.post(
        f"/addressee/{integrated}/reveal",
        data={"reason": "給付の審査のため", "jimu_code": "JM01027000000000", "csrf_token": token},
    )
    assert other_system.status_code == 403
    with runtime.municipal_session(CITY_A) as session:
        (entry,) = addressee.access_log(session, integrated_number=integrated)
    assert entry.action == "refused_reveal_mynumber" and "JM01999000000000" in entry.reason
