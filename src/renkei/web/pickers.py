"""Names for codes, and the choices a clerk may pick: layouts and code tables speak, the permission table limits.

Template globals: `tm_label(tm)` (特定個人情報名), `tk_label(tm, tk)` (item name, with its unit when the layout
gives one), `code_label(tm, tk, value)` (the code table's label) — each shows the name with the code beside it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from renkei import layouts
from renkei.core.errors import NotFound
from renkei.layouts.model import Item
from renkei.protocol.permissions import AllowedQuery
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


# -- the query form's pickers ---------------------------------------------------------------------------------
# Which 事務 each role's business system carries out (decision 0126): 税務 assesses local tax and pays the tax-based
# 給付金; 福祉 runs the benefit 事務 of the municipal 別表第二 rows.
ROLE_JIMU: dict[str, frozenset[str]] = {
    "tax": frozenset({"JM01027000000000", "JM01000000121000"}),
    "welfare": frozenset(
        {"JM01074000000000", "JM01042000000000", "JM01094000000000", "JM01116000000000", "JM01018000000000"}
    ),
}
MUNICIPALITY = "市町村長"


@dataclass(frozen=True)
class Choice:
    """One combination the hub's permission table allows a municipality's clerk to ask another municipality."""

    jm: str
    jm_name: str
    jt: str
    jt_name: str
    tm: str
    tm_name: str
    local_use_until: dt.date | None = None  # a 独自利用事務 entry (its 届出's last day), not a 別表第二 row
    local_use: bool = False

    def query(self, **extra: str) -> str:
        return urlencode(
            {"jm": self.jm, "jt": self.jt, "tm": self.tm, **{k: v for k, v in extra.items() if v}}
        )


def query_choices(roles: frozenset[str] | set[str], allowed: Iterable[AllowedQuery]) -> list[Choice]:
    """Combinations of (事務, 事務手続, 特定個人情報名) with a municipality as provider that the roles may ask, from
    the rows the hub says its table allows this municipality now (`HubClient.allowed_queries`)."""
    wanted = frozenset().union(*(ROLE_JIMU.get(r, frozenset()) for r in roles))
    found: dict[tuple[str, str, str], Choice] = {}
    for row in allowed:
        if row.provider != MUNICIPALITY:
            continue
        if row.basis == "table" and row.jimu_code not in wanted:
            continue
        # An empty 事務手続コード admits every 手続 of the 事務; offer its first serial (decision 0032's scheme).
        jt = row.procedure_code or f"JT01{row.jimu_code[4:7]}00000001"
        jt_name = row.procedure_name or "（事務手続の指定なし）"
        key = (row.jimu_code, jt, row.tm_code)
        local = row.basis == "local_use"
        found.setdefault(
            key,
            Choice(row.jimu_code, row.jimu_name, jt, jt_name, row.tm_code, row.tm_name, row.valid_to, local),
        )
    return sorted(found.values(), key=lambda c: (c.jm, c.jt, c.tm))


FORM_FIELDS = ("system", "atena", "jm", "jt", "provider", "tm")


def prefilled(defaults: dict[str, str], params: Mapping[str, str]) -> dict[str, str]:
    """The query form's values: the defaults, overridden by what a link put in the URL (bounded in length)."""
    return {k: (str(params.get(k) or defaults.get(k, "")))[:16] for k in FORM_FIELDS}


templates.env.globals["tm_label"] = tm_label
templates.env.globals["tk_label"] = tk_label
templates.env.globals["code_label"] = code_label
