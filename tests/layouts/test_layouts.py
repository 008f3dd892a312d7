"""データ標準レイアウト: versions by date, and each kind of bad copy named by record, item and reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from renkei.core.errors import BatchRejected, Invalid, NotFound
from renkei.layouts import ItemKind, current_version, list_layouts, load_layout, tm_name, validate_copy

TAX = "TM00000000000002"
JUMINHYO = "TM00000000000001"
CHILD = "TM00000000000010"
ON = dt.date(2025, 6, 1)


def tax_copy(**changes: Any) -> dict[str, Any]:
    copy: dict[str, Any] = {
        "TK00000200000010": 2025,
        "TK00000200000020": "3",
        "TK00000200000190": 3_200_000,
        "TK00000200000310": 5000,
        "TK00000200000320": "128000",
        "TK00000200000400": [{"TK00000200000410": "2", "TK00000200000420": "2016-05-05"}],
    }
    copy.update(changes)
    return copy


def test_the_shipped_layouts_cover_tax_residence_and_child_allowance() -> None:
    shipped = {(info.tm_code, info.version) for info in list_layouts()}
    assert {(TAX, "0001"), (TAX, "0002"), (JUMINHYO, "0001"), (CHILD, "0001")} <= shipped
    assert tm_name(TAX) == "地方税関係情報"
    household = load_layout(JUMINHYO, "0001").item("TK00000100000300")
    assert household is not None and household.kind == ItemKind.REPEAT and household.name == "世帯員"


def test_a_revision_is_a_new_file_and_the_current_version_follows_the_date() -> None:
    assert current_version(TAX, on=dt.date(2024, 1, 15)) == "0001"
    assert current_version(TAX, on=ON) == "0002"
    assert load_layout(TAX, "0002").item("TK00000200000322") is not None
    assert load_layout(TAX, "0001").item("TK00000200000322") is None
    with pytest.raises(NotFound):
        current_version(CHILD, on=dt.date(2020, 1, 1))


def test_a_good_copy_comes_back_normalised() -> None:
    clean = validate_copy(tax_copy(), tm=TAX, version="0002", on=ON, record="R1")
    assert clean["TK00000200000320"] == 128000
    assert clean["TK00000200000400"] == [{"TK00000200000410": "2", "TK00000200000420": "2016-05-05"}]


def test_items_may_be_nested_under_their_header() -> None:
    copy = tax_copy()
    copy["TK00000200000300"] = {"TK00000200000310": copy.pop("TK00000200000310"), "TK00000200000320": "1"}
    assert validate_copy(copy, tm=TAX, version="0002", on=ON)["TK00000200000310"] == 5000


def _error(copy: dict[str, Any], **kwargs: Any) -> Invalid:
    with pytest.raises(Invalid) as caught:
        validate_copy(copy, **{"tm": TAX, "version": "0002", "on": ON, "record": "R9", **kwargs})
    assert not isinstance(caught.value, BatchRejected), str(caught.value)
    assert caught.value.record == "R9"
    return caught.value


def test_an_unknown_item_code_is_named() -> None:
    error = _error(tax_copy(TK00000200009999=1))
    assert error.field == "TK00000200009999" and "レイアウトにない項目コード" in error.message


def test_a_wrong_type_is_named_with_the_item() -> None:
    error = _error(tax_copy(TK00000200000190="三百万"))
    assert error.field == "TK00000200000190（合計所得金額）" and "整数ではありません" in error.message
    error = _error(tax_copy(TK00000200000500="2025/04/01"))
    assert error.field == "TK00000200000500（更正年月日）" and "日付" in error.message
    error = _error(tax_copy(TK00000200000020="9"))
    assert error.field == "TK00000200000020（課税区分）" and "コード表にない値" in error.message


def test_a_missing_required_item_is_named() -> None:
    copy = tax_copy()
    del copy["TK00000200000310"]
    error = _error(copy)
    assert (
        error.field == "TK00000200000310（市町村民税均等割額）"
        and error.message == "必須項目が設定されていません"
    )


def test_a_missing_item_inside_a_repeating_group_names_the_occurrence() -> None:
    error = _error(tax_copy(TK00000200000400=[{"TK00000200000410": "2"}]))
    assert error.field == "TK00000200000400（扶養親族）[1].TK00000200000420（扶養親族の生年月日）"


def test_a_value_too_long_is_named() -> None:
    error = _error(tax_copy(TK00000200000010=20251))
    assert error.field == "TK00000200000010（課税年度）" and "4桁" in error.message
    household = {
        "TK00000100000010": "2025-04-01",
        "TK00000100000110": "2020-01-01",
        "TK00000100000120": "02",
        "TK00000100000210": "長" * 61,
        "TK00000100000220": 1,
    }
    error = _error(household, tm=JUMINHYO, version="0001")
    assert error.field == "TK00000100000210（世帯主氏名）" and "60文字" in error.message


def test_a_copy_under_an_expired_version_is_refused() -> None:
    error = _error(tax_copy(), version="0001")
    assert error.field == "版番号" and "0001" in error.message and "2024-06-30" in error.message
    assert validate_copy(tax_copy(), tm=TAX, version="0001", on=dt.date(2024, 5, 1))


def test_an_unknown_version_or_dataset_is_refused() -> None:
    with pytest.raises(NotFound) as caught:
        validate_copy(tax_copy(), tm=TAX, version="0009", on=ON)
    assert "0001, 0002" in caught.value.message
    assert _error(tax_copy(), dataset="0999").field == "データセット番号"


def test_several_errors_are_reported_together() -> None:
    with pytest.raises(BatchRejected) as caught:
        validate_copy({"TK00000200000010": "x"}, tm=TAX, version="0002", on=ON, record="R2")
    fields = [e.field for e in caught.value.errors]
    assert "TK00000200000010（課税年度）" in fields and "TK00000200000190（合計所得金額）" in fields
    assert caught.value.record == "R2"


def test_the_household_layout_takes_members_as_a_repeating_group() -> None:
    household = {
        "TK00000100000010": "2025-04-01",
        "TK00000100000110": "2020-01-01",
        "TK00000100000120": "02",
        "TK00000100000210": "千代田 一郎",
        "TK00000100000220": 2,
        "TK00000100000300": [
            {"TK00000100000310": "千代田 一郎", "TK00000100000320": "02", "TK00000100000330": "1985-01-02"},
            {"TK00000100000310": "千代田 花子", "TK00000100000320": "05", "TK00000100000330": "2016-03-04"},
        ],
    }
    clean = validate_copy(household, tm=JUMINHYO, version="0001", on=ON)
    assert len(clean["TK00000100000300"]) == 2


def test_a_malformed_layout_file_is_refused_with_its_name() -> None:
    from renkei.layouts.loader import parse_layout

    base: dict[str, Any] = {
        "tm_code": TAX,
        "name": "試験",
        "version": "0003",
        "valid_from": dt.date(2025, 1, 1),
        "datasets": [{"number": "0101", "name": "x", "items": []}],
    }
    item = {"tk": "TK00000200000010", "name": "a", "kind": 4, "type": "integer"}
    assert parse_layout({**base, "datasets": [{"number": "0101", "name": "x", "items": [item]}]}, "ok.toml")
    bad_cases = [
        {**item, "kind": 7},
        {**item, "type": "float"},
        {**item, "kind": 3},
        {**item, "type": "code"},
        {**item, "kind": 2},
    ]
    for bad in bad_cases:
        with pytest.raises(Invalid) as caught:
            parse_layout({**base, "datasets": [{"number": "0101", "name": "x", "items": [bad]}]}, "bad.toml")
        assert caught.value.record == "bad.toml"
    with pytest.raises(Invalid):
        parse_layout(
            {**base, "datasets": [{"number": "0101", "name": "x", "items": [item, item]}]}, "dup.toml"
        )
    with pytest.raises(Invalid):
        parse_layout({**base, "version": "3"}, "v.toml")
