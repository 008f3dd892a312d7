"""`renkei hub …`: the hub's permission table, registered agencies, pending deliveries and records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.cli.hub_operator import agency_group, operator_group, permission_commands
from renkei.core import wareki

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


@click.group(name="hub")
def group() -> None:
    """情報提供ネットワークシステム / the national hub."""


@group.group("permissions")
def permissions() -> None:
    """情報連携の許可表（番号法別表第二・主務省令） / the permission table."""


@permissions.command("list")
@click.option("--tm", "tm_code", default=None, help="特定個人情報名コードで絞り込む / filter by TM code")
@runtime_options
def list_(tm_code: str | None, runtime: Runtime) -> None:
    """許可表を表示する / show the permission table."""
    from renkei.hub import local_use, service

    with runtime.session("hub") as session:
        rows = service.list_permissions(session)
        local = local_use.list_entries(session)
    click.echo(
        "項番\t情報照会者\t事務コード\t事務手続コード\t情報提供者\t特定個人情報名コード\t特定個人情報名\t事務名"
    )
    for row in rows:
        if tm_code and row.tm_code != tm_code:
            continue
        click.echo(
            "\t".join(
                (
                    row.item,
                    row.requester,
                    row.jimu_code,
                    row.procedure_code or "（全手続）",
                    row.provider,
                    row.tm_code,
                    row.tm_name,
                    row.jimu_name,
                )
            )
            + (f"\t最終日 {wareki.both(row.valid_to)}" if row.valid_to else "")
        )
    for e in local:  # 独自利用事務の届出による許可 (番号法第19条第9号): this requester only, for its period
        if tm_code and e.tm_code != tm_code:
            continue
        period = f"{wareki.both(e.valid_from)}〜{wareki.both(e.valid_to)}"
        click.echo(
            "\t".join(
                ("独自利用", e.requester_code, e.jimu_code, "（全手続）", e.provider, e.tm_code, e.jimu_name)
            )
            + f"\t{period}\t{e.basis}"
        )


for _command in permission_commands:
    permissions.add_command(_command)
group.add_command(operator_group)
group.add_command(agency_group)


@group.command("agencies")
@runtime_options
def agencies(runtime: Runtime) -> None:
    """登録済みの機関を表示する / list registered agencies."""
    from renkei.hub import service

    with runtime.session("hub") as session:
        for agency in service.list_agencies(session):
            registered = wareki.both(agency.registered_at)
            retired = f"\t廃止 {wareki.both(agency.retired_at)}" if agency.retired_at else ""
            click.echo(
                f"{agency.agency_code}\t{agency.name}\t{agency.kind}\t{agency.endpoint}\t{registered}{retired}"
            )


@group.command("deliver")
@click.option("--limit", default=100, show_default=True)
@runtime_options
def deliver(limit: int, runtime: Runtime) -> None:
    """保留中の照会を情報提供者へ配送する / deliver pending queries to provider nodes once."""
    from renkei.hub import service

    report = service.deliver_pending(
        runtime.sessions("hub"), transport=runtime.transport, settings=runtime.settings, limit=limit
    )
    click.echo(
        f"配送 {report.delivered} 件: 回答 {report.answered} 件、拒否 {report.refused} 件、"
        f"再送待ち {report.retrying} 件"
    )


@group.command("records")
@click.option("--processing-number", default=None, help="処理通番で絞り込む")
@click.option("--limit", default=50, show_default=True)
@runtime_options
def records(processing_number: str | None, limit: int, runtime: Runtime) -> None:
    """ハブの情報提供等記録を新しい順に表示する / the hub's exchange records, newest first."""
    from renkei.hub import service

    with runtime.session("hub") as session:
        entries = service.list_records(session, processing_number=processing_number, limit=limit)
    for entry in entries:
        click.echo(
            f"#{entry['seq']}\t{entry['processing_number']}\t{entry['requester_name']}→{entry['provider_name']}"
            f"\t{entry['jimu_code']}\t{entry['tm_code']}\t照会 {wareki.moment(entry['requested_at'])}"
            f"\t提供 {wareki.moment(entry['provided_at'], empty='—')}\t{entry['result']}\t{entry['message']}"
        )


@group.command("proof")
@click.argument("seq", type=int)
@runtime_options
def proof(seq: int, runtime: Runtime) -> None:
    """記録1件の包含証明（JSON）を出力する / print the inclusion proof of one record as JSON."""
    import json

    from renkei.hub import service

    with runtime.session("hub") as session:
        found = service.record_proof(session, seq=seq, settings=runtime.settings)
    click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
