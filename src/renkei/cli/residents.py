"""`renkei residents …`: import a population file, the 異動 (birth, move, name, address, death), list and show."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.cli.listing import emit, paging_options
from renkei.cli.progress import count_lines, progress_bar
from renkei.connectors.text import ENCODINGS
from renkei.core.wareki import both

if TYPE_CHECKING:
    from renkei.residents.schemas import ResidentView
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

municipality = click.option(
    "--municipality", "lg_code", required=True, help="全国地方公共団体コード (e.g. 131016)"
)
notified = click.option(
    "--notified-on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="届出日 (default today)"
)


LIST_COLUMNS = ("id", "宛名番号", "氏名", "カナ", "性別", "生年月日", "状態", "住所")


def _date(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _line(r: ResidentView) -> str:
    from renkei.residents.schemas import SEX_LABELS

    return (
        f"{r.id}\t{r.atena_number}\t{r.name}（{r.name_kana}）\t{SEX_LABELS.get(r.sex, r.sex)}\t"
        f"{both(r.birth_date)}\t{r.status_label}\t{r.address}"
    )


@click.group(name="residents")
def group() -> None:
    """住民記録 / resident register."""


@group.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@municipality
@click.option(
    "--encoding",
    type=click.Choice(ENCODINGS),
    default="auto",
    show_default=True,
    help="文字コード（auto: BOM付きUTF-8・UTF-8・CP932 を判定）",
)
@click.option("--on-error", type=click.Choice(["abort", "skip"]), default="abort", show_default=True)
@click.option(
    "--rejects", type=click.Path(path_type=Path, dir_okay=False), default=None, help="skip時の誤り行の出力先"
)
@click.option(
    "--gaiji-table",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="外字の対応表（UTF-8 CSV: 外字,置換,備考 / docs/gaiji-table.md）",
)
@runtime_options
def import_(
    *,
    path: Path,
    lg_code: str,
    encoding: str,
    on_error: str,
    rejects: Path | None,
    gaiji_table: Path | None,
    runtime: Runtime,
) -> None:
    """Register everyone in PATH: 住民票コード and My Number via 住基ネット, then a 統合宛名番号.

    A name or address with a private-use character (外字) is refused unless --gaiji-table maps it.
    """
    from renkei.addressee.intake import import_population
    from renkei.core.gaiji import load_table
    from renkei.protocol.jukinet import JukinetClient
    from renkei.residents.importer import detect_encoding

    if on_error == "skip" and rejects is None:
        rejects = path.with_name(path.stem + ".rejects.csv")
    if encoding == "auto":
        encoding, note = detect_encoding(path)
        click.echo(f"文字コード: {encoding}（自動判定: {note}）", err=True)
    with progress_bar("住民記録の取込", total=count_lines(path), unit="行") as bar:
        result = import_population(
            lambda: runtime.municipal_session(lg_code),
            path=path,
            lg_code=lg_code,
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
            encoding=encoding,
            on_error=on_error,  # type: ignore[arg-type]
            rejects=rejects,
            progress=lambda read: bar.update(completed=read),
            gaiji=load_table(gaiji_table) if gaiji_table is not None else None,
        )
    click.echo(
        f"読込 {result.read:,} 行 / 新規登録 {result.registered:,} 人 / "
        f"登録済み（同一内容） {result.already_registered:,} 人 / "
        f"競合（別の内容で登録済み） {result.conflicts:,} 行 / 誤り {result.rejected - result.conflicts:,} 行"
    )
    for error in result.errors[:20]:
        click.echo(f"  {error}", err=True)
    if result.rejected and rejects is not None:
        click.echo(f"誤りのある行を書き出しました: {rejects}", err=True)


@group.command("list")
@municipality
@click.option("--query", default=None, help="氏名またはカナの一部")
@click.option("--all", "everyone", is_flag=True, help="転出・死亡も含める")
@paging_options()
@runtime_options
def list_(
    *, lg_code: str, query: str | None, everyone: bool, limit: int, offset: int, output_format: str,
    runtime: Runtime,
) -> None:  # fmt: skip
    """List residents a page at a time, with the total (id, 宛名番号, name, sex, birth date, status, address)."""
    from renkei.residents import service
    from renkei.residents.schemas import SEX_LABELS

    status = None if everyone else "active"
    with runtime.municipal_session(lg_code) as session:
        total = service.count_residents(session, query=query, status=status)
        rows = service.list_residents(session, query=query, status=status, limit=limit, offset=offset)
    table = output_format == "table"
    emit(
        LIST_COLUMNS,
        [
            (
                r.id, r.atena_number, r.name, r.name_kana, SEX_LABELS.get(r.sex, r.sex),
                both(r.birth_date) if table else r.birth_date.isoformat(), r.status_label, r.address,
            )
            for r in rows
        ],
        total=total, limit=limit, offset=offset, output_format=output_format,
    )  # fmt: skip


@group.command("show")
@municipality
@click.argument("resident_id", type=int)
@runtime_options
def show(*, lg_code: str, resident_id: int, runtime: Runtime) -> None:
    """One resident with household and 異動 history."""
    from renkei.residents import service

    with runtime.municipal_session(lg_code) as session:
        r = service.get_resident(session, resident_id=resident_id)
        changes = service.changes_of(session, resident_id=resident_id)
    click.echo(_line(r))
    click.echo(f"世帯番号 {r.household_number}（{r.relationship}）  住民となった日 {both(r.resident_since)}")
    if r.former_surname:
        click.echo(f"旧氏 {r.former_surname}")
    for c in changes:
        click.echo(
            f"  {c.kind_label}\t事由 {c.reason_code}\t届出 {both(c.notified_on)}\t異動 {both(c.effective_on)}"
        )


@group.command("birth")
@municipality
@click.option("--parent", "parent_id", type=int, required=True, help="親の住民ID")
@click.option("--given-name", required=True)
@click.option("--given-name-kana", required=True)
@click.option("--born-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--sex", type=click.Choice(["1", "2"]), required=True, help="1 男 / 2 女")
@notified
@runtime_options
def birth(
    *,
    lg_code: str,
    parent_id: int,
    given_name: str,
    given_name_kana: str,
    born_on: dt.datetime,
    sex: str,
    notified_on: dt.datetime | None,
    runtime: Runtime,
) -> None:
    """出生届: register a child in the parent's household (My Number issued through 住基ネット)."""
    from renkei.protocol.jukinet import JukinetClient
    from renkei.residents import service

    with runtime.municipal_session(lg_code) as session:
        child = service.record_birth(
            session,
            parent_id=parent_id,
            given_name=given_name,
            given_name_kana=given_name_kana,
            birth_date=born_on.date(),
            sex=sex,
            notified_on=_date(notified_on),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    click.echo(f"出生を記録しました: {_line(child)}")


@group.command("move")
@click.option("--from", "from_lg", required=True, help="転出元の団体コード")
@click.option("--to", "to_lg", required=True, help="転入先の団体コード")
@click.argument("resident_id", type=int)
@click.option("--postal-code", required=True)
@click.option("--address", required=True, help="転入先の住所")
@click.option("--moved-on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="異動日")
@runtime_options
def move(
    *,
    from_lg: str,
    to_lg: str,
    resident_id: int,
    postal_code: str,
    address: str,
    moved_on: dt.datetime | None,
    runtime: Runtime,
) -> None:
    """転出・転入: move a resident from one municipality of the system to another."""
    from renkei.protocol.jukinet import JukinetClient
    from renkei.residents import service

    jukinet = JukinetClient(runtime.transport)
    with runtime.municipal_session(from_lg) as session:
        certificate = service.move_out(
            session,
            resident_id=resident_id,
            destination_lg_code=to_lg,
            effective_on=_date(moved_on),
            jukinet=jukinet,
            settings=runtime.settings,
        )
    with runtime.municipal_session(to_lg) as session:
        moved = service.move_in(
            session,
            lg_code=to_lg,
            certificate=certificate,
            postal_code=postal_code,
            address=address,
            effective_on=_date(moved_on),
            jukinet=jukinet,
            settings=runtime.settings,
        )
    click.echo(f"転出 {from_lg} → 転入 {to_lg}: {_line(moved)}")


@group.command("name-change")
@municipality
@click.argument("resident_id", type=int)
@click.option("--surname", required=True)
@click.option("--surname-kana", required=True)
@click.option("--no-former-surname", is_flag=True, help="旧氏を記録しない")
@notified
@runtime_options
def name_change(
    *,
    lg_code: str,
    resident_id: int,
    surname: str,
    surname_kana: str,
    no_former_surname: bool,
    notified_on: dt.datetime | None,
    runtime: Runtime,
) -> None:
    """氏の変更 (the old 氏 kept as 旧氏 unless --no-former-surname)."""
    from renkei.protocol.jukinet import JukinetClient
    from renkei.residents import service

    with runtime.municipal_session(lg_code) as session:
        r = service.change_name(
            session,
            resident_id=resident_id,
            surname=surname,
            surname_kana=surname_kana,
            keep_former_surname=not no_former_surname,
            notified_on=_date(notified_on),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    click.echo(f"氏を変更しました: {_line(r)}（旧氏 {r.former_surname or 'なし'}）")


@group.command("address-change")
@municipality
@click.argument("resident_id", type=int)
@click.option("--postal-code", required=True)
@click.option("--address", required=True)
@notified
@runtime_options
def address_change(
    *,
    lg_code: str,
    resident_id: int,
    postal_code: str,
    address: str,
    notified_on: dt.datetime | None,
    runtime: Runtime,
) -> None:
    """転居 within the municipality."""
    from renkei.protocol.jukinet import JukinetClient
    from renkei.residents import service

    with runtime.municipal_session(lg_code) as session:
        r = service.change_address(
            session,
            resident_id=resident_id,
            postal_code=postal_code,
            address=address,
            notified_on=_date(notified_on),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    click.echo(f"転居を記録しました: {_line(r)}")


@group.command("death")
@municipality
@click.argument("resident_id", type=int)
@click.option("--died-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@notified
@runtime_options
def death(
    *, lg_code: str, resident_id: int, died_on: dt.datetime, notified_on: dt.datetime | None, runtime: Runtime
) -> None:
    """死亡届."""
    from renkei.protocol.jukinet import JukinetClient
    from renkei.residents import service

    with runtime.municipal_session(lg_code) as session:
        r = service.record_death(
            session,
            resident_id=resident_id,
            died_on=died_on.date(),
            notified_on=_date(notified_on),
            jukinet=JukinetClient(runtime.transport),
            settings=runtime.settings,
        )
    click.echo(f"死亡を記録しました: {_line(r)}")


@group.command("connect")
@municipality
@runtime_options
def connect(*, lg_code: str, runtime: Runtime) -> None:
    """住基ネットに接続: register the municipality with jukinet (import does this by itself)."""
    from renkei.protocol.jukinet import JukinetClient

    found = JukinetClient(runtime.transport).register_municipality(lg_code)
    click.echo(f"{found.lg_code} {found.name} を住基ネットに接続しました")
