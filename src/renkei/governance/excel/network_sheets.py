"""The network sheets: read together as one inventory, checked, and stored in place of the old one."""

from __future__ import annotations

import io
import zipfile

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from renkei.core.errors import BatchRejected, Invalid
from renkei.governance import network
from renkei.governance.excel import cells
from renkei.governance.excel.cells import Where
from renkei.governance.excel.rows import Rows
from renkei.governance.excel.sheets import (
    BY_SHEET,
    FLOWS,
    HOSTS,
    NETWORK_SETTING,
    SEGMENTS,
)
from renkei.governance.excel.tables import Sheet, read


def network_inventory_from_workbook(data: bytes, *, filename: str = "") -> network.Inventory:
    """Read only the network sheets of a workbook, for checking a file before (or without) importing it."""
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise Invalid("Excelファイル（.xlsx）として読めません", record=filename or None) from exc
    errors: list[Invalid] = []
    names = (NETWORK_SETTING.sheet, SEGMENTS.sheet, HOSTS.sheet, FLOWS.sheet)
    sheets: dict[str, list[Sheet]] = {name: [] for name in names}
    for ws in book.worksheets:
        if ws.title in names:
            sheet = read(ws, BY_SHEET[ws.title], errors)
            if sheet is not None:
                sheets[ws.title].append(sheet)
    if not sheets[SEGMENTS.sheet] and not errors:
        errors.append(Invalid(f"シート「{SEGMENTS.sheet}」がありません", record=filename or None))
    inventory = None if errors else _read_network(sheets, errors, network.Inventory())
    if errors or inventory is None:
        raise BatchRejected("ネットワーク構成ファイルに誤りがあります", errors)
    try:
        network.validate(inventory)
    except BatchRejected as rejected:
        raise BatchRejected(rejected.message, _place(rejected.errors, sheets)) from None
    return inventory


def store_network(session: Session, sheets: dict[str, list[Sheet]], errors: list[Invalid]) -> None:
    """The network sheets together describe the whole inventory, which replaces the stored one."""
    inventory = _read_network(sheets, errors, network.load_inventory(session))
    if inventory is None:
        return
    try:
        network.replace_inventory(session, inventory)
    except BatchRejected as rejected:
        errors.extend(_place(rejected.errors, sheets))


def _read_network(
    sheets: dict[str, list[Sheet]], errors: list[Invalid], stored: network.Inventory
) -> network.Inventory | None:
    inventory = network.Inventory(model=stored.model)
    before = len(errors)
    for sheet in sheets[NETWORK_SETTING.sheet]:
        rows = Rows(sheet, errors)
        for where, get in rows:
            with rows.guard(where):
                if cells.text(get("項目")) == "ネットワークモデル":
                    inventory.model = cells.text(get("値"))
    if sheets[SEGMENTS.sheet]:
        for sheet in sheets[SEGMENTS.sheet]:
            rows = Rows(sheet, errors)
            for where, get in rows:
                with rows.guard(where):
                    inventory.segments.append(
                        network.Segment(
                            cells.text(get("区画名")),
                            cells.text(get("区分")),
                            cells.text(get("備考")),
                            ref=where.record,
                        )
                    )
    else:
        inventory.segments = list(stored.segments)
    for sheet in sheets[HOSTS.sheet]:
        rows = Rows(sheet, errors)
        for where, get in rows:
            with rows.guard(where):
                inventory.hosts.append(
                    network.Host(
                        cells.text(get("名称")),
                        cells.text(get("区画")),
                        cells.text(get("種別")),
                        cells.flag(get("二要素認証"), where, "二要素認証"),
                        cells.flag(get("持ち出し制限"), where, "持ち出し制限"),
                        cells.integer(get("台数"), where, "台数", minimum=1),
                        ref=where.record,
                    )
                )
    for sheet in sheets[FLOWS.sheet]:
        rows = Rows(sheet, errors)
        for where, get in rows:
            with rows.guard(where):
                inventory.flows.append(
                    network.Flow(
                        cells.text(get("経路ID")),
                        cells.text(get("送信元区画")),
                        cells.text(get("宛先区画")),
                        cells.text(get("種別")),
                        cells.text(get("目的")),
                        cells.flag(get("無害化"), where, "無害化"),
                        ref=where.record,
                    )
                )
    if not sheets[HOSTS.sheet]:
        inventory.hosts = list(stored.hosts)
    if not sheets[FLOWS.sheet]:
        inventory.flows = list(stored.flows)
    if len(errors) > before:
        return None
    return inventory


def _place(found: list[Invalid], sheets: dict[str, list[Sheet]]) -> list[Invalid]:
    """Network errors carry the row ("ホスト・端末 5行"); add the column letter of their field."""
    placed = []
    for error in found:
        sheet_name = (error.record or "").split(" ")[0]
        sheet = next(
            (s for group in sheets.values() for s in group if s.rows and s.rows[0][0].sheet == sheet_name),
            None,
        )
        if sheet is not None and error.field:
            where = Where(sheet_name, 0, sheet.columns)
            placed.append(Invalid(error.message, record=error.record, field=where.field_of(error.field)))
        else:
            placed.append(error)
    return placed
