"""The 業務システム inventory and the region's 自治体クラウド plan as Excel, and the inventory read back in.

Sheets of the plan: 業務システム一覧 (every member's inventory), 共同調達候補, 工程表 (the Gantt chart as shaded
month cells, the same bars as the SVG), 費用比較 (alone against the 均等割 + 人口割 share), 準備状況 (the four stages)
and 課題の優先順位（地域）. A body's own inventory round-trips through the 業務システム一覧 sheet.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid
from renkei.governance import systems as inventory
from renkei.governance.cloud import CloudPlan, add_months
from renkei.governance.excel.cells import Where, date, integer, norm_heading, number_cell, text
from renkei.governance.gantt import COLOURS, month_index, months_span
from renkei.governance.models_cloud import GovernanceSystem

SYSTEMS_SHEET = "業務システム一覧"
SYSTEM_HEADINGS = (
    "システム番号", "業務", "システム名", "事業者", "種別", "カスタマイズ", "契約満了日", "更新年度", "年間経費（千円）",
    "設置形態", "ネットワーク区分", "特定個人情報ファイル", "備考",
)  # fmt: skip
BODY_HEADINGS = ("団体コード", "団体名")
HEAD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
XLSX_ERROR = "Excel（.xlsx）として読めません"


def _heading(sheet: Worksheet, headings: tuple[str, ...] | list[str], row: int = 1) -> None:
    for column, heading in enumerate(headings, start=1):
        cell = sheet.cell(row=row, column=column, value=heading)
        cell.font, cell.fill = HEAD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(column)].width = max(10, min(40, len(heading) * 2 + 2))


def _system_row(s: GovernanceSystem) -> list[Any]:
    return [
        s.code, s.business, s.name, s.vendor, s.kind, s.customization, s.contract_end, s.renewal_year,
        s.annual_cost, s.hosting, s.zone, "、".join(s.files or ()), s.note,
    ]  # fmt: skip


def _write_systems(sheet: Worksheet, rows: list[tuple[tuple[str, str] | None, GovernanceSystem]]) -> None:
    with_body = any(body for body, _ in rows)
    _heading(sheet, (*BODY_HEADINGS, *SYSTEM_HEADINGS) if with_body else SYSTEM_HEADINGS)
    for body, s in rows:
        values = [*(body or ("", "")), *_system_row(s)] if with_body else _system_row(s)
        sheet.append(values)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if hasattr(cell.value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"


def export_systems(session: Session) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SYSTEMS_SHEET
    _write_systems(sheet, [(None, s) for s in inventory.list_systems(session)])
    return _save(book)


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_systems(data: bytes, *, lg_code: str | None = None) -> list[inventory.SystemInput]:
    """The rows of the 業務システム一覧 sheet; with a 団体コード column, only the rows of `lg_code`."""
    try:
        book = load_workbook(io.BytesIO(data), data_only=True, read_only=True)
    except Exception as exc:
        raise Invalid(XLSX_ERROR, field="ファイル") from exc
    if SYSTEMS_SHEET not in book.sheetnames:
        raise Invalid(f"シート「{SYSTEMS_SHEET}」がありません", field="シート")
    rows = list(book[SYSTEMS_SHEET].iter_rows(values_only=True))
    if not rows:
        raise Invalid(f"シート「{SYSTEMS_SHEET}」に見出し行がありません", field="見出し")
    columns = {norm_heading(h): i + 1 for i, h in enumerate(rows[0]) if h}
    missing = [h for h in SYSTEM_HEADINGS if norm_heading(h) not in columns]
    if missing:
        raise Invalid(
            f"見出しが足りません: {'、'.join(missing)}", record=f"{SYSTEMS_SHEET} 1行", field="見出し"
        )
    out = []
    for number, values in enumerate(rows[1:], start=2):
        if not any(v not in (None, "") for v in values):
            continue
        where = Where(SYSTEMS_SHEET, number, columns)

        def cell(heading: str, values: tuple[Any, ...] = values) -> Any:
            index = columns.get(norm_heading(heading))
            return values[index - 1] if index and index - 1 < len(values) else None

        if (
            lg_code is not None
            and norm_heading("団体コード") in columns
            and text(cell("団体コード")) != lg_code
        ):
            continue
        contract_end = date(cell("契約満了日"), where, "契約満了日", required=True)
        assert contract_end is not None
        row = inventory.SystemInput(
            code=text(cell("システム番号")),
            business=text(cell("業務")),
            name=text(cell("システム名")),
            vendor=text(cell("事業者")),
            kind=text(cell("種別")),
            customization=text(cell("カスタマイズ")),
            contract_end=contract_end,
            renewal_year=integer(cell("更新年度"), where, "更新年度", minimum=1989),
            annual_cost=integer(cell("年間経費（千円）"), where, "年間経費（千円）"),
            hosting=text(cell("設置形態")),
            zone=text(cell("ネットワーク区分")),
            files=tuple(
                f for f in text(cell("特定個人情報ファイル")).replace(",", "、").split("、") if f.strip()
            ),
            note=text(cell("備考")),
        )
        try:
            out.append(inventory.check(row))
        except Invalid as exc:
            raise where.relocate(exc) from None
    return out


def import_systems(session: Session, *, data: bytes, lg_code: str | None = None) -> list[GovernanceSystem]:
    """Upsert every row of the sheet; one bad row rejects the whole file (the caller's transaction rolls back)."""
    rows = read_systems(data, lg_code=lg_code)
    codes = [r.code for r in rows]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise Invalid(
            f"システム番号が重複しています: {'、'.join(duplicated)}",
            record=SYSTEMS_SHEET,
            field="システム番号",
        )
    saved = []
    for number, row in enumerate(rows, start=2):
        try:
            saved.append(inventory.upsert_system(session, row))
        except Invalid as exc:
            raise Invalid(
                exc.message, record=f"{SYSTEMS_SHEET} {number}行（{row.code}）", field=exc.field
            ) from None
    return saved


def export_plan(plan: CloudPlan) -> bytes:
    """The region's plan in one workbook (see the module docstring for the sheets)."""
    book = Workbook()
    members = {m.lg_code: m for m in plan.region.members}
    sheet = book.active
    sheet.title = SYSTEMS_SHEET
    _write_systems(
        sheet,
        [((lg, members[lg].name), s) for lg, rows in plan.systems.items() for s in rows],
    )

    sheet = book.create_sheet("共同調達候補")
    _heading(
        sheet,
        (
            "業務",
            "稼働予定日",
            "構成団体",
            "現行システム（団体: システム・事業者・更新年度）",
            "契約延長が必要",
            "現行事業者数",
        ),
    )
    for c in plan.candidates:
        sheet.append(
            [
                c.business,
                c.go_live,
                "、".join(s.member.name for s in c.shares),
                "\n".join(
                    f"{s.member.name}: {s.system.name}・{s.system.vendor}・{s.system.renewal_year}年度"
                    for s in c.shares
                ),
                "、".join(f"{s.member.name} {s.extension_years}年" for s in c.shares if s.extension_years)
                or "なし",
                len(c.vendors),
            ]
        )
        sheet.cell(row=sheet.max_row, column=2).number_format = "yyyy-mm-dd"

    sheet = book.create_sheet("工程表")
    if plan.candidates:
        first, count = months_span(plan.candidates)
        _heading(
            sheet, ["業務", "工程", "開始", "終了", *(f"{add_months(first, m):%Y-%m}" for m in range(count))]
        )
        for m in range(count):
            sheet.column_dimensions[get_column_letter(5 + m)].width = 4
        for c in plan.candidates:
            for index, phase in enumerate(c.phases):
                sheet.append([c.business, phase.name, phase.start, add_months(phase.end, -1)])
                row = sheet.max_row
                sheet.cell(row=row, column=3).number_format = "yyyy-mm-dd"
                sheet.cell(row=row, column=4).number_format = "yyyy-mm"
                fill = PatternFill("solid", fgColor=COLOURS[index % len(COLOURS)].lstrip("#").upper())
                start = month_index(first, phase.start)
                for m in range(start, start + phase.months):
                    cell = sheet.cell(row=row, column=5 + m, value="■")
                    cell.fill = fill
        sheet.freeze_panes = "E2"
    else:
        sheet.append(["共同調達の候補はありません"])

    sheet = book.create_sheet("費用比較")
    _heading(
        sheet,
        (
            "業務",
            "団体",
            "人口",
            "単独（千円/年）",
            "共同の負担（千円/年）",
            "差額（千円/年）",
            "共同見積（千円/年）",
            "初期費用（千円）",
        ),
    )
    for c in plan.candidates:
        for s in c.shares:
            sheet.append(
                [c.business, s.member.name, s.member.population, s.alone, s.share, s.saving,
                 c.joint_total, c.estimate.initial_cost if c.estimate else None]
            )  # fmt: skip
        sheet.append([c.business, "計", None, c.alone_total, c.joint_total,
                      None if c.joint_total is None else c.alone_total - c.joint_total])  # fmt: skip
        sheet.cell(row=sheet.max_row, column=2).font = HEAD
    sheet.append([])
    sheet.append(
        [f"按分: 均等割 {plan.region.equal_share_percent}% ＋ 人口割 残り（端数は人口最多の団体で調整）"]
    )

    sheet = book.create_sheet("準備状況")
    _heading(sheet, ("団体", "到達段階", "段階", "判定", "不足していること"))
    for r in plan.readiness:
        for check in r.stages:
            sheet.append(
                [
                    r.member.name,
                    r.reached,
                    check.stage,
                    "〇" if check.passed else "×",
                    "\n".join(check.reasons),
                ]
            )

    sheet = book.create_sheet("課題の優先順位（地域）")
    _heading(
        sheet, ("優先順位", "主要課題", "挙げた団体", "影響性", "法令準拠", "容易性", "総合", "共通課題")
    )
    for i in plan.view.issues:
        sheet.append([i.rank, i.title, "、".join(i.bodies), number_cell(i.impact), number_cell(i.compliance),
                      number_cell(i.ease), number_cell(i.total), "〇" if i.common else ""])  # fmt: skip
    return _save(book)
