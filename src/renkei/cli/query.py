"""`renkei query …`: 情報照会 one at a time or from the bulk request file, and polling by 処理通番."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.connectors.text import ENCODINGS
from renkei.core import clock
from renkei.core.clock import JST
from renkei.core.errors import Invalid
from renkei.core.ids import municipality_agency_code, validate_lg_code

if TYPE_CHECKING:
    from renkei.connectors.bulk_query import ResultLine
    from renkei.intermediate.schemas import QueryOutcome
    from renkei.protocol.hub import HubClient
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


def in_process(runtime: Runtime, hub_url: str | None = None) -> bool:
    return hub_url is None and runtime.transport is runtime.in_process


def prepare(
    runtime: Runtime, lg_code: str, hub_url: str | None = None, jukinet_url: str | None = None
) -> HubClient:
    """The hub client: this process's own hub (joined once), or the hub at --hub-url over mutual TLS as the
    municipality's node, registered with it (idempotent)."""
    from renkei.intermediate import service
    from renkei.protocol.hub import HubClient
    from renkei.protocol.jukinet import JukinetClient
    from renkei.protocol.transport import HttpTransport, Transport
    from renkei.runtime import municipality_node
    from renkei.runtime.wire import client_tls

    lg_code = validate_lg_code(lg_code)
    if hub_url is None:
        return runtime.join_hub(lg_code)
    tls = client_tls(runtime.settings.data_dir, municipality_node(lg_code))
    transport: Transport = HttpTransport({"hub": hub_url, "jukinet": jukinet_url or ""}, tls=tls)
    hub = HubClient(transport)
    name = JukinetClient(transport).register_municipality(lg_code).name if jukinet_url else None
    with runtime.municipal_session(lg_code) as session:
        service.register_with_hub(session, lg_code=lg_code, settings=runtime.settings, hub=hub, name=name)
    return hub


HUB_URL = click.option(
    "--hub-url", default=None, help="別プロセスのハブのURL（省略時は同一プロセス） / hub URL"
)


STATUS_NAMES = {"pending": "照会中", "answered": "回答あり", "refused": "照会不許可", "error": "エラー"}


@click.group(name="query")
def group() -> None:
    """情報照会（中間サーバー） / queries to other agencies through the hub."""


def _provider(value: str) -> str:
    value = value.strip()
    return value if len(value) == 16 else municipality_agency_code(validate_lg_code(value))


def show(outcome: QueryOutcome) -> None:
    click.echo(f"処理通番: {outcome.process_number or '（なし）'}")
    click.echo(f"状態: {STATUS_NAMES.get(outcome.status, outcome.status)} ({outcome.status})")
    if outcome.message:
        click.echo(f"メッセージ: {outcome.message}")
    for copy in outcome.copies:
        click.echo(f"副本 データセット {copy.get('dataset')} 版 {copy.get('version')}:")
        for tk, value in copy.get("items", {}).items():
            click.echo(f"  {tk} = {value}")


@group.command("submit")
@click.option("--municipality", "lg_code", required=True, help="照会する団体の団体コード")
@click.option("--atena", default=None, help="宛名番号")
@click.option(
    "--system", default="juki", show_default=True, help="宛名番号の業務システム (juki, tax, jidoteate …)"
)
@click.option("--integrated", default=None, help="団体内統合宛名番号（宛名番号の代わりに）")
@click.option("--jm", required=True, help="事務コード JM…")
@click.option("--jt", required=True, help="事務手続コード JT…")
@click.option("--provider", required=True, help="情報提供者の機関コード（16桁）または団体コード")
@click.option("--tm", required=True, help="特定個人情報名コード TM…")
@click.option(
    "--wait/--no-wait", default=True, show_default=True, help="回答を待って表示する（単一プロセス時）"
)
@HUB_URL
@runtime_options
def submit(
    *,
    lg_code: str,
    atena: str | None,
    system: str,
    integrated: str | None,
    jm: str,
    jt: str,
    provider: str,
    tm: str,
    wait: bool,
    hub_url: str | None,
    runtime: Runtime,
) -> None:
    """情報照会を送信し、処理通番を表示する / submit a query and print its 処理通番."""
    from renkei.intermediate import service
    from renkei.intermediate.schemas import QueryRequest

    lg_code = validate_lg_code(lg_code)
    hub = prepare(runtime, lg_code, hub_url)
    request = QueryRequest(
        jm_code=jm,
        jt_code=jt,
        provider=_provider(provider),
        tm_code=tm,
        atena=atena,
        system=system,
        integrated_number=integrated,
    )
    sessions = runtime.municipal_sessions(lg_code)
    outcome = service.submit_query(
        sessions, lg_code=lg_code, settings=runtime.settings, hub=hub, request=request
    )
    if wait and outcome.status == "pending" and outcome.process_number and in_process(runtime, hub_url):
        outcome = service.poll_query(
            sessions,
            lg_code=lg_code,
            settings=runtime.settings,
            hub=hub,
            process_number=outcome.process_number,
        )
    show(outcome)


