"""Exporting everything to one workbook: the rows of each sheet, computed columns filled in and shaded."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.governance import incidents, indicators, issues, network, pia, register, scales, training
from renkei.governance.excel.cells import mark, number_cell, show_timestamp
from renkei.governance.excel.charts import add_chart_sheet
from renkei.governance.excel.sheets import (
    ASSETS,
    ATTENDANCE,
    FILES,
    FLOWS,
    HANDLERS,
    HOSTS,
    INCIDENTS,
    INDICATORS,
    ISSUES,
    JIMU,
    NETWORK_SETTING,
    PLANS,
    PROGRESS,
    RISKS,
    SECTIONS,
    SEGMENTS,
    SESSIONS,
    TABLES,
    circled,
)
from renkei.governance.excel.tables import Table


def rows_of(session: Session, table: Table) -> list[list[Any]]:
    """The data rows of `table` as export writes them (computed columns filled in)."""
    today = clock.today()
    if table is JIMU:
        return [
            [j.name, j.kind, j.basis, j.department, j.procedures_dated_on, j.risks_dated_on]
            for j in register.list_jimu(session)
        ]
    if table is PROGRESS:
        return [
            [j.name, *(getattr(j, c) for c, _ in scales.PROGRESS_COLUMNS)]
            for j in register.list_jimu(session)
        ]
    if table is FILES:
        out: list[list[Any]] = []
        for f in register.list_files(session):
            state = pia.status(f, today=today)
            out.append(
                [
                    f.name,
                    f.jimu.name,
                    f.tm_code,
                    f.subject_count,
                    f.handler_count,
                    mark(f.serious_incident),
                    f.last_published_on,
                    state.level.value,
                    state.due_on,
                ]
            )
        return out
    if table is SECTIONS:
        return [
            [f.name, name, status]
            for f in register.list_files(session)
            for name, status in f.sections.items()
        ]
    if table is ASSETS:
        return [
            [
                v.asset.jimu.name,
                v.asset.code,
                v.asset.name,
                v.asset.medium,
                v.asset.stage,
                v.asset.handling,
                v.asset.procedure,
                v.asset.function,
                v.asset.responsible,
                v.asset.responsible_task,
                v.asset.handler,
                v.asset.handler_task,
                v.asset.note,
                v.asset.confidentiality,
                v.asset.integrity,
                v.asset.availability,
                v.value,
            ]
            for v in register.list_assets(session)
        ]
    if table is RISKS:
        return [
            [
                r.risk.asset.jimu.name,
                r.risk.asset.code,
                r.risk.asset.name,
                r.value,
                r.risk.vulnerability,
                r.risk.vulnerability_rating,
                r.risk.threat,
                r.risk.function,
                r.risk.threat_rating,
                r.total,
                scales.format_measures(r.measures),
                r.risk.residual_risk,
                number_cell(r.residual),
                r.risk.accepted_by or "",
                show_timestamp(r.risk.accepted_at),
            ]
            for r in register.list_risks(session)
        ]
    if table is ISSUES:
        return [
            [
                v.rank,
                v.issue.title,
                f"{circled(v.issue.number)} {v.issue.point}".rstrip(),
                number_cell(v.impact),
                number_cell(v.compliance),
                number_cell(v.ease),
                number_cell(v.total),
            ]
            for v in sorted(issues.ranked_issues(session), key=lambda v: v.issue.number)
        ]
    if table is HANDLERS:
        duty = {d.handler.id: d for d in training.duties(session, today=today)}
        return [
            [
                h.code,
                h.name,
                h.department,
                h.assigned_on,
                mark(h.active),
                "\n".join(f.name for f in h.files),
                duty[h.id].last_trained_on if h.id in duty else None,
                duty[h.id].due_on if h.id in duty else None,
            ]
            for h in training.list_handlers(session)
        ]
    if table is PLANS:
        return [[p.code, p.fiscal_year, p.title, p.audience, p.content] for p in training.list_plans(session)]
    if table is SESSIONS:
        return [
            [s.code, s.plan.code, s.held_on, s.title, s.hours, s.place]
            for s in training.list_sessions(session)
        ]
    if table is ATTENDANCE:
        return [[a.training.code, a.handler.code, a.handler.name] for a in training.list_attendance(session)]
    if table is INCIDENTS:
        out = []
        for i in sorted(incidents.list_incidents(session), key=lambda i: i.code):
            due = incidents.deadlines(i, today=today)
            out.append(
                [
                    i.code,
                    i.title,
                    i.description,
                    show_timestamp(i.aware_at),
                    show_timestamp(i.reported_at),
                    show_timestamp(i.triaged_at),
                    show_timestamp(i.contained_at),
                    show_timestamp(i.recovered_at),
                    show_timestamp(i.closed_at),
                    i.lessons,
                    mark(i.involves_mynumber),
                    i.affected_count,
                    mark(i.unlawful_purpose),
                    mark(i.via_network_system),
                    mark(i.publicly_viewable),
                    show_timestamp(i.prompt_reported_at),
                    show_timestamp(i.final_reported_at),
                    due.prompt_due,
                    due.final_due,
                ]
            )
        return out
    inventory = network.load_inventory(session)
    if table is NETWORK_SETTING:
        return [["ネットワークモデル", inventory.model]]
    if table is SEGMENTS:
        return [[s.name, s.zone, s.note] for s in inventory.segments]
    if table is HOSTS:
        return [
            [h.name, h.segment, h.kind, h.count, mark(h.two_factor), mark(h.export_blocked)]
            for h in inventory.hosts
        ]
    if table is FLOWS:
        return [
            [f.code, f.source, f.destination, f.kind, f.purpose, mark(f.sanitized)] for f in inventory.flows
        ]
    raise ValueError(table.sheet)


def indicator_grid(session: Session) -> tuple[list[str], list[list[Any]]]:
    """政策指標 as seed 004 lays it out: one column per year, (実績) or (見込); mixed years get both columns."""
    years, rows = indicators.table(session)
    columns: list[tuple[int, bool]] = []
    for year in years:
        for estimate in (False, True):
            if any(r.values.get(year, ("", not estimate))[1] == estimate for r in rows if year in r.values):
                columns.append((year, estimate))
    headings = [f"{y}年度({'見込' if e else '実績'})" for y, e in columns]
    grid = []
    for r in rows:
        cells: list[Any] = [r.category, r.name, r.unit]
        for year, estimate in columns:
            value = r.values.get(year)
            cells.append(
                number_cell(scales.parse_decimal(value[0], field="値"))
                if value and value[1] == estimate
                else None
            )
        grid.append(cells)
    return headings, grid


HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
COMPUTED_FILL = PatternFill("solid", fgColor="F2F2F2")


def export_workbook(session: Session) -> bytes:
    """Every governance table in one workbook (`renkei governance export`); computed columns are shaded."""
    book = Workbook()
    book.remove(book.active)
    for table in TABLES:
        ws = book.create_sheet(table.sheet)
        headings = table.headings
        if table is INDICATORS:
            extra, rows = indicator_grid(session)
            headings = [*headings, *extra]
        else:
            rows = rows_of(session, table)
        ws.append([table.title])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append(headings)
        computed = {i for i, c in enumerate(table.columns, start=1) if c.computed}
        for index in range(1, len(headings) + 1):
            cell = ws.cell(row=2, column=index)
            cell.font = Font(bold=True)
            cell.fill = COMPUTED_FILL if index in computed else HEADER_FILL
            ws.column_dimensions[get_column_letter(index)].width = 14
        for row in rows:
            ws.append(row)
        for row_cells in ws.iter_rows(min_row=3):
            for cell in row_cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if hasattr(cell.value, "isoformat") and not isinstance(cell.value, str):
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A3"
    add_chart_sheet(book, session)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
