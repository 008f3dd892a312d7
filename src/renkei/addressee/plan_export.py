"""The 独自利用計画 as an Excel workbook: one sheet of 独自利用事務 with their 条例, status and 届出, one of 条例."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from renkei.addressee.schemas import SYSTEMS
from renkei.addressee.service import basis as basis_service
from renkei.core import clock
from renkei.core.wareki import both
from renkei.layouts import loader

PLAN_HEADER = (
    "条例番号",
    "条例の題名",
    "条項",
    "事務コード",
    "独自利用事務",
    "業務システム",
    "準ずる法定事務",
    "利用する特定個人情報",
    "公布日",
    "施行日",
    "失効日",
    "状況",
    "情報連携の届出",
    "届出番号",
    "返戻理由",
)
ORDINANCE_HEADER = ("条例番号", "題名", "公布日", "施行日", "失効日", "状況")
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")


def _tm_label(code: str) -> str:
    name = loader.catalogue().get(code, "")
    return f"{code} {name}".strip()


def _sheet_header(ws: Any, header: tuple[str, ...], title: str) -> None:
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=12)
    ws.append(list(header))
    for col in range(1, len(header) + 1):
        cell = ws.cell(row=2, column=col)
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"


def export_plan(session: Session, *, on: dt.date | None = None) -> bytes:
    """The workbook (.xlsx bytes) of the plan as it stands on `on` (today by default); dates carry 和暦."""
    day = on or clock.today()
    rows = basis_service.plan(session, on=day)
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "独自利用計画"
    _sheet_header(ws, PLAN_HEADER, f"独自利用事務の計画（{both(day)}現在）")
    for r in rows:
        ws.append(
            [
                r.ordinance.number,
                r.ordinance.title,
                r.article,
                r.jimu_code,
                r.jimu_name,
                SYSTEMS.get(r.system, r.system),
                r.similar_jimu_code,
                "、".join(_tm_label(c) for c in r.tm_codes),
                both(r.ordinance.adopted_on),
                both(r.ordinance.start_on),
                both(r.ordinance.end_on),
                r.status_label,
                r.notification_label,
                r.notification_id or "",
                r.notification_reasons,
            ]
        )
    widths = (24, 30, 10, 20, 34, 12, 20, 34, 26, 26, 26, 16, 12, 26, 40)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    sheet = book.create_sheet("条例")
    _sheet_header(sheet, ORDINANCE_HEADER, "独自利用事務を定める条例")
    for o in basis_service.list_ordinances(session):
        sheet.append(
            [
                o.number,
                o.title,
                both(o.adopted_on),
                both(o.start_on),
                both(o.end_on),
                basis_service.PLAN_LABELS[basis_service.ordinance_status(o, on=day)],
            ]
        )
    for i, width in enumerate((24, 34, 26, 26, 26, 16), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
