"""`renkei jukinet …`: 本人確認情報の提供 to national bodies (online and by file), its disclosure, the provision log."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import build, runtime_options
from renkei.core import wareki
from renkei.core.clock import JST
from renkei.core.errors import Invalid

if TYPE_CHECKING:  # imported when a command runs (renkei.cli.lazy)
    from renkei.protocol.provision import Disclosure, IdentityQuery, ProvisionAnswer
    from renkei.runtime import Runtime

# The 一括提供 file: what a national body sends (照会ファイル) and what it gets back (提供ファイル). Decision 0082.
QUERY_HEADINGS = ("照会番号", "住民票コード", "氏名", "生年月日", "性別", "住所")
ANSWER_HEADINGS = (
    "照会番号",
    "結果",
    "住民票コード",
    "個人番号",
    "氏名",
    "氏名カナ",
    "旧氏",
    "生年月日",
    "性別",
    "住所",
    "状態",
    "記録番号",
    "メッセージ",
)
STATUS_LABELS = {"provided": "提供", "refused": "拒否"}


@click.group(name="jukinet")
def group() -> None:
    """住基ネット全国サーバ: 国の機関等への本人確認情報の提供と提供状況の開示."""


@group.command("affairs")
@runtime_options
def affairs(runtime: Runtime) -> None:
    """住民基本台帳法別表第一（提供を受ける者と事務） / the table of permitted recipients and affairs."""
    from renkei.protocol.provision import ProvisionClient

    click.echo("項番\t事務コード\t提供を受ける者\t提供項目\t事務")
    for a in ProvisionClient(runtime.transport).affairs():
        click.echo(f"{a.number}\t{a.code}\t{a.recipient_name}\t{'・'.join(a.items)}\t{a.name}")


@group.command("register-recipient")
@click.argument("code")
@click.argument("name")
@runtime_options
def register_recipient(code: str, name: str, runtime: Runtime) -> None:
    """提供先の機関を登録する（別表第一に掲げる者のみ） / register a national body as a recipient."""
    from renkei.protocol.provision import ProvisionClient, RecipientRegistration

    recipient = ProvisionClient(runtime.transport).register_recipient(
        build(RecipientRegistration, record=code, code=code, name=name)
    )
    click.echo(f"{recipient.code} {recipient.name}: 事務 {', '.join(a.code for a in recipient.affairs)}")


@group.command("recipients")
@runtime_options
def recipients(runtime: Runtime) -> None:
    """登録済みの提供先 / registered recipients."""
    from renkei.protocol.provision import ProvisionClient

    for r in ProvisionClient(runtime.transport).recipients():
        click.echo(f"{r.code}\t{r.name}\t{', '.join(a.code for a in r.affairs)}")


def _date(text: str | None, field: str, record: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        try:
            return wareki.parse_wareki(text)
        except Invalid:
            raise Invalid(
                "日付は 1990-07-07 か 平成2年7月7日 の形で書いてください", record=record, field=field
            ) from None


def _sex(text: str | None, record: str) -> str | None:
    value = {"男": "1", "女": "2"}.get((text or "").strip(), (text or "").strip())
    if value and value not in ("1", "2"):
        raise Invalid("性別は 1（男）か 2（女）です", record=record, field="性別")
    return value or None


def _print(answer: ProvisionAnswer) -> None:
    click.echo(answer.message)
    for r in answer.results:
        i = r.identity
        if i is None:
            click.echo(f"  [{r.ref or '-'}] 記録{r.record_seq}: {r.message}")
            continue
        number = f" 個人番号 {i.mynumber}" if i.mynumber else ""
        code = f" 住民票コード {i.juminhyo_code}" if i.juminhyo_code else ""
        click.echo(
            f"  [{r.ref or '-'}] 記録{r.record_seq}: {i.name}（{i.name_kana}） {wareki.both(i.birth_date)} "
            f"{'男' if i.sex == '1' else '女'} {i.address} 状態 {i.status}{code}{number} 異動 {len(i.changes)}件"
        )


@group.command("provide")
@click.option("--recipient", required=True, help="提供先の機関コード / recipient code")
@click.option("--affair", required=True, help="別表第一の事務コード（例 B1-001） / affair code")
@click.option("--code", "juminhyo_code", default=None, help="住民票コードで照会 / by 住民票コード")
@click.option("--name", default=None, help="氏名（基本4情報で照会） / name")
@click.option("--birth-date", default=None, help="生年月日 / birth date (ISO or 和暦)")
@click.option("--sex", default=None, help="性別 1|2 / sex")
@click.option("--address", default=None, help="住所（任意） / address (optional)")
@runtime_options
def provide(
    *,
    recipient: str,
    affair: str,
    juminhyo_code: str | None,
    name: str | None,
    birth_date: str | None,
    sex: str | None,
    address: str | None,
    runtime: Runtime,
) -> None:
    """即時提供: 一人分の本人確認情報を照会する / ask for one person's 本人確認情報."""
    from renkei.protocol.provision import IdentityQuery, ProvisionClient, ProvisionRequest

    query = build(
        IdentityQuery,
        record="1",
        ref="1",
        juminhyo_code=juminhyo_code,
        name=name,
        birth_date=_date(birth_date, "生年月日", "1"),
        sex=_sex(sex, "1"),
        address=address,
    )
    request = build(ProvisionRequest, recipient_code=recipient, affair_code=affair, queries=[query])
    _print(ProvisionClient(runtime.transport).provide(request))


