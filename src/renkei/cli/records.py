"""`renkei records …`: check every 情報提供等記録 log under the data dir (the hub's and each municipality's)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from renkei.cli.common import runtime_options
from renkei.core.ids import validate_lg_code

if TYPE_CHECKING:  # imported when a command runs (renkei.cli.lazy)
    from renkei.runtime import Runtime, witnessing


@click.group(name="records")
def group() -> None:
    """情報提供等記録 / exchange records (番号法第23条)."""


def _print(node: str, found: witnessing.WitnessedReport) -> bool:
    from renkei.protocol.ledger import Report
    from renkei.protocol.ledger.witness import FORK, INCONSISTENT

    report: Report = found.report
    forks = [n for n in found.notes if FORK in n or INCONSISTENT in n]
    for note in found.notes:
        click.echo(f"  {'NG' if note in forks else '注意'} {note}")
    if report.ok and not forks:
        click.echo(
            f"{node}: OK 記録 {report.entries} 件、署名付きツリーヘッド {report.roots} 件"
            f"（未署名の末尾 {report.unsigned_tail} 件）、証人のヘッド {report.witnessed} 件、"
            f"整合性証明 {report.consistency_proofs} 件"
            + (f"、アーカイブ済み {report.archived} 件" if report.archived else "")
        )
        return True
    if report.ok:
        click.echo(
            f"{node}: NG 証人が分岐（同じ件数で異なるルート）または不整合なチェックポイントを受け取っています"
        )
        return False
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
    """ハッシュチェーン、署名付きツリーヘッド、証人が副署したヘッドを検証し、問題があれば終了コード1 / exit 1 on any failure.

    Each log is checked against the heads its witnesses hold (the hub's by every node, a node's by the hub and
    its peer), with an RFC 9162 consistency proof from each witness's newest head: deleting the newest records,
    rewriting and rechaining, or rewriting and re-signing with the node's own key are all named.
    """
    from renkei.intermediate import service
    from renkei.runtime import municipality_node, witnessing

    wanted = list(nodes) or ["hub", *sorted(runtime.municipalities())]
    ok = True
    for node in wanted:
        if node == "hub":
            found = witnessing.hub_report(runtime)
            ok = _print("hub（情報提供ネットワークシステム）", found) and ok
            continue
        lg_code = validate_lg_code(node)
        witnessed = witnessing.node_report(runtime, lg_code)
        if witnessed is None:
            with runtime.municipal_session(lg_code) as session:
                reports = service.verify_records(session)
            if not reports:
                click.echo(f"{municipality_node(lg_code)}: 記録なし")
            for code, report in reports:
                ok = (
                    _print(
                        f"{municipality_node(code)}（中間サーバー）", witnessing.WitnessedReport(code, report)
                    )
                    and ok
                )
            continue
        ok = _print(f"{municipality_node(lg_code)}（中間サーバー）", witnessed) and ok
    if not ok:
        raise SystemExit(1)


@group.command("publish")
@runtime_options
def publish(runtime: Runtime) -> None:
    """各記録のツリーヘッドに署名して証人に送り、副署を集める（定足数に届かなければ終了コード1）."""
    from renkei.runtime import witnessing

    ok = True
    for node, result in witnessing.publish_all(runtime):
        state = "受理" if result.accepted else "未受理（定足数不足）"
        click.echo(
            f"{node}: tree_size {result.tree_size} 副署 {len(result.cosigned_by)}/{result.quorum} {state}"
        )
        for witness, reason in result.failures:
            click.echo(f"  証人 {witness}: {reason}")
        ok = ok and result.accepted
    if not ok:
        raise SystemExit(1)


def _ledger(runtime: Runtime, node: str) -> tuple[str, Any, Any]:
    """(database node, ledger, public key) of `hub` or a municipality code."""
    from renkei.hub import signs as hub_signs
    from renkei.hub.models import RECORDS as HUB_RECORDS
    from renkei.intermediate import service
    from renkei.intermediate.service.records import RECORDS as NODE_RECORDS
    from renkei.runtime import municipality_node

    if node == "hub":
        return "hub", HUB_RECORDS, hub_signs.hub_keys(runtime.settings).signing.public_key()
    lg_code = validate_lg_code(node)
    with runtime.municipal_session(lg_code) as session:
        key = service.node_keys(session, lg_code=lg_code, settings=runtime.settings).signing_key
    return municipality_node(lg_code), NODE_RECORDS, key.public_key()


@group.command("archive")
@click.option("--node", required=True, help="hub または団体コード")
@click.option("--through", type=int, required=True, help="この seq 以前の最新の署名付きツリーヘッドまで")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@runtime_options
def archive(node: str, through: int, out: Path, runtime: Runtime) -> None:
    """古い記録をアーカイブファイルへ移す（ハッシュ連鎖は現用の記録につながる） / archive old entries."""
    name, ledger, _key = _ledger(runtime, node)
    if out.exists():
        raise click.ClickException(f"出力先が既にあります: {out}")
    partial = out.with_name(out.name + ".partial")
    with runtime.session(name) as session, partial.open("w", encoding="utf-8") as handle:
        summary = ledger.archive(session, through=through, handle=handle)
        os.fsync(handle.fileno())
        partial.replace(out)
    click.echo(
        f"{name}: seq {summary['first_seq']}–{summary['last_seq']} の {summary['entries']} 件を {out} へ移しました"
        f"（sha256 {summary['sha256']}）"
    )


@group.command("verify-archive")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--node", required=True, help="hub または団体コード")
@runtime_options
def verify_archive(path: Path, node: str, runtime: Runtime) -> None:
    """アーカイブファイルを単独で、また現用の記録とのつながりを検証する（問題があれば終了コード1）."""
    name, ledger, key = _ledger(runtime, node)
    with runtime.session(name) as session, path.open(encoding="utf-8") as handle:
        report = ledger.verify_archive(handle, public_key=key, session=session)
    if report.ok:
        click.echo(f"{name}: OK アーカイブの記録 {report.entries} 件、現用の記録につながります")
        return
    click.echo(f"{name}: NG アーカイブに問題があります（記録 {report.entries} 件）")
    for problem in report.problems:
        click.echo(f"  {problem}")
    raise SystemExit(1)


@group.command("list")
@click.option("--municipality", "lg_code", required=True)
@click.option("--processing-number", default=None)
@click.option("--limit", default=50, show_default=True)
@runtime_options
def list_(lg_code: str, processing_number: str | None, limit: int, runtime: Runtime) -> None:
    """団体の情報提供等記録を新しい順に表示する / list a municipality's records."""
    from renkei.intermediate import service

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
