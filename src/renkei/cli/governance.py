"""`renkei governance …`: import and export the workbook, the risk-analysis PDF, network check, training, PIA."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.core import clock, wareki

if TYPE_CHECKING:
    from renkei.governance import network
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

municipality_option = click.option(
    "--municipality",
    "lg_code",
    required=True,
    help="団体コード（6桁）。安全管理措置の表はその団体のノード lg<団体コード> にあります",
)


@click.group(name="governance")
def group() -> None:
    """安全管理措置: 情報資産、リスク分析、特定個人情報保護評価、研修、インシデント、ネットワーク点検."""


@group.command("status")
@municipality_option
@runtime_options
def status(lg_code: str, runtime: Runtime) -> None:
    """今日の要対応事項 / what needs attention today."""
    from renkei.governance import overview

    with runtime.municipal_session(lg_code) as session:
        for line in overview.overview(session).lines():
            click.echo(line)


@group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@municipality_option
@runtime_options
def import_(path: Path, lg_code: str, runtime: Runtime) -> None:
    """Excel（.xlsx）を取り込む。誤りが1件でもあれば何も取り込みません / import a workbook, all or nothing."""
    from renkei.governance.excel.importer import import_workbook

    with runtime.municipal_session(lg_code) as session:
        report = import_workbook(session, data=path.read_bytes(), filename=path.name)
    for line in report.lines():
        click.echo(line)
    click.echo(f"取り込みました: {path.name}")


@group.command("export")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="出力先 .xlsx"
)
@municipality_option
@runtime_options
def export(out: Path, lg_code: str, runtime: Runtime) -> None:
    """全ての表を1つのブックに書き出す / every table in one workbook."""
    from renkei.governance.excel.workbook import export_workbook

    with runtime.municipal_session(lg_code) as session:
        data = export_workbook(session)
    out.write_bytes(data)
    click.echo(f"書き出しました: {out}")


@group.command("risk-pdf")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="出力先 .pdf"
)
@click.option("--body-name", default="", help="団体名（表紙に印字）")
@municipality_option
@runtime_options
def risk_pdf(out: Path, body_name: str, lg_code: str, runtime: Runtime) -> None:
    """リスク分析表のPDF（評価書の添付資料）/ the risk analysis as PDF."""
    from renkei.governance.pdf import risk_analysis_pdf

    with runtime.municipal_session(lg_code) as session:
        data = risk_analysis_pdf(session, body_name=body_name)
    out.write_bytes(data)
    click.echo(f"書き出しました: {out}")


@group.group("network")
def network_group() -> None:
    """ネットワーク分離（三層の対策）の点検."""


@network_group.command("check")
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="登録せずに点検する構成ファイル（.json または .xlsx）")  # fmt: skip
@click.option("--asp-registry", is_flag=True, help="LGWAN-ASPの登録簿（J-LIS）と照合する（規則N8）")
@municipality_option
@runtime_options
def network_check(path: Path | None, asp_registry: bool, lg_code: str, runtime: Runtime) -> None:
    """Check the stored inventory (or FILE without storing it); exit 1 when there are findings."""
    from renkei.governance import network
    from renkei.protocol.lgwan import LgwanRegistry

    if path is not None:
        inventory = _read_inventory(path, lg_code, runtime, store=False)
    else:
        with runtime.municipal_session(lg_code) as session:
            inventory = network.load_inventory(session)
    asp = None
    if asp_registry:
        registered = LgwanRegistry(runtime.transport).services(status="登録")
        asp = {s.name for s in registered} | {
            s.registration_number for s in registered if s.registration_number
        }
    findings = network.check(inventory, asp_services=asp)
    click.echo(f"ネットワークモデル: {inventory.model}　区画 {len(inventory.segments)}　ホスト・端末 "
               f"{len(inventory.hosts)}　通信経路 {len(inventory.flows)}")  # fmt: skip
    for finding in findings:
        click.echo(
            f"{finding.rule} {finding.rule_text}\n    {finding.message}\n    該当: {'、'.join(finding.rows)}"
        )
    click.echo(f"指摘 {len(findings)}件")
    if findings:
        raise SystemExit(1)


@network_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@municipality_option
@runtime_options
def network_import(path: Path, lg_code: str, runtime: Runtime) -> None:
    """Replace the stored network inventory with FILE (.json or .xlsx)."""
    inventory = _read_inventory(path, lg_code, runtime, store=True)
    click.echo(
        f"取り込みました: 区画 {len(inventory.segments)}、ホスト・端末 {len(inventory.hosts)}、通信経路 {len(inventory.flows)}"
    )


def _read_inventory(path: Path, lg_code: str, runtime: Runtime, *, store: bool) -> network.Inventory:
    from renkei.governance import network
    from renkei.governance.excel.importer import network_inventory_from_workbook

    if path.suffix.lower() == ".json":
        inventory = network.inventory_from_json(path.read_text(encoding="utf-8"))
    else:
        inventory = network_inventory_from_workbook(path.read_bytes(), filename=path.name)
    if store:
        with runtime.municipal_session(lg_code) as session:
            network.replace_inventory(session, inventory)
    return inventory


@group.group("training")
def training_group() -> None:
    """研修（年次研修の受講状況）."""


@training_group.command("overdue")
@click.option("--remind", is_flag=True, help="期限超過・期限間近の人に督促を記録し、文面を表示する")
@municipality_option
@runtime_options
def training_overdue(remind: bool, lg_code: str, runtime: Runtime) -> None:
    """年次研修の期限を過ぎた取扱者を所属ごとに / overdue handlers by department."""
    from renkei.governance import training

    today = clock.today()
    with runtime.municipal_session(lg_code) as session:
        grouped = training.overdue_by_department(session, today=today)
        for department, duties in grouped.items():
            click.echo(f"{department}（{len(duties)}人）")
            for d in duties:
                last = wareki.both(d.last_trained_on) if d.last_trained_on else "未受講"
                click.echo(
                    f"  {d.handler.code}\t{d.handler.name}\t最終受講 {last}\t期限 {wareki.both(d.due_on)}"
                )
        click.echo(f"期限超過 {sum(len(d) for d in grouped.values())}人")
        if remind:
            for reminder in training.send_reminders(session, today=today):
                click.echo(training.reminder_text(reminder, today=today))


@group.group("pia")
def pia_group() -> None:
    """特定個人情報保護評価."""


@pia_group.command("threshold")
@click.option("--subjects", type=click.IntRange(min=0), required=True, help="対象人数")
@click.option("--handlers", type=click.IntRange(min=0), required=True, help="取扱者数（委託先を含む）")
@click.option("--serious", is_flag=True, help="過去1年以内に特定個人情報に関する重大事故があった")
def pia_threshold(subjects: int, handlers: int, serious: bool) -> None:
    """しきい値判断 / which evaluation is required."""
    from renkei.governance import pia

    level = pia.threshold(subjects, handlers, serious)
    click.echo(pia.reasons(subjects, handlers, serious))
    if level.form:
        click.echo(f"様式: {level.form}")


@pia_group.command("status")
@municipality_option
@runtime_options
def pia_status(lg_code: str, runtime: Runtime) -> None:
    """ファイルごとの評価・再評価期限 / evaluation and 5-year re-assessment per file."""
    from renkei.governance import pia, register

    today = clock.today()
    with runtime.municipal_session(lg_code) as session:
        for f in register.list_files(session):
            s = pia.status(f, today=today)
            due = wareki.both(s.due_on) if s.due_on else "未公表"
            flag = "【期限超過】" if s.overdue else "【未実施】" if s.missing else ""
            click.echo(
                f"{f.name}\t{s.level.value}\t再評価期限 {due}\t{s.done}/{len(s.sections)}項目完了 {flag}"
            )


@group.command("incidents")
@municipality_option
@runtime_options
def incidents_list(lg_code: str, runtime: Runtime) -> None:
    """インシデントと個人情報保護委員会への報告期限 / incidents and report deadlines."""
    from renkei.governance import incidents

    today = clock.today()
    with runtime.municipal_session(lg_code) as session:
        for i in incidents.list_incidents(session):
            d = incidents.deadlines(i, today=today)
            line = f"{i.code}\t{i.title}\t{incidents.current_step(i)}"
            if d.reportable:
                line += f"\t速報期限 {_day(d.prompt_due)}{'（超過）' if d.prompt_overdue else ''}"
                line += f"\t確報期限 {_day(d.final_due)}{'（超過）' if d.final_overdue else ''}"
            else:
                line += "\t委員会報告の対象外"
            click.echo(line)


def _day(day: dt.date | None) -> str:
    return wareki.both(day) if day else "—"


# The inventory and region commands live in their own module; they join this group here.
from renkei.cli.governance_region import register as _register_region  # noqa: E402

_register_region(group)