def read_query_file(data: bytes) -> list[IdentityQuery]:
    """The 照会ファイル (UTF-8 or CP932 CSV with QUERY_HEADINGS); a bad line names itself and its field."""
    from renkei.protocol.provision import IdentityQuery

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != QUERY_HEADINGS:
        raise Invalid(f"見出し行は {','.join(QUERY_HEADINGS)} にしてください", record="1行目", field="見出し")
    queries = []
    for line, row in enumerate(reader, start=2):
        where = f"{line}行目"
        queries.append(
            build(
                IdentityQuery,
                record=where,
                ref=row["照会番号"] or where,
                juminhyo_code=row["住民票コード"] or None,
                name=row["氏名"] or None,
                birth_date=_date(row["生年月日"], "生年月日", where),
                sex=_sex(row["性別"], where),
                address=row["住所"] or None,
            )
        )
    if not queries:
        raise Invalid("照会ファイルに行がありません", record="2行目")
    return queries


def answer_file(answer: ProvisionAnswer) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ANSWER_HEADINGS)
    for r in answer.results:
        i = r.identity
        writer.writerow(
            (
                r.ref,
                "提供" if i else ("拒否" if answer.status == "refused" else "該当なし"),
                (i.juminhyo_code or "") if i else "",
                (i.mynumber or "") if i else "",
                i.name if i else "",
                i.name_kana if i else "",
                (i.former_surname or "") if i else "",
                i.birth_date.isoformat() if i else "",
                i.sex if i else "",
                i.address if i else "",
                i.status if i else "",
                r.record_seq,
                r.message,
            )
        )
    return out.getvalue()


@group.command("provide-batch")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--recipient", required=True, help="提供先の機関コード / recipient code")
@click.option("--affair", required=True, help="別表第一の事務コード / affair code")
@click.option("--out", "out", type=click.Path(path_type=Path, dir_okay=False), required=True)
@runtime_options
def provide_batch(file: Path, recipient: str, affair: str, out: Path, runtime: Runtime) -> None:
    """一括提供: 照会ファイル（CSV）の各行に答える / answer a query file."""
    from renkei.protocol.provision import ProvisionClient, ProvisionRequest

    request = build(
        ProvisionRequest,
        recipient_code=recipient,
        affair_code=affair,
        method="batch",
        queries=read_query_file(file.read_bytes()),
    )
    answer = ProvisionClient(runtime.transport).provide(request)
    out.write_text(answer_file(answer), encoding="utf-8")
    click.echo(f"{answer.message} → {out}")


