"""A sheet as a table: its headings (the seeds' own), finding the header row, and refusing moved or renamed columns."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from renkei.core.errors import Invalid
from renkei.governance.excel.cells import Where, norm_heading, text


@dataclass(frozen=True)
class Col:
    heading: str
    optional: bool = False  # may be absent (e.g. 事務 on a seed-shaped sheet of one 事務)
    computed: bool = False  # written on export, compared on import, never stored


@dataclass(frozen=True)
class Table:
    sheet: str
    title: str
    columns: tuple[Col, ...]
    # Words in the first cell that end the table (the seed's legend under the リスク分析表).
    stop_words: tuple[str, ...] = ()
    # Headings beyond `columns` the sheet may have, e.g. one column per year: 2024年度(実績).
    extra: str | None = None

    @property
    def headings(self) -> list[str]:
        return [c.heading for c in self.columns]


@dataclass
class Sheet:
    """A read table: where its columns are, its title row, and its data rows."""

    table: Table
    columns: dict[str, int]  # normalised heading → column number (1-based)
    title_cells: list[str]
    rows: list[tuple[Where, dict[str, Any]]]

    def has(self, heading: str) -> bool:
        return norm_heading(heading) in self.columns


def read(ws: Worksheet, table: Table, errors: list[Invalid]) -> Sheet | None:
    """Read `ws` as `table`; heading problems go to `errors` (naming sheet, row and column) and give None."""
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    wanted = {norm_heading(h): h for h in table.headings}
    anchors = {norm_heading(c.heading) for c in table.columns if not (c.optional or c.computed)}
    header_index = None
    for i, row in enumerate(grid[:8]):
        present = {norm_heading(v) for v in row if text(v)}
        if len(present & anchors) >= max(1, len(anchors) // 2):
            header_index = i
            break
    if header_index is None:
        errors.append(
            Invalid(
                f"見出し行が見つかりません（必要な列: {'、'.join(c.heading for c in table.columns if not c.optional)}）",
                record=ws.title,
            )
        )
        return None
    header_row = header_index + 1
    columns: dict[str, int] = {}
    unknown: list[tuple[str, int]] = []
    for index, value in enumerate(grid[header_index], start=1):
        heading = norm_heading(value)
        if not heading:
            continue
        if (heading in wanted and heading not in columns) or (
            table.extra and re.fullmatch(table.extra, heading) and heading not in columns
        ):
            columns[heading] = index
        else:
            unknown.append((text(value), index))
    before = len(errors)
    where = f"{ws.title} {header_row}行"
    missing = [
        c.heading
        for c in table.columns
        if not (c.optional or c.computed) and norm_heading(c.heading) not in columns
    ]
    strangers = "、".join(f"「{h}」（{get_column_letter(i)}列）" for h, i in unknown)
    for heading in missing:
        hint = f"。認識できない見出し {strangers} があります（列名が変わっていませんか）" if unknown else ""
        errors.append(Invalid(f"列「{heading}」がありません{hint}", record=where, field=heading))
    if unknown and not missing:
        errors.append(
            Invalid(
                f"認識できない列があります: {strangers}（列名の変更・列の追加はできません）", record=where
            )
        )
    order = [norm_heading(h) for h in table.headings if norm_heading(h) in columns]
    actual = sorted(order, key=lambda h: columns[h])
    if not missing and order != actual:
        positions = sorted(columns[h] for h in order)
        for heading, expected in zip(order, positions, strict=True):
            if columns[heading] != expected:
                errors.append(
                    Invalid(
                        f"列「{wanted[heading]}」は{get_column_letter(expected)}列にあるはずが"
                        f"{get_column_letter(columns[heading])}列にあります（列が移動しています）",
                        record=where,
                        field=wanted[heading],
                    )
                )
    if len(errors) > before:
        return None
    rows = []
    for offset, row in enumerate(grid[header_index + 1 :], start=header_row + 1):
        values = [text(v) for v in row]
        if not any(values):
            break
        if table.stop_words and values and values[0] in table.stop_words and not any(values[1:]):
            break
        data = {h: (row[i - 1] if i - 1 < len(row) else None) for h, i in columns.items()}
        rows.append((Where(ws.title, offset, columns), data))
    title_cells = [text(v) for r in grid[:header_index] for v in r if text(v)]
    return Sheet(table, columns, title_cells, rows)


def title_subject(cells: list[str], title: str) -> str | None:
    """The 事務 in a seed-shaped title: 情報資産取扱手順表(軽自動車税の減免申請に係る事務) → 軽自動車税の減免申請に係る事務."""
    for cell in cells:
        match = re.match(rf"^{re.escape(title)}\s*[（(](?P<subject>.+)[）)]\s*$", cell)
        if match:
            return match.group("subject").strip()
    return None


def title_date(cells: list[str]) -> str | None:
    for cell in cells:
        match = re.match(r"^日付\s*[:：]\s*(?P<date>.+)$", cell)
        if match:
            return match.group("date").strip()
    return None


def iter_values(sheet: Sheet, *headings: str) -> Iterator[tuple[Where, list[Any]]]:
    for where, data in sheet.rows:
        yield where, [data.get(norm_heading(h)) for h in headings]
