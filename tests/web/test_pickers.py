"""Pages that speak the domain: names beside codes, and pickers limited to what the permission table allows."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from renkei.addressee import service as addressee
from renkei.core.ids import municipality_agency_code
from renkei.hub import permissions
from renkei.protocol.permissions import AllowedQuery
from renkei.runtime import Runtime
from renkei.web.pickers import code_label, query_choices, tk_label, tm_label
from tests.web.builders import CITY_A, logged_in, populate

HEADER = "項番,情報照会者,事務コード,事務名,事務手続コード,事務手続名,情報提供者,特定個人情報名コード,特定個人情報名\n"


def _allowed(runtime: Runtime, lg_code: str = CITY_A) -> list[AllowedQuery]:
    """What the hub says its table lets this municipality ask, over the protocol (HubClient)."""
    return runtime.join_hub(lg_code).allowed_queries(municipality_agency_code(lg_code)).rows


def test_codes_are_shown_with_their_names_from_the_layouts_and_code_tables() -> None:
    assert tm_label("TM00000000000002") == "地方税関係情報（TM00000000000002）"
    assert tm_label("TM99999999999999") == "TM99999999999999"
    assert tk_label("TK00000200000190").endswith("（TK00000200000190）")
    assert tk_label("TK00000200000190") != "TK00000200000190"  # it has a name


def test_a_tax_clerk_is_offered_only_the_tax_rows_the_hub_allows(runtime: Runtime) -> None:
    rows = _allowed(runtime)
    assert rows and {r.basis for r in rows} == {"table"}
    tax = query_choices(frozenset({"tax"}), rows)
    assert tax and {c.jm for c in tax} <= {"JM01027000000000", "JM01000000121000"}
    welfare = query_choices(frozenset({"welfare"}), rows)
    assert ("JM01074000000000", "JT01074000000001", "TM00000000000002") in {
        (c.jm, c.jt, c.tm) for c in welfare
    }
    assert not {c.jm for c in welfare} & {c.jm for c in tax}
    assert query_choices(frozenset({"juki"}), rows) == []


def _load(session: Session, path: Path) -> tuple[int, int]:
    rows = permissions.parse_permissions(path.read_bytes(), source=path.name)
    return permissions.load_permissions(session, rows=rows, source=path.name)


def test_the_picker_shows_the_hubs_table_as_an_operator_changes_it(runtime: Runtime, tmp_path: Path) -> None:
    """The hub's table, not the shipped file: a hub whose operator loaded only their own table offers only it,
    and a row the operator adds later is offered on the next page load."""
    first = tmp_path / "table.csv"
    first.write_text(
        HEADER + "七十四,市町村長,JM01074000000000,児童手当法による児童手当又は特例給付の支給,"
        "JT01074000000002,額の改定,市町村長,TM00000000000002,地方税関係情報\n",
        encoding="utf-8",
    )
    with runtime.session("hub") as session:  # the hub's table holds only this file's row
        assert _load(session, first) == (1, 0)
    client, _ = logged_in(runtime, "welfare")
    page = client.get("/linkage/query").text
    assert "額の改定" in page and "JT01074000000002" in page
    assert "受給資格の認定（認定請求）" not in page  # in the shipped file, not in this hub's table
    assert "国民健康保険" not in page
    later = tmp_path / "added.csv"
    later.write_text(
        HEADER + "四十二,市町村長,JM01042000000000,国民健康保険法による保険給付の支給又は保険料の徴収,,,"
        "市町村長,TM00000000000001,住民票関係情報\n",
        encoding="utf-8",
    )
    with runtime.session("hub") as session:  # what an operator's add_permissions does to the table
        assert _load(session, later) == (1, 0)
    page = client.get("/linkage/query").text
    assert "国民健康保険法による保険給付の支給又は保険料の徴収" in page and "額の改定" in page


def test_the_query_form_offers_the_allowed_combinations_and_a_link_fills_it(runtime: Runtime) -> None:
    people = populate(runtime)
    client, _ = logged_in(runtime, "welfare")
    page = client.get("/linkage/query").text
    assert "児童手当法による児童手当又は特例給付の支給" in page and "受給資格の認定（認定請求）" in page
    assert "地方税の賦課徴収" not in page  # a tax 事務: not the welfare clerk's
    filled = client.get(
        "/linkage/query",
        params={
            "jm": "JM01074000000000",
            "jt": "JT01074000000001",
            "tm": "TM00000000000002",
            "atena": "000000000000001",
        },
    ).text
    assert 'value="JM01074000000000"' in filled and 'value="000000000000001"' in filled
    with runtime.municipal_session(CITY_A) as session:
        atena = addressee.link_system(session, integrated_number=people["太郎"][1], system="jidoteate")
    person = client.get(f"/addressee/{people['太郎'][1]}").text
    assert f"/linkage/query?atena={atena}&amp;system=jidoteate" in person and "照会する" in person


def test_a_coded_value_shows_its_label_when_the_layout_has_a_code_table() -> None:
    assert code_label("TK_UNKNOWN", "1") == "1"
