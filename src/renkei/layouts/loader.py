"""Reading layout files (one TOML file per 特定個人情報名 and 版) and the TM catalogue from the package data."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

from renkei.core.errors import Invalid, NotFound
from renkei.core.ids import validate_tk, validate_tm
from renkei.layouts.model import Dataset, Item, ItemKind, Layout

_TYPES = ("string", "digits", "integer", "date", "code")


def _item(raw: dict[str, Any], source: str) -> Item:
    tk = validate_tk(str(raw.get("tk", "")), field=f"{source}: tk")
    try:
        kind = ItemKind(int(raw["kind"]))
    except (KeyError, ValueError) as exc:
        raise Invalid("項目区分は1〜4です", record=source, field=tk) from exc
    children = tuple(_item(child, source) for child in raw.get("items", ()))
    item_type = raw.get("type")
    if kind in (ItemKind.HEADER, ItemKind.REPEAT):
        if not children or item_type is not None:
            raise Invalid("情報HD・繰返し項目は子項目を持ち、型を持ちません", record=source, field=tk)
    elif item_type not in _TYPES or children:
        raise Invalid(f"型は {', '.join(_TYPES)} のいずれかです", record=source, field=tk)
    if kind == ItemKind.DATE and item_type != "date":
        raise Invalid("日付項目の型は date です", record=source, field=tk)
    if item_type == "code" and not raw.get("values"):
        raise Invalid("コード型の項目にはコード表（values）が必要です", record=source, field=tk)
    return Item(
        tk=tk,
        name=str(raw["name"]),
        kind=kind,
        type=item_type,
        required=bool(raw.get("required", False)),
        max_length=raw.get("max_length"),
        values={str(k): str(v) for k, v in raw.get("values", {}).items()},
        max_occurs=raw.get("max_occurs"),
        children=children,
    )


def parse_layout(data: dict[str, Any], source: str) -> Layout:
    datasets = tuple(
        Dataset(
            number=str(d["number"]),
            name=str(d["name"]),
            items=tuple(_item(i, source) for i in d.get("items", ())),
        )
        for d in data.get("datasets", ())
    )
    valid_to = data.get("valid_to")
    layout = Layout(
        tm_code=validate_tm(str(data.get("tm_code", "")), field=f"{source}: tm_code"),
        name=str(data["name"]),
        version=str(data["version"]),
        edition=str(data.get("edition", "")),
        valid_from=data["valid_from"],
        valid_to=valid_to,
        datasets=datasets,
    )
    if not (len(layout.version) == 4 and layout.version.isdigit()):
        raise Invalid("版番号は4桁の数字です", record=source, field="version")
    if not isinstance(layout.valid_from, dt.date) or not isinstance(valid_to, dt.date | None):
        raise Invalid("版有効開始日・終了日は日付で指定してください", record=source, field="valid_from")
    tks = [i.tk for d in datasets for i in d.walk()]
    duplicates = sorted({tk for tk in tks if tks.count(tk) > 1})
    if duplicates:
        raise Invalid(f"項目コードが重複しています: {', '.join(duplicates)}", record=source, field="tk")
    return layout


@lru_cache(maxsize=1)
def all_layouts() -> dict[tuple[str, str], Layout]:
    """Every shipped layout by (TM, 版), read once per process."""
    found: dict[tuple[str, str], Layout] = {}
    for entry in resources.files("renkei.layouts").joinpath("data").iterdir():
        if not entry.name.startswith("TM") or not entry.name.endswith(".toml"):
            continue
        layout = parse_layout(tomllib.loads(entry.read_text(encoding="utf-8")), entry.name)
        if entry.name != f"{layout.tm_code}_{layout.version}.toml":
            raise Invalid("ファイル名は <TM>_<版>.toml にしてください", record=entry.name, field="file")
        found[(layout.tm_code, layout.version)] = layout
    return found


@lru_cache(maxsize=1)
def catalogue() -> dict[str, str]:
    """特定個人情報名 by TM code, including those without a shipped layout."""
    text = resources.files("renkei.layouts").joinpath("data", "catalogue.toml").read_text(encoding="utf-8")
    return {str(t["code"]): str(t["name"]) for t in tomllib.loads(text)["tm"]}


def tm_name(tm_code: str) -> str:
    name = catalogue().get(tm_code)
    if name is None:
        raise NotFound(f"特定個人情報名コード「{tm_code}」は登録されていません", field="特定個人情報名コード")
    return name
