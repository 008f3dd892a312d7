"""Writing each sheet's rows through the governance services (one function per sheet, in dependency order)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from renkei.core.errors import Invalid
from renkei.governance import incidents, indicators, issues, register, scales, training
from renkei.governance.excel import cells
from renkei.governance.excel.cells import Where
from renkei.governance.excel.rows import ImportReport, Rows, compare, subject
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
    leading_number,
)
from renkei.governance.excel.tables import title_date


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
            jimu = subject(sheet, where, get)
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
            compare(
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
            jimu = subject(sheet, where, get)
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
            for heading, computed in (
                ("資産価値", view.value),
                ("総合評価", view.total),
                ("残存評価", view.residual),
            ):
                compare(
                    session,
                    where,
                    report=report,
                    heading=heading,
                    key=code,
                    stated=get(heading),
                    computed=computed,
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
            for heading, computed in (
                ("総合", view.total),
                ("優先順位", view.rank),
            ):
                compare(
                    session,
                    where,
                    report=report,
                    heading=heading,
                    key=key,
                    stated=get(heading),
                    computed=computed,
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
