"""ネットワーク分離の点検: each rule finds the rows that break it, and undefined segments are errors."""

from __future__ import annotations

import json

import pytest

from renkei.core.errors import BatchRejected
from renkei.governance import network
from renkei.governance.excel.importer import network_inventory_from_workbook
from renkei.governance.network import Flow, Host, Inventory, Segment
from renkei.runtime import Runtime
from tests.governance.builders import LG
from tests.governance.seed import save

SEGMENTS = [
    Segment("基幹系", network.MYNUMBER, ref="区画 基幹系"),
    Segment("庁内LAN", network.LGWAN_SIDE, ref="区画 庁内LAN"),
    Segment("ネット系", network.INTERNET_SIDE, ref="区画 ネット系"),
    Segment("県SC", network.SECURITY_CLOUD, ref="区画 県SC"),
    Segment("LGWAN", network.LGWAN, ref="区画 LGWAN"),
    Segment("インターネット", network.INTERNET, ref="区画 インターネット"),
]
GOOD_HOSTS = [Host("基幹端末", "基幹系", "端末", two_factor=True, export_blocked=True, ref="端末 基幹端末")]
GOOD_FLOWS = [
    Flow("F1", "基幹系", "LGWAN", "中間サーバー連携", ref="経路 F1"),
    Flow("F2", "庁内LAN", "基幹系", "申請データ取込", ref="経路 F2"),
    Flow("F3", "ネット系", "庁内LAN", "ファイル転送", sanitized=True, ref="経路 F3"),
    Flow("F4", "県SC", "インターネット", "通信", ref="経路 F4"),
    Flow("F5", "庁内LAN", "ネット系", "画面転送", ref="経路 F5"),
]


def inventory(
    *, model: str = "α", hosts: list[Host] | None = None, flows: list[Flow] | None = None
) -> Inventory:
    return Inventory(model, list(SEGMENTS), GOOD_HOSTS + (hosts or []), GOOD_FLOWS + (flows or []))


def rules(found: list[network.Finding]) -> list[tuple[str, list[str]]]:
    return [(f.rule, f.rows) for f in found]


def test_a_separated_network_has_no_findings() -> None:
    assert network.check(inventory()) == []


def test_a_flow_between_the_mynumber_segment_and_another_is_found() -> None:
    found = network.check(inventory(flows=[Flow("F9", "基幹系", "庁内LAN", "ファイル転送", ref="経路 F9")]))
    assert rules(found) == [("N1", ["経路 F9", "区画 基幹系", "区画 庁内LAN"])]
    assert found[0].rule_text.startswith("マイナンバー利用事務系は他の領域と通信しない")


def test_intake_goes_only_into_the_mynumber_segment() -> None:
    found = network.check(inventory(flows=[Flow("F9", "基幹系", "庁内LAN", "申請データ取込", ref="経路 F9")]))
    assert [f.rule for f in found] == ["N1"]


def test_a_mynumber_terminal_without_two_factor_login_or_export_block_is_found() -> None:
    host = Host("予備端末", "基幹系", "端末", two_factor=False, export_blocked=False, ref="端末 予備端末")
    assert rules(network.check(inventory(hosts=[host]))) == [
        ("N2", ["端末 予備端末"]),
        ("N3", ["端末 予備端末"]),
    ]


def test_a_server_in_the_mynumber_segment_needs_no_two_factor_login() -> None:
    assert network.check(inventory(hosts=[Host("宛名サーバ", "基幹系", "サーバ", ref="s")])) == []


def test_file_transfer_into_lgwan_without_sanitising_is_found() -> None:
    flows = [
        Flow("F9", "ネット系", "庁内LAN", "ファイル転送", ref="経路 F9"),
        Flow("F10", "インターネット", "LGWAN", "メール", ref="経路 F10"),
        Flow("F11", "庁内LAN", "ネット系", "ファイル転送", ref="経路 F11"),  # outbound: not this rule
    ]
    assert [f.rows[0] for f in network.check(inventory(flows=flows)) if f.rule == "N4"] == [
        "経路 F9",
        "経路 F10",
    ]


