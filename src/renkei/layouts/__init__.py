"""データ標準レイアウト: versioned layout definitions (TM/TK codes) as data files, and validation of copies against them.

Each file under `data/` is one 特定個人情報名 at one 版 (`<TM>_<版>.toml`) with its validity dates; a revision is
a new file. Public face:

- `list_layouts()` — every shipped layout (TM, 版, name, edition, validity);
- `load_layout(tm, version)` — one layout, or `NotFound`;
- `current_version(tm, on=date)` — the 版 valid on a date (today by default), or `NotFound`;
- `validate_copy(copy, tm=, version=, dataset=, on=, record=)` — the clean copy, or `Invalid` (one error) /
  `BatchRejected` (several), each naming the record, the item (TK code and name) and the reason;
- `tm_name(tm)` — the 特定個人情報名 of a TM code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from renkei.core import clock
from renkei.core.errors import NotFound
from renkei.core.ids import validate_tm
from renkei.layouts.loader import all_layouts, tm_name
from renkei.layouts.model import Dataset, Item, ItemKind, Layout, LayoutInfo
from renkei.layouts.validate import validate_layout_copy

__all__ = [
    "Dataset",
    "Item",
    "ItemKind",
    "Layout",
    "LayoutInfo",
    "current_version",
    "list_layouts",
    "load_layout",
    "tm_name",
    "validate_copy",
]


def list_layouts() -> list[LayoutInfo]:
    return [
        LayoutInfo(lay.tm_code, lay.name, lay.version, lay.edition, lay.valid_from, lay.valid_to)
        for _, lay in sorted(all_layouts().items())
    ]


def load_layout(tm: str, version: str) -> Layout:
    tm = validate_tm(tm)
    layout = all_layouts().get((tm, version))
    if layout is None:
        known = sorted(v for t, v in all_layouts() if t == tm)
        hint = f"（登録済みの版: {', '.join(known)}）" if known else ""
        raise NotFound(
            f"特定個人情報名「{tm}」の版「{version}」のレイアウトはありません{hint}",
            record=tm,
            field="版番号",
        )
    return layout


def current_version(tm: str, *, on: dt.date | None = None) -> str:
    """The 版 of `tm` valid on `on` (the latest starting one if validity periods overlap)."""
    tm = validate_tm(tm)
    day = on or clock.today()
    valid = sorted(
        (lay.valid_from, lay.version)
        for (t, _), lay in all_layouts().items()
        if t == tm and lay.valid_on(day)
    )
    if not valid:
        raise NotFound(
            f"特定個人情報名「{tm}」に {day.isoformat()} 時点で有効な版がありません",
            record=tm,
            field="版番号",
        )
    return valid[-1][1]


def validate_copy(
    copy: Mapping[str, Any],
    *,
    tm: str,
    version: str,
    dataset: str | None = None,
    on: dt.date | None = None,
    record: str | None = None,
) -> dict[str, Any]:
    """Check one copy (TK code → value) against its layout at `version`, valid on `on` (today by default)."""
    return validate_layout_copy(load_layout(tm, version), copy, dataset=dataset, on=on, record=record)
