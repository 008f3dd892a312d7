"""The shape of a データ標準レイアウト: a layout per (特定個人情報名, 版), its data sets and their items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import Literal

ItemType = Literal["string", "digits", "integer", "date", "code"]


class ItemKind(IntEnum):
    """特定個人情報項目区分 (domain reference §1.5)."""

    HEADER = 1  # 情報HD: a heading that groups items; carries no value of its own
    REPEAT = 2  # 繰返し項目: a group that occurs 0..max_occurs times
    DATE = 3  # 日付項目
    SCALAR = 4  # 個別項目

    @property
    def label(self) -> str:
        return {1: "情報HD", 2: "繰返し項目", 3: "日付項目", 4: "個別項目"}[self.value]


@dataclass(frozen=True)
class Item:
    tk: str
    name: str
    kind: ItemKind
    type: ItemType | None = None  # None for groups
    required: bool = False
    max_length: int | None = None
    values: dict[str, str] = field(default_factory=dict)  # code → label, for type "code"
    max_occurs: int | None = None  # for repeating groups
    children: tuple[Item, ...] = ()

    @property
    def label(self) -> str:
        """How errors name an item: TK code and item name."""
        return f"{self.tk}（{self.name}）"

    @cached_property
    def child_index(self) -> dict[str, Item]:
        return {child.tk: child for child in self.children}

    @property
    def is_group(self) -> bool:
        return self.kind in (ItemKind.HEADER, ItemKind.REPEAT)


@dataclass(frozen=True)
class Dataset:
    number: str  # データセット番号, 4 digits
    name: str
    items: tuple[Item, ...]

    def walk(self) -> Iterator[Item]:
        """Every item, groups before their children."""
        stack = list(reversed(self.items))
        while stack:
            item = stack.pop()
            yield item
            stack.extend(reversed(item.children))

    @cached_property
    def members(self) -> tuple[Item, ...]:
        """`top_level()` computed once (validation runs per copy, often a million times)."""
        return tuple(self.top_level())

    @cached_property
    def member_index(self) -> dict[str, Item]:
        return {item.tk: item for item in self.members}

    @cached_property
    def header_codes(self) -> frozenset[str]:
        return frozenset(i.tk for i in self.walk() if i.kind == ItemKind.HEADER)

    def top_level(self) -> Iterator[Item]:
        """The items a copy carries directly: leaves outside repeating groups, and the repeating groups."""
        for item in self.items:
            if item.kind == ItemKind.HEADER:
                yield from _flatten_headers(item)
            else:
                yield item


def _flatten_headers(item: Item) -> Iterator[Item]:
    for child in item.children:
        if child.kind == ItemKind.HEADER:
            yield from _flatten_headers(child)
        else:
            yield child


@dataclass(frozen=True)
class Layout:
    tm_code: str
    name: str
    version: str  # 版番号, 4 digits
    edition: str  # e.g. 令和6年7月版
    valid_from: dt.date  # 版有効開始年月日
    valid_to: dt.date | None  # 版有効終了年月日 (None: open)
    datasets: tuple[Dataset, ...]

    def dataset(self, number: str) -> Dataset | None:
        return next((d for d in self.datasets if d.number == number), None)

    def item(self, tk: str) -> Item | None:
        return next((i for d in self.datasets for i in d.walk() if i.tk == tk), None)

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class LayoutInfo:
    tm_code: str
    name: str
    version: str
    edition: str
    valid_from: dt.date
    valid_to: dt.date | None