@group.command("poll")
@click.argument("process_number")
@click.option("--municipality", "lg_code", required=True)
@HUB_URL
@runtime_options
def poll(process_number: str, lg_code: str, hub_url: str | None, runtime: Runtime) -> None:
    """処理通番で照会結果を取得する / fetch the result of a query by its 処理通番."""
    from renkei.intermediate import service

    lg_code = validate_lg_code(lg_code)
    hub = prepare(runtime, lg_code, hub_url)
    outcome = service.poll_query(
        runtime.municipal_sessions(lg_code),
        lg_code=lg_code,
        settings=runtime.settings,
        hub=hub,
        process_number=process_number,
    )
    show(outcome)


@group.command("bulk")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--municipality", "lg_code", required=True)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="結果ファイル（またはその出力先フォルダ）",
)
@click.option("--system", default=None, help="宛名番号の業務システム（既定: 部署コード欄）")
@click.option("--encoding", type=click.Choice(ENCODINGS), default="auto", show_default=True)
@click.option("--out-encoding", type=click.Choice(["cp932", "utf-8"]), default="cp932", show_default=True)
@click.option("--timeout", default=60.0, show_default=True, help="回答を待つ秒数")
@HUB_URL
@runtime_options
def bulk(
    *,
    file: Path,
    lg_code: str,
    out: Path,
    system: str | None,
    encoding: str,
    out_encoding: str,
    timeout: float,
    hub_url: str | None,
    runtime: Runtime,
) -> None:
    """一括照会ファイルを送信し、結果ファイルを書く / submit a bulk request file and write the result file.

    The whole file is read and checked first; a bad line is reported in the result file with its line number and
    the reason, and only the good lines are sent. Each line is keyed by its content, so running the same file
    again sends nothing twice (it resends only what never reached the hub). The result file is written with
    every result there is, also when the wait is interrupted (Ctrl-C) or runs out."""
    import dataclasses

    from renkei.connectors.bulk_query import BadLine, read_request_file, result_file_name
    from renkei.intermediate import service

    lg_code = validate_lg_code(lg_code)
    lines: list[service.Line] = []
    for item in read_request_file(file, encoding=encoding, system=system):
        if isinstance(item, BadLine):
            error = item.error
            where = f"{item.line_no}行目" + (f" {error.field}" if error.field else "")
            reason = Invalid(f"{where}: {error.message}", record=error.record, field=error.field)
            lines.append(service.Line(None, fields=item.fields, error=reason))
        else:
            asked = dataclasses.replace(item.query, client_request_id=item.key)
            lines.append(service.Line(asked, fields=item.fields))
    bad = sum(line.request is None for line in lines)
    click.echo(f"{file.name}: {len(lines)} 行を読みました（誤りのある行 {bad} 行は送信しません）")
    hub = prepare(runtime, lg_code, hub_url)
    sessions = runtime.municipal_sessions(lg_code)
    submitted = service.submit_bulk_batched(
        sessions, lg_code=lg_code, settings=runtime.settings, hub=hub, lines=lines
    )
    click.echo(
        f"送信 {submitted.submitted} 件 / 照会不許可 {submitted.refused} 件 / エラー {submitted.errors} 件"
    )
    tm = next((line.request.tm_code for line in lines if line.request), "")
    path = out / result_file_name(tm, clock.now()) if out.is_dir() else out
    pending = 0
    try:
        if submitted.failure is not None:
            raise click.ClickException(
                f"情報提供ネットワークシステムに送信できませんでした: {submitted.failure}"
                "（送信待ちの照会は同じファイルをもう一度実行すると送信されます）"
            )
        deadline = time.monotonic() + timeout
        while True:
            pending = service.poll_pending(
                sessions, lg_code=lg_code, settings=runtime.settings, hub=hub, ids=submitted.line_rows
            )
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        count = _write_results(runtime, lg_code, path, submitted.line_rows, encoding=out_encoding)
        click.echo(f"結果ファイル: {path}（{count} 行、照会中 {pending} 件）")


