"""The 事務事業評価シート as an Excel sheet in the seeds' layout, and read back (the round trip).

Columns: A the block's label or narrative, B the indicator letter (ア–オ), C the name, D the unit, E… one column per
年度 (the last is 見込). As seed 000 asks, only the coloured cells are meant to be typed in; 事業費計(A) and
トータルコスト(A)+(B) are filled in grey and checked against their formula on import.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid
from renkei.governance import evaluation as ev
from renkei.governance.excel.cells import norm_heading, number_cell, text
from renkei.governance.models_evaluation import GovernanceEvaluation
from renkei.governance.scales import parse_decimal

SHEET = "事務事業評価シート"
INPUT = PatternFill("solid", fgColor="FFF2CC")
COMPUTED = PatternFill("solid", fgColor="E7E6E6")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
FIRST_YEAR_COLUMN = 5
PROJECT_TOTAL = "事業費計(A)"
TOTAL_COST = "トータルコスト(A)+(B)"
PURPOSE_HEADING = "1. 現状把握の部 (1) 事務事業の目的と指標"
COST_HEADING = "(2) 総事業費の推移"
ENVIRONMENT_HEADING = "(3) 事務事業の環境変化・市民意見等"
ASSESSMENT_HEADING = "2. 評価の部（事後評価）"


def _figure(value: Decimal | str) -> int | float | str:
    if value == "":
        return ""
    return number_cell(Decimal(value))


def export_sheet(session: Session, sheet: GovernanceEvaluation) -> bytes:
    view = ev.view(session, sheet)
    book = Workbook()
    ws = book.active
    ws.title = SHEET
    for letter, width in zip("ABCDEFGHIJKL", (34, 5, 34, 7, 12, 12, 12, 12, 12, 12, 12, 12), strict=True):
        ws.column_dimensions[letter].width = width
    year_columns = [FIRST_YEAR_COLUMN + i for i in range(len(view.years))]

    def put(
        row: int, column: int, value: Any, *, fill: PatternFill | None = None, bold: bool = False
    ) -> None:
        cell = ws.cell(row=row, column=column, value=value)
        cell.alignment = WRAP
        if fill is not None:
            cell.fill = fill
        if bold:
            cell.font = BOLD

    put(
        1,
        1,
        f"{ev.year_label(sheet.fiscal_year, estimate=False)[:-4]} 事務事業評価シート【事後評価】",
        bold=True,
    )
    put(2, 1, "※色付きのセルのみ入力してください。また、行・列の挿入や削除は行わないでください。")
    rows: list[tuple[str, Any, bool]] = [
        ("事務事業名", sheet.name, True),
        ("事業コード", sheet.project_code, True),
        ("評価年度", sheet.fiscal_year, True),
        ("最初の年度", sheet.first_year, True),
        *((f, view.text(f), True) for f in ev.HEADER_FIELDS),
    ]
    r = 3
    for label, value, editable in rows:
        put(r, 1, label, bold=True)
        put(r, 3, value, fill=INPUT if editable else None)
        r += 1
    r += 1
    put(r, 1, PURPOSE_HEADING, bold=True)
    r += 1
    for _category, left, left_text, right, lines in view.blocks:
        put(r, 1, left, bold=True)
        put(r, 3, right, bold=True)
        r += 1
        put(r, 1, left_text, fill=INPUT)
        put(r, 3, "名称", bold=True)
        put(r, 4, "単位", bold=True)
        for column, year, estimate in zip(year_columns, view.years, view.estimates, strict=True):
            put(r, column, ev.year_label(year, estimate=estimate), bold=True)
        r += 1
        for line in lines:
            put(r, 2, line.letter)
            put(r, 3, line.name, fill=INPUT)
            put(r, 4, line.unit, fill=INPUT)
            for column, value in zip(year_columns, line.values, strict=True):
                put(r, column, _figure(value), fill=INPUT)
            r += 1
        r += 1
    put(r, 1, COST_HEADING, bold=True)
    put(r, 3, "項目", bold=True)
    put(r, 4, "単位", bold=True)
    for column, year, estimate in zip(year_columns, view.years, view.estimates, strict=True):
        put(r, column, ev.year_label(year, estimate=estimate), bold=True)
    r += 1
    cost_rows: list[tuple[str, str, bool]] = [(k, ev.COST_UNITS[k], True) for k in ev.SOURCES]
    cost_rows.append((PROJECT_TOTAL, "千円", False))
    cost_rows += [(k, ev.COST_UNITS[k], True) for k in ev.STAFF_ROWS]
    cost_rows.append((TOTAL_COST, "千円", False))
    for label, unit, editable in cost_rows:
        put(r, 3, label, bold=not editable)
        put(r, 4, unit)
        for column, costs in zip(year_columns, view.costs, strict=True):
            if label == PROJECT_TOTAL:
                figure: Any = number_cell(costs.project_total) if costs.values else ""
            elif label == TOTAL_COST:
                figure = number_cell(costs.total_cost) if costs.values else ""
            else:
                figure = number_cell(costs.values[label]) if label in costs.values else ""
            put(r, column, figure, fill=INPUT if editable else COMPUTED)
        r += 1
    r += 1
    put(r, 1, ENVIRONMENT_HEADING, bold=True)
    r += 1
    for field in ev.ENVIRONMENT_FIELDS:
        put(r, 1, field)
        put(r, 3, view.text(field), fill=INPUT)
        r += 1
    r += 1
    put(r, 1, ASSESSMENT_HEADING, bold=True)
    r += 1
    for field, choices in ev.CHOICES.items():
        put(r, 1, field, bold=True)
        put(r, 3, view.text(field), fill=INPUT)
        put(r, 5, "選択: " + " / ".join(choices))
        r += 1
        note = ev.NOTES.get(field)
        if note:
            put(r, 1, note)
            put(r, 3, view.text(note), fill=INPUT)
            r += 1
    put(r, 1, "総合評価", bold=True)
    put(r, 3, view.text("総合評価"), fill=INPUT)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class _Reader:
    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def cell(self, row: int, column: int) -> Any:
        values = self.rows[row - 1] if row - 1 < len(self.rows) else ()
        return values[column - 1] if column - 1 < len(values) else None

    def find(self, label: str, *, column: int = 1, start: int = 1) -> int:
        key = norm_heading(label)
        for number in range(start, len(self.rows) + 1):
            if norm_heading(self.cell(number, column)) == key:
                return number
        raise Invalid(f"「{label}」の行がありません（行・列を削除していませんか）", record=SHEET, field=label)

    def error(self, row: int, column: int, message: str, field: str) -> Invalid:
        return Invalid(message, record=f"{SHEET} {row}行", field=f"{field}（{get_column_letter(column)}列）")


def import_sheet(session: Session, *, data: bytes) -> GovernanceEvaluation:
    """Read a sheet written by `export_sheet` (and filled in by hand) back: texts, indicators, costs.

    All or nothing: a wrong year heading or a total that contradicts its formula rejects the file, naming the cell.
    """
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:
        raise Invalid("Excel（.xlsx）として読めません", field="ファイル") from exc
    if SHEET not in book.sheetnames:
        raise Invalid(f"シート「{SHEET}」がありません", field="シート")
    ws: Worksheet = book[SHEET]
    reader = _Reader([tuple(r) for r in ws.iter_rows(values_only=True)])

    def value_of(label: str) -> Any:
        return reader.cell(reader.find(label), 3)

    def year_of(label: str) -> int:
        row = reader.find(label)
        raw = text(reader.cell(row, 3))
        if not raw.isdigit():
            raise reader.error(row, 3, f"{label}は西暦の年で入力してください（入力値: {raw!r}）", label)
        return int(raw)

    fiscal_year, first_year = year_of("評価年度"), year_of("最初の年度")
    years = list(range(first_year, fiscal_year + 2))
    labels = [ev.year_label(y, estimate=y > fiscal_year) for y in years]
    texts = {f: text(value_of(f)) for f in ev.HEADER_FIELDS}

    def check_years(row: int) -> None:
        for offset, label in enumerate(labels):
            column = FIRST_YEAR_COLUMN + offset
            if norm_heading(reader.cell(row, column)) != norm_heading(label):
                raise reader.error(row, column, f"年度の見出しが違います（期待: {label}）", "年度")

    names: dict[str, list[str]] = {}
    values: list[tuple[str, str, str, dict[int, str]]] = []
    start = reader.find(PURPOSE_HEADING)
    for category, left, _right in ev.BLOCKS:
        row = reader.find(left, start=start)
        texts[left] = text(reader.cell(row + 1, 1))
        check_years(row + 1)
        names[category] = []
        for line in range(row + 2, row + 2 + ev.ROWS_PER_BLOCK):
            name, unit = text(reader.cell(line, 3)), text(reader.cell(line, 4))
            yearly = {y: text(reader.cell(line, FIRST_YEAR_COLUMN + i)) for i, y in enumerate(years)}
            if not name:
                if any(yearly.values()):
                    raise reader.error(line, 3, "値がありますが指標の名称が空です", "名称")
                continue
            names[category].append(name)
            values.append((category, name, unit, yearly))
        start = row + 2 + ev.ROWS_PER_BLOCK
    cost_row = reader.find(COST_HEADING)
    check_years(cost_row)
    costs: dict[str, dict[str, object]] = {str(y): {} for y in years}
    stated_totals: dict[str, dict[int, tuple[int, str]]] = {PROJECT_TOTAL: {}, TOTAL_COST: {}}
    for line in range(cost_row + 1, cost_row + 1 + len(ev.COST_INPUTS) + 2):
        label = text(reader.cell(line, 3))
        for i, y in enumerate(years):
            raw = text(reader.cell(line, FIRST_YEAR_COLUMN + i))
            if label in stated_totals:
                stated_totals[label][y] = (line, raw)
            elif label in ev.COST_INPUTS:
                costs[str(y)][label] = raw
            else:
                raise reader.error(line, 3, f"総事業費の項目ではありません: {label!r}", "項目")
    for field in ev.ENVIRONMENT_FIELDS:
        texts[field] = text(reader.cell(reader.find(field), 3))
    assessment = reader.find(ASSESSMENT_HEADING)
    for field in (*ev.CHOICES, *ev.NOTES.values(), "総合評価"):
        texts[field] = text(reader.cell(reader.find(field, start=assessment), 3))
    sheet = ev.upsert_evaluation(
        session,
        project_code=text(value_of("事業コード")),
        fiscal_year=fiscal_year,
        name=text(value_of("事務事業名")),
        first_year=first_year,
        texts=texts,
        indicator_names=names,
        costs={y: {k: v for k, v in row.items() if v} for y, row in costs.items() if any(row.values())},
    )
    view = ev.view(session, sheet)
    for i, (year, computed) in enumerate(zip(years, view.costs, strict=True)):
        for label, figure in ((PROJECT_TOTAL, computed.project_total), (TOTAL_COST, computed.total_cost)):
            line, raw = stated_totals[label].get(year, (cost_row, ""))
            stated = parse_decimal(raw.replace(",", ""), field=label, record=SHEET) if raw else None
            if stated is not None and stated != figure:
                raise reader.error(
                    line,
                    FIRST_YEAR_COLUMN + i,
                    f"{label}が内訳の合計 {figure} と一致しません（記載: {raw}）",
                    f"{year}年度",
                )
    estimates = {y: y > fiscal_year for y in years}
    for category, name, unit, yearly in values:
        try:
            ev.set_values(
                session, category=category, name=name, unit=unit, values=yearly, estimates=estimates
            )
        except Invalid as exc:
            raise Invalid(exc.message, record=f"{SHEET} {name}", field=exc.field) from None
    return sheet