def test_internet_egress_outside_the_security_cloud_is_found() -> None:
    found = network.check(inventory(flows=[Flow("F9", "ネット系", "インターネット", "通信", ref="経路 F9")]))
    assert rules(found) == [("N5", ["経路 F9", "区画 ネット系", "区画 インターネット"])]


def test_local_breakout_is_allowed_only_in_the_alpha_prime_model() -> None:
    breakout = [Flow("F9", "庁内LAN", "インターネット", "特定クラウド利用", ref="経路 F9")]
    assert [f.rule for f in network.check(inventory(model="α", flows=breakout))] == ["N5"]
    assert network.check(inventory(model="α'", flows=breakout)) == []


def test_alpha_keeps_staff_terminals_out_of_the_internet_segment_and_browses_by_screen_transfer() -> None:
    terminal = Host("職員端末", "ネット系", "端末", two_factor=True, ref="端末 職員端末")
    browse = Flow("F9", "庁内LAN", "ネット系", "Web閲覧", ref="経路 F9")
    assert [f.rule for f in network.check(inventory(model="α", hosts=[terminal], flows=[browse]))] == [
        "N6",
        "N6",
    ]
    assert network.check(inventory(model="β", hosts=[terminal], flows=[browse])) == []


def test_beta_terminals_in_the_internet_segment_need_two_factor_login() -> None:
    terminal = Host("職員端末", "ネット系", "端末", two_factor=False, ref="端末 職員端末")
    assert rules(network.check(inventory(model="β'", hosts=[terminal]))) == [("N7", ["端末 職員端末"])]


def test_references_to_undefined_segments_are_errors() -> None:
    bad = inventory(hosts=[Host("端末X", "どこか", "端末", ref="ホスト・端末 5行")],
                    flows=[Flow("F9", "庁内LAN", "謎の区画", "通信", ref="通信経路 9行")])  # fmt: skip
    with pytest.raises(BatchRejected) as caught:
        network.check(bad)
    assert [str(e) for e in caught.value.errors] == [
        "[record ホスト・端末 5行, field 区画] 定義されていない区画です: 'どこか'",
        "[record 通信経路 9行, field 宛先区画] 定義されていない区画です: '謎の区画'",
    ]


def test_a_json_network_file_names_the_rows_of_its_errors() -> None:
    text = json.dumps({"model": "β", "segments": [{"区画名": "庁内LAN", "区分": "LGWAN接続系"}],
                       "flows": [{"経路ID": "F1", "送信元区画": "庁内LAN", "宛先区画": "外", "種別": "通信"}]})  # fmt: skip
    with pytest.raises(BatchRejected) as caught:
        network.inventory_from_json(text)
    assert [str(e) for e in caught.value.errors] == [
        "[record flows[1], field 宛先区画] 定義されていない区画です: '外'"
    ]


def test_a_workbook_network_file_names_sheet_row_and_column(runtime: Runtime) -> None:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "ネットワーク区画"
    ws.append(["ネットワーク区画"])
    ws.append(["区画名", "区分", "備考"])
    ws.append(["庁内LAN", "LGWAN接続系", ""])
    ws = book.create_sheet("通信経路")
    ws.append(["許可している通信経路"])
    ws.append(["経路ID", "送信元区画", "宛先区画", "種別", "目的", "無害化"])
    ws.append(["F1", "庁内LAN", "外部", "通信", "", ""])
    with pytest.raises(BatchRejected) as caught:
        network_inventory_from_workbook(save(book))
    assert [str(e) for e in caught.value.errors] == [
        "[record 通信経路 3行, field 宛先区画（C列）] 定義されていない区画です: '外部'"
    ]


def test_the_stored_inventory_is_checked_with_its_names(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        network.replace_inventory(session, inventory(flows=[Flow("F9", "基幹系", "ネット系", "通信")]))
    with runtime.municipal_session(LG) as session:
        stored = network.load_inventory(session)
    assert stored.device_count == 1
    assert rules(network.check(stored)) == [
        ("N1", ["通信経路 F9", "ネットワーク区画 基幹系", "ネットワーク区画 ネット系"])
    ]