def _write_results(runtime: Runtime, lg_code: str, path: Path, row_ids: list[int], *, encoding: str) -> int:
    """The result file, one line per request line in file order, written whole or not at all (a temporary
    file renamed into place), so an interrupted run never leaves a truncated result file."""
    from renkei.connectors.bulk_query import write_result_file
    from renkei.intermediate import service

    partial = path.with_name(f".{path.name}.partial")
    with runtime.municipal_session(lg_code) as session:
        count = write_result_file(
            partial,
            (_result(fields, o) for fields, o in service.outcomes_of(session, lg_code=lg_code, ids=row_ids)),
            encoding=encoding,
        )
    partial.replace(path)
    return count


def _stamp(at: dt.datetime | None) -> str:
    return at.astimezone(JST).strftime("%Y%m%d%H%M%S%f")[:17] if at else ""


def _result(fields: list[str], outcome: QueryOutcome) -> ResultLine:
    """One result line: the request echoed, statuses and messages, then the items in layout order."""
    from renkei.connectors.bulk_query import ResultLine
    from renkei.intermediate.service.layout import result_columns

    copies = outcome.copies or [{}]
    first = copies[0]
    columns = result_columns(outcome.tm_code, str(first.get("version", "")), str(first.get("dataset", "")))
    values = first.get("items", {})
    items = [str(values[tk]) if values.get(tk) is not None else "" for tk in columns]
    detail_message = outcome.message if outcome.status in ("refused", "error") else ""
    tm_message = outcome.message if outcome.status == "answered" and not outcome.copies else ""
    return ResultLine(
        request_fields=(fields + [""] * 18)[:18],
        process_number=outcome.process_number or "",
        requested_at=_stamp(outcome.requested_at),
        provided_at=_stamp(outcome.answered_at),
        dataset_no=str(first.get("dataset", "")),
        version=str(first.get("version", "")),
        detail_status=outcome.detail_status,
        detail_message=detail_message,
        tm_status=outcome.tm_status,
        tm_message=tm_message,
        items=items,
    )


@group.command("signs")
@click.option("--municipality", "lg_code", required=True)
@HUB_URL
@click.option("--jukinet-url", default=None, help="別プロセスの住基ネットのURL")
@runtime_options
def signs(lg_code: str, hub_url: str | None, jukinet_url: str | None, runtime: Runtime) -> None:
    """符号取得: 出生・転入の住民に符号を取得し、転出者の符号を外す / obtain 符号 for new residents."""
    from renkei.intermediate import service
    from renkei.protocol.jukinet import JukinetClient
    from renkei.protocol.transport import HttpTransport, Transport
    from renkei.runtime import municipality_node
    from renkei.runtime.wire import client_tls

    lg_code = validate_lg_code(lg_code)
    hub = prepare(runtime, lg_code, hub_url, jukinet_url)
    tls = client_tls(runtime.settings.data_dir, municipality_node(lg_code))
    transport: Transport = (
        HttpTransport({"jukinet": jukinet_url}, tls=tls) if jukinet_url else runtime.transport
    )
    jukinet = JukinetClient(transport)
    with runtime.municipal_session(lg_code) as session:
        result = service.sync_signs(
            session, lg_code=lg_code, settings=runtime.settings, jukinet=jukinet, hub=hub
        )
        missing = service.acquire_missing_signs(
            session, lg_code=lg_code, settings=runtime.settings, jukinet=jukinet, hub=hub
        )
    click.echo(
        f"符号取得 {result.acquired + missing} 件 / 符号削除 {result.removed} 件 / 処理した異動 {result.events} 件"
    )
