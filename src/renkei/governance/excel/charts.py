"""Native Excel charts for the governance workbook: the risk matrix (before and after 対策) and 進捗 per 事務.

The chart sheet holds its own small tables (the charts' data ranges), so the charts stay live in Excel and the
importer, which reads only the table sheets by their headings, ignores the sheet.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.workbook import Workbook
from sqlalchemy.orm import Session

from renkei.governance import register

SHEET = "グラフ"
PROGRESS = (
    ("progress_flow", "業務フロー"),
    ("progress_personal_info", "個人情報"),
    ("progress_risk", "リスク分析"),
    ("progress_linkage", "連携"),
    ("progress_ordinance", "条例等"),
    ("progress_pia", "評価"),
)


def add_chart_sheet(book: Workbook, session: Session) -> None:
    """A sheet with the risk matrix as a bar chart per 脅威×脆弱性 cell and a 進捗 chart per 事務."""
    ws = book.create_sheet(SHEET)
    ws.append(["リスクマトリクス（脅威評価×脆弱性評価ごとのリスク件数）"])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(["脅威×脆弱性", "対策前", "対策後"])
    heat = register.heat_map(register.list_risks(session))
    for threat in (3, 2, 1):
        for vulnerability in (3, 2, 1):
            ws.append([
                f"脅威{threat}×脆弱性{vulnerability}",
                heat.cell(threat, vulnerability),
                heat.cell(threat, vulnerability, residual=True),
            ])  # fmt: skip
    risk = BarChart()
    risk.type = "col"
    risk.title = "リスクマトリクス（件数）"
    risk.y_axis.title = "件数"
    risk.x_axis.title = "脅威×脆弱性"
    risk.add_data(Reference(ws, min_col=2, max_col=3, min_row=2, max_row=11), titles_from_data=True)
    risk.set_categories(Reference(ws, min_col=1, min_row=3, max_row=11))
    risk.width, risk.height = 22, 9
    ws.add_chart(risk, "E2")

    start = 14
    ws.cell(row=start, column=1, value="進捗管理（完了した工程の数、6工程中）").font = Font(
        bold=True, size=12
    )
    ws.cell(row=start + 1, column=1, value="事務")
    ws.cell(row=start + 1, column=2, value="完了工程数")
    jimus = register.list_jimu(session)
    for offset, jimu in enumerate(jimus, start=2):
        done = sum(1 for column, _ in PROGRESS if getattr(jimu, column) in ("〇", "○"))
        ws.cell(row=start + offset, column=1, value=jimu.name)
        ws.cell(row=start + offset, column=2, value=done)
    if jimus:
        progress = BarChart()
        progress.type = "bar"
        progress.title = "事務ごとの進捗（完了工程数）"
        progress.x_axis.title = "事務"
        progress.y_axis.title = "完了工程数"
        progress.y_axis.scaling.min, progress.y_axis.scaling.max = 0, len(PROGRESS)
        last = start + 1 + len(jimus)
        progress.add_data(Reference(ws, min_col=2, min_row=start + 1, max_row=last), titles_from_data=True)
        progress.set_categories(Reference(ws, min_col=1, min_row=start + 2, max_row=last))
        progress.width, progress.height = 22, 9
        ws.add_chart(progress, f"E{start}")
    ws.column_dimensions["A"].width = 30
