"""Importing a governance workbook: every sheet checked, every error located, all of it or nothing.

Rows are written through the same service functions the pages use (one rule for both), inside the caller's
transaction; any error anywhere ends in BatchRejected listing them all, and the caller's rollback leaves the
database as it was. Figures the sheet states but renkei computes (資産価値, 総合評価, 残存評価, 総合, 優先順位)
are compared with the formulas; a disagreement is kept as a GovernanceDiscrepancy naming the sheet and row.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from renkei.core.errors import BatchRejected, Invalid, RenkeiError
from renkei.governance import incidents, indicators, issues, network, register, scales, training
from renkei.governance.excel import cells
from renkei.governance.excel.cells import Where, norm_heading
from renkei.governance.excel.tables import Sheet, Table, read, title_date, title_subject
from renkei.governance.excel.workbook import (
    ASSETS,
    ATTENDANCE,
    BY_SHEET,
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
    leading_number,
)
from renkei.governance.models import GovernanceDiscrepancy


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    discrepancies: list[GovernanceDiscrepancy] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{sheet}: {count}行" for sheet, count in self.counts.items()]
        for d in self.discrepancies:
            out.append(
                f"要確認: {d.sheet} {d.row_number}行 {d.column}（ID {d.record_key}）"
                f"シートの値 {d.stated} ≠ 計算値 {d.computed}"
            )
        return out


class Rows:
    """Reading one sheet's rows, each error placed at its row and column."""

    def __init__(self, sheet: Sheet, errors: list[Invalid]) -> None:
        self.sheet = sheet
        self.errors = errors
        self.keys: dict[str, int] = {}

    def __iter__(self) -> Iterator[tuple[Where, Any]]:
        """Each row's place and a getter by heading; wrap the row's work in `guard(where)`."""
        for where, data in self.sheet.rows:
            yield where, lambda heading, data=data: data.get(norm_heading(heading))

    @contextmanager
    def guard(self, where: Where) -> Iterator[None]:
        try:
            yield
        except Invalid as error:
            self.errors.append(where.relocate(error))
        except RenkeiError as error:
            self.errors.append(where.relocate(Invalid(error.message, field=error.field)))

    def unique(self, where: Where, key: str, heading: str) -> None:
        if not key:
            raise where.error(f"{heading}が空です", heading)
        if key in self.keys:
            raise where.error(f"{heading} {key} が重複しています（{self.keys[key]}行と同じ）", heading)
        self.keys[key] = where.row


def import_workbook(session: Session, *, data: bytes, filename: str = "") -> ImportReport:
    """Import every sheet of a governance workbook; BatchRejected (nothing kept) when any row is wrong."""
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise Invalid("Excelファイル（.xlsx）として読めません", record=filename or None) from exc
    errors: list[Invalid] = []
    found: dict[str, list[Sheet]] = {}
    for ws in book.worksheets:
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
        for sheet in found.get(table.sheet, []):
            APPLY[table.sheet](session, Rows(sheet, errors), report)
            report.counts[sheet.table.sheet] = report.counts.get(sheet.table.sheet, 0) + len(sheet.rows)
    network_sheets = {
        name: found.get(name, [])
        for name in (NETWORK_SETTING.sheet, SEGMENTS.sheet, HOSTS.sheet, FLOWS.sheet)
    }
    if any(network_sheets.values()):
        _network(session, network_sheets, errors)
    if errors:
        raise BatchRejected("誤りがあるため、ファイル全体を取り込みませんでした", errors)
    return report


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


def identify(title: str, first_cells: list[str]) -> Table | None:
    """A sheet by its name, or a seed-shaped sheet by its title (情報資産取扱手順表(○○事務))."""
    if title in BY_SHEET:
        return BY_SHEET[title]
    for cell in first_cells:
        for table in (ASSETS, RISKS):
            if cell.startswith(table.title):
                return table
    return None


