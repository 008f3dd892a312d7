"""Importing a governance workbook: every sheet checked, every error located, all of it or nothing.

Rows are written through the same service functions the pages use (one rule for both), inside the caller's
transaction; any error anywhere ends in BatchRejected listing them all, and the caller's rollback leaves the
database as it was. Figures the sheet states but renkei computes (資産価値, 総合評価, 残存評価, 総合, 優先順位)
are compared with the formulas; a disagreement is kept as a GovernanceDiscrepancy naming the sheet and row.
"""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from renkei.core.errors import BatchRejected, Invalid
from renkei.governance.excel import cells
from renkei.governance.excel.apply import APPLY
from renkei.governance.excel.cells import Where
from renkei.governance.excel.charts import SHEET as CHART_SHEET
from renkei.governance.excel.network_sheets import network_inventory_from_workbook, store_network
from renkei.governance.excel.rows import ImportReport, Rows
from renkei.governance.excel.sheets import (
    ASSETS,
    BY_SHEET,
    FLOWS,
    HOSTS,
    NETWORK_SETTING,
    RISKS,
    SEGMENTS,
    TABLES,
)
from renkei.governance.excel.tables import Sheet, Table, read

__all__ = ["ImportReport", "import_workbook", "network_inventory_from_workbook"]


def import_workbook(session: Session, *, data: bytes, filename: str = "") -> ImportReport:
    """Import every sheet of a governance workbook; BatchRejected (nothing kept) when any row is wrong."""
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise Invalid("Excelファイル（.xlsx）として読めません", record=filename or None) from exc
    errors: list[Invalid] = []
    found: dict[str, list[Sheet]] = {}
    for ws in book.worksheets:
        if ws.title == CHART_SHEET:  # charts renkei drew from the tables: nothing to import
            continue
        table = identify(ws.title, [cells.text(c.value) for row in ws.iter_rows(max_row=3) for c in row])
        if table is None:
            names = "、".join(t.sheet for t in TABLES)
            errors.append(
                Invalid(f"シート「{ws.title}」は取り込めません（取り込めるシート: {names}）", record=ws.title)
            )
            continue
        sheet = read(ws, table, errors)
        if sheet is not None:
            found.setdefault(table.sheet, []).append(sheet)
    if errors:
        raise BatchRejected("見出しに誤りがあるため、ファイル全体を取り込みませんでした", errors)
    report = ImportReport()
    for table in TABLES:
        keys: dict[str, Where] = {}
        for sheet in found.get(table.sheet, []):
            APPLY[table.sheet](session, Rows(sheet, errors, keys), report)
            report.counts[sheet.table.sheet] = report.counts.get(sheet.table.sheet, 0) + len(sheet.rows)
    network_sheets = {
        name: found.get(name, [])
        for name in (NETWORK_SETTING.sheet, SEGMENTS.sheet, HOSTS.sheet, FLOWS.sheet)
    }
    if any(network_sheets.values()):
        store_network(session, network_sheets, errors)
    if errors:
        raise BatchRejected("誤りがあるため、ファイル全体を取り込みませんでした", errors)
    return report


def identify(title: str, first_cells: list[str]) -> Table | None:
    """A sheet by its name, or a seed-shaped sheet by its title (情報資産取扱手順表(○○事務))."""
    if title in BY_SHEET:
        return BY_SHEET[title]
    for cell in first_cells:
        for table in (ASSETS, RISKS):
            if cell.startswith(table.title):
                return table
    return None
