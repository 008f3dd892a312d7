"""`renkei records …`: check every 情報提供等記録 log under the data dir (the hub's and each municipality's)."""

from __future__ import annotations

import click

from renkei.cli.common import runtime_options
from renkei.cli.query import municipalities
from renkei.core.ids import validate_lg_code
from renkei.hub import service as hub_service
from renkei.intermediate import service
from renkei.protocol.ledger import Report
from renkei.runtime import Runtime, municipality_node


@click.group(name="records")
def group() -> None:
    """情報提供等記録 / exchange records (番号法第23条)."""


def _print(node: str, report: Report) -> bool:
    if report.ok:
        click.echo(
            f"{node}: OK 記録 {report.entries} 件、署名付きツリーヘッド {report.roots} 件"
            f"（未署名の末尾 {report.unsigned_tail} 件）"
        )
        return True
    click.echo(f"{node}: NG 改ざん・欠落を検出しました（記録 {report.entries} 件）")
    for problem in report.problems:
        click.echo(f"  {problem}")
    if report.bad_sequences:
        click.echo(f"  該当する記録の seq: {', '.join(str(s) for s in report.bad_sequences[:100])}")
    return False


@group.command("verify")
@click.option(
    "--node",
    "nodes",
    multiple=True,
    help="hub または団体コード（省略時はすべて） / hub or a municipality code",
)
@runtime_options
def verify(nodes: tuple[str, ...], runtime: Runtime) -> None:
    """ハッシュチェーンと署名付きツリーヘッドを検証し、問題があれば終了コード1 / exit 1 on any failure."""
    wanted = list(nodes) or ["hub", *municipalities(runtime)]
    ok = True
    for node in wanted:
        if node == "hub":
            with runtime.session("hub") as session:
                ok = (
                    _print(
                        "hub（情報提供ネットワークシステム）",
                        hub_service.verify_records(session, settings=runtime.settings),
                    )
                    and ok
                )
            continue
        lg_code = validate_lg_code(node)
        with runtime.municipal_session(lg_code) as session:
            reports = service.verify_records(session)
            if not reports:
                click.echo(f"{municipality_node(lg_code)}: 記録なし")
            for code, report in reports:
                ok = _print(f"{municipality_node(code)}（中間サーバー）", report) and ok
    if not ok:
        raise SystemExit(1)


@group.command("list")
@click.option("--municipality", "lg_code", required=True)
@click.option("--processing-number", default=None)
@click.option("--limit", default=50, show_default=True)
@runtime_options
def list_(lg_code: str, processing_number: str | None, limit: int, runtime: Runtime) -> None:
    """団体の情報提供等記録を新しい順に表示する / list a municipality's records."""
    lg_code = validate_lg_code(lg_code)
    with runtime.municipal_session(lg_code) as session:
        for entry in service.list_records(
            session, lg_code=lg_code, processing_number=processing_number, limit=limit
        ):
            b = entry.body
            click.echo(
                f"#{entry.seq} {b.get('role')} 処理通番 {b.get('processing_number')} 照会者 {b.get('requester')} "
                f"提供者 {b.get('provider')} {b.get('jm_code')} {b.get('tm_code')} 結果 {b.get('result')}"
            )