def _subject(sheet: Sheet, where: Where, get: Any) -> str:
    """The 事務 of a row: its 事務 column, or the title of a seed-shaped sheet."""
    name = (
        cells.text(get("事務"))
        if sheet.has("事務")
        else title_subject(sheet.title_cells, sheet.table.title) or ""
    )
    if not name:
        raise where.error("事務がありません（「事務」列か、表題の括弧内に事務名を書いてください）", "事務")
    return name


def _compare(
    session: Session,
    where: Where,
    *,
    report: ImportReport,
    heading: str,
    key: str,
    stated: Any,
    computed: Decimal | int,
) -> None:
    if cells.text(stated) and not cells.same_number(stated, computed):
        report.discrepancies.append(
            register.record_discrepancy(
                session,
                sheet=where.sheet,
                row_number=where.row,
                column=heading,
                record_key=key,
                stated=cells.text(stated),
                computed=str(computed),
            )
        )


def _jimu(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            name = cells.text(get("事務名"))
            rows.unique(where, name, "事務名")
            register.upsert_jimu(
                session,
                name=name,
                kind=cells.text(get("区分")) or "別表第一",
                basis=cells.text(get("根拠")),
                department=cells.text(get("担当課")),
                procedures_dated_on=cells.date(get("手順表日付"), where, "手順表日付"),
                risks_dated_on=cells.date(get("リスク分析表日付"), where, "リスク分析表日付"),
            )


def _progress(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            name = cells.text(get("別表1事務"))
            rows.unique(where, name, "別表1事務")
            jimu = register.get_jimu(session, name=name)
            progress = {column: cells.text(get(label)) for column, label in scales.PROGRESS_COLUMNS}
            register.upsert_jimu(
                session,
                name=jimu.name,
                kind=jimu.kind,
                basis=jimu.basis,
                department=jimu.department,
                progress=progress,
            )


def _files(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            name = cells.text(get("ファイル名"))
            rows.unique(where, name, "ファイル名")
            existing = {f.name: f.sections for f in register.list_files(session)}
            register.upsert_file(
                session,
                name=name,
                jimu=cells.text(get("事務名")),
                tm_code=cells.text(get("特定個人情報名コード")),
                subject_count=cells.integer(get("対象人数"), where, "対象人数"),
                handler_count=cells.integer(get("取扱者数"), where, "取扱者数"),
                serious_incident=cells.flag(get("重大事故"), where, "重大事故"),
                last_published_on=cells.date(get("評価書公表日"), where, "評価書公表日"),
                sections=existing.get(name),
            )


def _sections(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            name, item = cells.text(get("ファイル名")), cells.text(get("評価書項目"))
            rows.unique(where, f"{name} / {item}", "評価書項目")
            file = register.get_file(session, name=name)
            register.upsert_file(
                session,
                name=file.name,
                jimu=file.jimu.name,
                tm_code=file.tm_code,
                subject_count=file.subject_count,
                handler_count=file.handler_count,
                serious_incident=file.serious_incident,
                last_published_on=file.last_published_on,
                sections={**file.sections, item: cells.text(get("状況"))},
            )


def _assets(session: Session, rows: Rows, report: ImportReport) -> None:
    sheet = rows.sheet
    dated = title_date(sheet.title_cells)
    for where, get in rows:
        with rows.guard(where):
            code = cells.text(get("ID"))
            rows.unique(where, code, "ID")
            jimu = _subject(sheet, where, get)
            asset = register.upsert_asset(
                session,
                code=code,
                jimu=jimu,
                name=cells.text(get("情報資産名称")),
                medium=cells.text(get("種類")),
                stage=cells.text(get("取扱段階")),
                handling=cells.text(get("取扱方法")),
                procedure=cells.text(get("取扱手順")),
                function=cells.text(get("関連業務機能")),
                responsible=cells.text(get("責任者")),
                responsible_task=cells.text(get("責任者任務")),
                handler=cells.text(get("担当者")),
                handler_task=cells.text(get("担当者任務")),
                note=cells.text(get("備考")),
                confidentiality=get("機密性"),
                integrity=get("完全性"),
                availability=get("可用性"),
            )
            if dated:
                owner = register.get_jimu(session, name=jimu)
                owner.procedures_dated_on = cells.date(dated, where, "日付")
            value = register.asset_view(asset).value
            _compare(
                session,
                where,
                report=report,
                heading="資産価値",
                key=code,
                stated=get("資産価値"),
                computed=value,
            )


def _risks(session: Session, rows: Rows, report: ImportReport) -> None:
    sheet = rows.sheet
    dated = title_date(sheet.title_cells)
    for where, get in rows:
        with rows.guard(where):
            code = cells.text(get("ID"))
            rows.unique(where, code, "ID")
            asset = register.get_asset(session, code=code)
            jimu = _subject(sheet, where, get)
            if asset.jimu.name != jimu:
                raise where.error(
                    f"ID {code} は手順表では「{asset.jimu.name}」の資産です",
                    "事務" if sheet.has("事務") else "ID",
                )
            name = cells.text(get("情報資産名称"))
            if name != asset.name:
                raise where.error(
                    f"ID {code} の情報資産名称が手順表（{asset.name}）と違います", "情報資産名称"
                )
            risk = register.upsert_risk(
                session,
                asset_code=code,
                vulnerability=cells.text(get("脆弱性")),
                vulnerability_rating=get("脆弱性評価"),
                threat=cells.text(get("脅威")),
                threat_rating=get("脅威評価"),
                function=cells.text(get("関連業務機能")),
                measures=scales.parse_measures(cells.text(get("対策")), record=code),
                residual_risk=cells.text(get("残存リスク")),
            )
            accepted_by = cells.text(get("受容者"))
            if accepted_by:
                risk.accepted_by = accepted_by
                risk.accepted_at = cells.timestamp(get("受容日時"), where, "受容日時", required=True)
            if dated:
                asset.jimu.risks_dated_on = cells.date(dated, where, "日付")
            view = register.risk_view(risk)
            _compare(
                session,
                where,
                report=report,
                heading="資産価値",
                key=code,
                stated=get("資産価値"),
                computed=view.value,
            )
            _compare(
                session,
                where,
                report=report,
                heading="総合評価",
                key=code,
                stated=get("総合評価"),
                computed=view.total,
            )
            _compare(
                session,
                where,
                report=report,
                heading="残存評価",
                key=code,
                stated=get("残存評価"),
                computed=view.residual,
            )


def _issues(session: Session, rows: Rows, report: ImportReport) -> None:
    stated: dict[int, tuple[Where, Any]] = {}
    for index, (where, get) in enumerate(rows, start=1):
        with rows.guard(where):
            number, point = leading_number(cells.text(get("要点")))
            number = number or index
            rows.unique(where, str(number), "要点")
            issues.upsert_issue(
                session,
                number=number,
                title=cells.text(get("主要課題")),
                point=point,
                impact=get("影響性"),
                compliance=get("法令準拠"),
                ease=get("容易性"),
            )
            stated[number] = (where, get)
    for view in issues.ranked_issues(session):
        if view.issue.number in stated:
            where, get = stated[view.issue.number]
            key = f"課題{view.issue.number}"
            _compare(
                session,
                where,
                report=report,
                heading="総合",
                key=key,
                stated=get("総合"),
                computed=view.total,
            )
            _compare(
                session,
                where,
                report=report,
                heading="優先順位",
                key=key,
                stated=get("優先順位"),
                computed=view.rank,
            )


def _handlers(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            code = cells.text(get("職員番号"))
            rows.unique(where, code, "職員番号")
            files = [f.strip() for f in re.split(r"[\n、,]", cells.text(get("取扱ファイル"))) if f.strip()]
            training.upsert_handler(
                session,
                code=code,
                name=cells.text(get("氏名")),
                department=cells.text(get("所属")),
                assigned_on=cells.date(get("配置日"), where, "配置日", required=True),  # type: ignore[arg-type]
                active=cells.flag(get("在職"), where, "在職"),
                files=files,
            )


def _plans(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            code = cells.text(get("計画番号"))
            rows.unique(where, code, "計画番号")
            training.upsert_plan(
                session,
                code=code,
                fiscal_year=cells.integer(get("年度"), where, "年度"),
                title=cells.text(get("名称")),
                audience=cells.text(get("対象")),
                content=cells.text(get("内容")),
            )


def _sessions(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            code = cells.text(get("研修番号"))
            rows.unique(where, code, "研修番号")
            training.upsert_session(
                session,
                code=code,
                plan=cells.text(get("計画番号")),
                held_on=cells.date(get("開催日"), where, "開催日", required=True),  # type: ignore[arg-type]
                title=cells.text(get("名称")),
                hours=cells.text(get("時間")),
                place=cells.text(get("場所")),
            )


def _attendance(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            key = f"{cells.text(get('研修番号'))} / {cells.text(get('職員番号'))}"
            rows.unique(where, key, "職員番号")
            training.record_attendance(
                session, session_code=cells.text(get("研修番号")), handler_code=cells.text(get("職員番号"))
            )


def _incidents(session: Session, rows: Rows, report: ImportReport) -> None:
    for where, get in rows:
        with rows.guard(where):
            code = cells.text(get("番号"))
            rows.unique(where, code, "番号")

            def ts(heading: str, *, required: bool = False, get: Any = get, where: Where = where) -> Any:
                return cells.timestamp(get(heading), where, heading, required=required)

            incidents.put_incident(
                session,
                code=code,
                title=cells.text(get("件名")),
                description=cells.text(get("内容")),
                aware_at=ts("覚知日時", required=True),
                reported_at=ts("報告受付", required=True),
                triaged_at=ts("トリアージ"),
                contained_at=ts("封じ込め"),
                recovered_at=ts("復旧"),
                closed_at=ts("再発防止"),
                lessons=cells.text(get("教訓")),
                involves_mynumber=cells.flag(get("特定個人情報"), where, "特定個人情報"),
                affected_count=cells.integer(get("影響人数"), where, "影響人数"),
                unlawful_purpose=cells.flag(get("不正の目的"), where, "不正の目的"),
                via_network_system=cells.flag(get("情報提供NW等"), where, "情報提供NW等"),
                publicly_viewable=cells.flag(get("不特定多数閲覧"), where, "不特定多数閲覧"),
                prompt_reported_at=ts("速報"),
                final_reported_at=ts("確報"),
            )


def _indicators(session: Session, rows: Rows, report: ImportReport) -> None:
    years = {
        h: (int(m.group(1)), m.group(2) == "見込")
        for h in rows.sheet.columns
        if (m := re.fullmatch(r"(\d{4})年度\((実績|見込)\)", h))
    }
    for where, get in rows:
        with rows.guard(where):
            name = cells.text(get("名称"))
            rows.unique(where, name, "名称")
            seen: set[int] = set()
            for heading, (year, estimate) in years.items():
                value = get(heading)
                if not cells.text(value):
                    continue
                if year in seen:
                    raise where.error(f"{year}年度の値が実績と見込の両方にあります", heading)
                seen.add(year)
                try:
                    indicators.set_indicator(
                        session,
                        name=name,
                        fiscal_year=year,
                        value=value,
                        estimate=estimate,
                        category=cells.text(get("区分")),
                        unit=cells.text(get("単位")),
                    )
                except Invalid as error:
                    raise where.error(
                        error.message, heading if error.field == "値" else error.field
                    ) from None


def _network(session: Session, sheets: dict[str, list[Sheet]], errors: list[Invalid]) -> None:
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


APPLY = {
    JIMU.sheet: _jimu,
    PROGRESS.sheet: _progress,
    FILES.sheet: _files,
    SECTIONS.sheet: _sections,
    ASSETS.sheet: _assets,
    RISKS.sheet: _risks,
    ISSUES.sheet: _issues,
    HANDLERS.sheet: _handlers,
    PLANS.sheet: _plans,
    SESSIONS.sheet: _sessions,
    ATTENDANCE.sheet: _attendance,
    INCIDENTS.sheet: _incidents,
    INDICATORS.sheet: _indicators,
    NETWORK_SETTING.sheet: lambda *_: None,
    SEGMENTS.sheet: lambda *_: None,
    HOSTS.sheet: lambda *_: None,
    FLOWS.sheet: lambda *_: None,
}
