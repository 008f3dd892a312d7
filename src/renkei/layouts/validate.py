"""Validation of a copy (副本) against its layout and version: every error names the record, the item and why.

A copy is a dict of TK code → value for one data set. Items under a 情報HD are given directly by their TK code
(a nested dict under the header's TK code is accepted too); a 繰返し項目 is a list of such dicts. Dates are
ISO yyyy-mm-dd; integers are ints or digit strings; None or "" is an empty value (ReasonOfNull).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from renkei.core import clock
from renkei.core.errors import BatchRejected, Invalid
from renkei.layouts.model import Dataset, Item, ItemKind, Layout

_INTEGER = re.compile(r"-?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")


def check_version(layout: Layout, *, on: dt.date, record: str | None) -> None:
    if not layout.valid_on(on):
        until = layout.valid_to.isoformat() if layout.valid_to else "—"
        raise Invalid(
            f"{layout.name}の版「{layout.version}」（{layout.edition}）は {on.isoformat()} に有効ではありません"
            f"（有効期間 {layout.valid_from.isoformat()}〜{until}）",
            record=record,
            field="版番号",
        )


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _scalar(item: Item, value: Any, prefix: str, record: str | None) -> Any:
    def bad(reason: str) -> Invalid:
        return Invalid(reason, record=record, field=f"{prefix}{item.label}")

    if item.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise bad(f"整数ではありません: {value!r}")
        text = str(value).strip()
        if not _INTEGER.fullmatch(text):
            raise bad(f"整数ではありません: {value!r}")
        if item.max_length is not None and len(text.lstrip("-")) > item.max_length:
            raise bad(f"桁数が上限（{item.max_length}桁）を超えています: {text}")
        return int(text)
    if item.type == "date":
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
            raise bad(f"日付（yyyy-mm-dd）ではありません: {value!r}")
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value.strip())
        except ValueError:
            raise bad(f"日付（yyyy-mm-dd）ではありません: {value!r}") from None
        return day.isoformat()
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise bad(f"文字列ではありません: {value!r}")
    text = str(value)
    if item.type == "code":
        if text not in item.values:
            allowed = "、".join(f"{k}:{v}" for k, v in item.values.items())
            raise bad(f"コード表にない値です: {text!r}（{allowed}）")
        return text
    if item.type == "digits" and not _DIGITS.fullmatch(text):
        raise bad(f"半角数字ではありません: {text!r}")
    if item.max_length is not None and len(text) > item.max_length:
        raise bad(f"文字数が上限（{item.max_length}文字）を超えています: {len(text)}文字")
    return text


def _flatten(values: Mapping[str, Any], headers: frozenset[str]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for tk, value in values.items():
        if tk in headers and isinstance(value, Mapping):
            flat.update(_flatten(value, headers))
        else:
            flat[tk] = value
    return flat


_REQUIRED: dict[int, tuple[dict[str, Item], tuple[Item, ...]]] = {}


def _required(known: dict[str, Item]) -> tuple[Item, ...]:
    """The required items of a level, found once per layout level (not by a walk over every item per copy)."""
    hit = _REQUIRED.get(id(known))
    if hit is None or hit[0] is not known:
        hit = (known, tuple(item for item in known.values() if item.required))
        _REQUIRED[id(known)] = hit
    return hit[1]


def _group(
    known: dict[str, Item],
    values: Mapping[str, Any],
    prefix: str,
    record: str | None,
    errors: list[Invalid],
) -> dict[str, Any]:
    """Validate one level (a copy or one occurrence of a repeating group); collect errors, return clean values."""
    clean: dict[str, Any] = {}
    for tk, value in values.items():
        item = known.get(tk)
        if item is None:
            errors.append(
                Invalid("データ標準レイアウトにない項目コードです", record=record, field=f"{prefix}{tk}")
            )
            continue
        if value is None or value == "":
            continue
        if item.kind == ItemKind.REPEAT:
            where = f"{prefix}{item.label}"
            if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
                errors.append(
                    Invalid("繰返し項目は項目の組のリストで指定してください", record=record, field=where)
                )
                continue
            if item.max_occurs is not None and len(value) > item.max_occurs:
                errors.append(
                    Invalid(
                        f"繰返し回数が上限（{item.max_occurs}回）を超えています", record=record, field=where
                    )
                )
                continue
            clean[tk] = [
                _group(item.child_index, occurrence, f"{where}[{n}].", record, errors)
                for n, occurrence in enumerate(value, start=1)
            ]
            continue
        try:
            clean[tk] = _scalar(item, value, prefix, record)
        except Invalid as error:
            errors.append(error)
    for item in _required(known):
        if _empty(values.get(item.tk)):
            errors.append(
                Invalid("必須項目が設定されていません", record=record, field=f"{prefix}{item.label}")
            )
    return clean


def validate_values(dataset: Dataset, values: Mapping[str, Any], *, record: str | None) -> dict[str, Any]:
    headers = dataset.header_codes
    flat = _flatten(values, headers) if headers and not headers.isdisjoint(values) else values
    errors: list[Invalid] = []
    clean = _group(dataset.member_index, flat, "", record, errors)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        rejected = BatchRejected(f"副本に {len(errors)} 件の誤りがあります", errors)
        rejected.record = record
        raise rejected
    return clean


def validate_layout_copy(
    layout: Layout,
    values: Mapping[str, Any],
    *,
    dataset: str | None = None,
    on: dt.date | None = None,
    record: str | None = None,
) -> dict[str, Any]:
    check_version(layout, on=on or clock.today(), record=record)
    if dataset is None:
        if len(layout.datasets) != 1:
            raise Invalid("データセット番号を指定してください", record=record, field="データセット番号")
        chosen = layout.datasets[0]
    else:
        found = layout.dataset(dataset)
        if found is None:
            raise Invalid(
                f"{layout.name}（版{layout.version}）にデータセット「{dataset}」はありません",
                record=record,
                field="データセット番号",
            )
        chosen = found
    return validate_values(chosen, values, record=record)
