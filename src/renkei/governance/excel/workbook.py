"""The governance workbook: one sheet per table with the seeds' headings, and the export of everything."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.governance import incidents, indicators, issues, network, pia, register, scales, training
from renkei.governance.excel.cells import mark, number_cell, show_timestamp
from renkei.governance.excel.tables import Col, Table

JIMU = Table(
    "事務",
    "事務一覧",
    (Col("事務名"), Col("区分"), Col("根拠"), Col("担当課"), Col("手順表日付"), Col("リスク分析表日付")),
)
PROGRESS = Table(
    "進捗管理",
    "業務フロー等進捗状況（〇完了 △着手 ×未着手 -不要）",
    (Col("別表1事務"), *(Col(label) for _, label in scales.PROGRESS_COLUMNS)),
)
FILES = Table(
    "特定個人情報ファイル",
    "特定個人情報ファイル",
    (
        Col("ファイル名"),
        Col("事務名"),
        Col("特定個人情報名コード"),
        Col("対象人数"),
        Col("取扱者数"),
        Col("重大事故"),
        Col("評価書公表日"),
        Col("しきい値判断", computed=True),
        Col("再評価期限", computed=True),
    ),
)
SECTIONS = Table(
    "評価書", "特定個人情報保護評価書 作成状況", (Col("ファイル名"), Col("評価書項目"), Col("状況"))
)
ASSETS = Table(
    "情報資産取扱手順表",
    "情報資産取扱手順表",
    (
        Col("事務", optional=True),
        Col("ID"),
        Col("情報資産名称"),
        Col("種類"),
        Col("取扱段階"),
        Col("取扱方法"),
        Col("取扱手順"),
        Col("関連業務機能"),
        Col("責任者"),
        Col("責任者任務"),
        Col("担当者"),
        Col("担当者任務"),
        Col("備考"),
        Col("機密性"),
        Col("完全性"),
        Col("可用性"),
        Col("資産価値", computed=True),
    ),
)
RISKS = Table(
    "リスク分析表",
    "リスク分析表",
    (
        Col("事務", optional=True),
        Col("ID"),
        Col("情報資産名称"),
        Col("資産価値", computed=True),
        Col("脆弱性"),
        Col("脆弱性評価"),
        Col("脅威"),
        Col("関連業務機能"),
        Col("脅威評価"),
        Col("総合評価", computed=True),
        Col("対策"),
        Col("残存リスク"),
        Col("残存評価", computed=True),
        Col("受容者", optional=True),
        Col("受容日時", optional=True),
    ),
    stop_words=("脅威", "ぜい弱性", "脆弱性"),
)
ISSUES = Table(
    "課題の優先順位",
    "課題分析（取組むべき課題）",
    (
        Col("優先順位", computed=True),
        Col("主要課題"),
        Col("要点"),
        Col("影響性"),
        Col("法令準拠"),
        Col("容易性"),
        Col("総合", computed=True),
    ),
)
HANDLERS = Table(
    "取扱者",
    "特定個人情報ファイル取扱者",
    (
        Col("職員番号"),
        Col("氏名"),
        Col("所属"),
        Col("配置日"),
        Col("在職"),
        Col("取扱ファイル"),
        Col("最終受講日", computed=True),
        Col("受講期限", computed=True),
    ),
)
PLANS = Table("研修計画", "研修計画", (Col("計画番号"), Col("年度"), Col("名称"), Col("対象"), Col("内容")))
SESSIONS = Table(
    "研修実施",
    "研修実施",
    (Col("研修番号"), Col("計画番号"), Col("開催日"), Col("名称"), Col("時間"), Col("場所")),
)
ATTENDANCE = Table("受講記録", "受講記録", (Col("研修番号"), Col("職員番号"), Col("氏名", computed=True)))
INCIDENTS = Table(
    "インシデント",
    "インシデント対応記録",
    (
        Col("番号"),
        Col("件名"),
        Col("内容"),
        Col("覚知日時"),
        Col("報告受付"),
        Col("トリアージ"),
        Col("封じ込め"),
        Col("復旧"),
        Col("再発防止"),
        Col("教訓"),
        Col("特定個人情報"),
        Col("影響人数"),
        Col("不正の目的"),
        Col("情報提供NW等"),
        Col("不特定多数閲覧"),
        Col("速報"),
        Col("確報"),
        Col("速報期限", computed=True),
        Col("確報期限", computed=True),
    ),
)
NETWORK_SETTING = Table("ネットワーク設定", "ネットワーク設定", (Col("項目"), Col("値")))
SEGMENTS = Table("ネットワーク区画", "ネットワーク区画", (Col("区画名"), Col("区分"), Col("備考")))
HOSTS = Table(
    "ホスト・端末",
    "ホスト・端末",
    (Col("名称"), Col("区画"), Col("種別"), Col("台数"), Col("二要素認証"), Col("持ち出し制限")),
)
FLOWS = Table(
    "通信経路",
    "許可している通信経路",
    (Col("経路ID"), Col("送信元区画"), Col("宛先区画"), Col("種別"), Col("目的"), Col("無害化")),
)
INDICATORS = Table(
    "政策指標",
    "事務事業の指標の推移",
    (Col("区分"), Col("名称"), Col("単位")),
    extra=r"\d{4}年度\((実績|見込)\)",
)
TABLES = (
    JIMU,
    PROGRESS,
    FILES,
    SECTIONS,
    ASSETS,
    RISKS,
    ISSUES,
    HANDLERS,
    PLANS,
    SESSIONS,
    ATTENDANCE,
    INCIDENTS,
    NETWORK_SETTING,
    SEGMENTS,
    HOSTS,
    FLOWS,
    INDICATORS,
)
BY_SHEET = {t.sheet: t for t in TABLES}


def circled(number: int) -> str:
    """① … ⑳, ㉑ … ㊿ as the seed numbers its 要点; beyond 50, (51)."""
    if 1 <= number <= 20:
        return chr(0x2460 + number - 1)
    if 21 <= number <= 35:
        return chr(0x3251 + number - 21)
    if 36 <= number <= 50:
        return chr(0x32B1 + number - 36)
    return f"({number})"


def leading_number(text: str) -> tuple[int | None, str]:
    """Split "① 課題を整理する" into (1, "課題を整理する"); (51) and 51. work too."""
    text = text.strip()
    if text and unicodedata.category(text[0]) == "No":
        try:
            return int(unicodedata.numeric(text[0])), text[1:].strip()
        except ValueError:
            return None, text
    for opener, closer in (("(", ")"), ("（", "）")):
        if text.startswith(opener) and closer in text:
            inner, rest = text[1:].split(closer, 1)
            if inner.isdigit():
                return int(inner), rest.strip()
    return None, text


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
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
