"""Names for codes, and the choices a clerk may pick: layouts and code tables speak, the permission table limits.

Template globals: `tm_label(tm)` (特定個人情報名), `tk_label(tm, tk)` (item name, with its unit when the layout
gives one), `code_label(tm, tk, value)` (the code table's label) — each shows the name with the code beside it.
"""

from __future__ import annotations

import functools

from renkei import layouts
from renkei.core.errors import NotFound
from renkei.layouts.model import Item
from renkei.web.templating import templates


def tm_label(tm: str, *, short: bool = False) -> str:
    """特定個人情報名 with its code: 地方税関係情報（TM00000000000002）; `short`: the name alone."""
    try:
        name = layouts.tm_name(tm)
    except NotFound:  # an unknown code is shown as it is
        return tm
    return name if short else f"{name}（{tm}）"


@functools.cache
def _items() -> dict[str, Item]:
    found: dict[str, Item] = {}
    for info in layouts.list_layouts():
        layout = layouts.load_layout(info.tm_code, info.version)
        for dataset in layout.datasets:
            for item in dataset.walk():
                found.setdefault(item.tk, item)
    return found


def tk_label(tk: str) -> str:
    """Item name with its code: 課税標準額（TK00000200000190）; an unknown code as it is."""
    item = _items().get(tk)
    return f"{item.name}（{tk}）" if item else tk


def code_label(tk: str, value: object) -> str:
    """A coded value with its label from the layout's code table: 1（男）; other values as they are."""
    item = _items().get(tk)
    text = "" if value is None else str(value)
    if item and item.values and text in item.values:
        return f"{text}（{item.values[text]}）"
    return text


templates.env.globals["tm_label"] = tm_label
templates.env.globals["tk_label"] = tk_label
templates.env.globals["code_label"] = code_label