def print_disclosure(disclosure: Disclosure) -> None:
    from renkei.protocol.provision import METHOD_LABELS

    click.echo(f"本人確認情報の提供状況（{wareki.both(disclosure.since)} 以降）")
    if not disclosure.entries:
        click.echo("提供の記録はありません")
    click.echo("提供年月日\t機能区分\t利用事由\t提供事務区分\t提供元\t提供先\t結果\t提供された本人確認情報")
    for e in disclosure.entries:
        at = e.provided_at.astimezone(JST)
        click.echo(
            f"{wareki.both(at.date())} {at:%H:%M}\t{METHOD_LABELS[e.method]}\t{e.query_kind}による照会\t"
            f"{e.affair_code} {e.affair_name}\t{e.provider}\t{e.recipient_name}（{e.recipient_code}）\t"
            f"{STATUS_LABELS[e.status]}\t{'・'.join(e.items) or '—'}"
        )


@group.command("disclosure")
@click.option("--person", "juminhyo_code", default=None, help="住民票コード")
@click.option("--resident", default=None, help="団体コード:住民ID（住民記録から住民票コードを引く）")
@runtime_options
def disclosure(juminhyo_code: str | None, resident: str | None, runtime: Runtime) -> None:
    """本人確認情報の提供状況の開示 / who received this person's 本人確認情報, when, for which 事務."""
    from renkei.protocol.provision import ProvisionClient
    from renkei.residents import service as residents

    client = ProvisionClient(runtime.transport)
    if juminhyo_code:
        print_disclosure(client.disclosure(juminhyo_code))
        return
    if not resident or ":" not in resident:
        raise Invalid(
            "--person 住民票コード か --resident 団体コード:住民ID を指定してください", field="person"
        )
    lg_code, _, rid = resident.partition(":")
    if not rid.isdigit():
        raise Invalid("住民IDは数字です", record=resident, field="resident")
    with runtime.municipal_session(lg_code) as session:
        found = residents.provision_disclosure(
            session, resident_id=int(rid), provision=client, settings=runtime.settings
        )
    print_disclosure(found)


@group.command("verify-records")
@runtime_options
def verify_records(runtime: Runtime) -> None:
    """提供記録の改ざん検知（ハッシュ連鎖と署名付きツリーヘッド） / verify the provision log."""
    from renkei.protocol.provision import ProvisionClient

    check = ProvisionClient(runtime.transport).verify_records()
    click.echo(f"{check.log}: {check.entries}件、署名付きツリーヘッド {check.signed_heads}件")
    for problem in check.problems:
        click.echo(f"  {problem}")
    if not check.ok:
        raise SystemExit(1)
    click.echo("改ざんは検出されませんでした")


@group.command("migration-report")
@click.option("--month", required=True, help="報告年月 YYYY-MM")
@click.option(
    "--out", "out", type=click.Path(path_type=Path, dir_okay=False), default=None, help="CSVの出力先"
)
@click.option("--check/--no-check", default=True, help="各団体の住民記録の転入件数と突き合わせる")
@runtime_options
def migration_report(month: str, out: Path | None, check: bool, runtime: Runtime) -> None:
    """住民基本台帳人口移動報告用データ（月次の転入者数） / the monthly in-migration file for 統計局."""
    from renkei.protocol.provision import migration_csv, migration_report_of, month_range
    from renkei.residents import service as residents

    report = migration_report_of(runtime.transport, month)
    if out is not None:
        out.write_bytes(migration_csv(report).encode("utf-8"))
    click.echo(f"{report.month}: 転入者 {report.total}人、{len(report.rows)}区分 SHA-256 {report.digest}")
    for lg_code, count in sorted(report.by_municipality.items()):
        click.echo(f"  {lg_code}\t{count}人")
    if not check:
        return
    start, end = month_range(report.month)
    mismatches = 0
    for lg_code in runtime.municipalities():
        with runtime.municipal_session(lg_code) as session:
            recorded = residents.changes_recorded(session, kind="move_in", start=start, end=end)
        reported = report.by_municipality.get(lg_code, 0)
        if recorded != reported:
            mismatches += 1
            click.echo(f"  不一致 {lg_code}: 住民記録の転入 {recorded}件、報告 {reported}人")
    if mismatches:
        raise SystemExit(1)
    click.echo("各団体の住民記録の転入件数と一致しました")
