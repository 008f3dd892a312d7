"""`renkei addressee …`: search by My Number / 統合宛名番号 / 宛名番号, 名寄せ report, outbox sync, links, 住登外者."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from renkei.cli.common import LazyChoice, runtime_options
from renkei.core.errors import Invalid
from renkei.core.wareki import both

if TYPE_CHECKING:
    from renkei.addressee.schemas import AddresseeView
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

municipality = click.option(
    "--municipality", "lg_code", required=True, help="全国地方公共団体コード (e.g. 131016)"
)


def _show(person: AddresseeView) -> None:
    links = ", ".join(f"{link.system_label} {link.atena_number}" for link in person.links)
    click.echo(
        f"{person.integrated_number}\t{person.name}（{person.name_kana}）\t{both(person.birth_date)}\t"
        f"{person.kind_label}\t{person.status_label}\t{person.address}\t[{links}]"
    )


@click.group(name="addressee")
def group() -> None:
    """団体内統合宛名 / integrated addressee."""


@group.command("search")
@municipality
@click.option("--mynumber", default=None, help="個人番号（ブラインドインデックスで検索）")
@click.option("--integrated-number", default=None, help="統合宛名番号")
@click.option(
    "--system", type=LazyChoice("renkei.addressee.schemas", "SYSTEMS"), default=None, help="業務システム"
)
@click.option("--atena", default=None, help="業務システムの宛名番号 (with --system)")
@click.option("--name", default=None, help="氏名またはカナの一部")
@runtime_options
def search(
    *,
    lg_code: str,
    mynumber: str | None,
    integrated_number: str | None,
    system: str | None,
    atena: str | None,
    name: str | None,
    runtime: Runtime,
) -> None:
    """Find people by one key; the My Number itself is never printed."""
    from renkei.addressee import service

    with runtime.municipal_session(lg_code) as session:
        if mynumber:
            found = service.find_by_mynumber(session, mynumber=mynumber, settings=runtime.settings)
        elif integrated_number:
            found = [service.get(session, integrated_number=integrated_number)]
        elif atena:
            if not system:
                raise Invalid("--atena には --system が必要です", field="system")
            found = [service.find_by_atena(session, system=system, atena=atena)]
        elif name:
            found = service.search(session, query=name)
        else:
            raise Invalid("--mynumber, --integrated-number, --atena, --name のいずれかを指定してください")
    if not found:
        click.echo("該当なし")
    for person in found:
        _show(person)


@group.command("duplicates")
@municipality
@runtime_options
def duplicates(*, lg_code: str, runtime: Runtime) -> None:
    """名寄せ: report 統合宛名番号 that may be the same person."""
    from renkei.addressee import service

    with runtime.municipal_session(lg_code) as session:
        groups = service.duplicate_candidates(session)
    click.echo(f"名寄せ候補 {len(groups)} 組")
    for g in groups:
        click.echo(f"  {g.reason}\t{g.name_kana}\t{both(g.birth_date)}\t{' '.join(g.integrated_numbers)}")


@group.command("sync")
@municipality
@runtime_options
def sync(*, lg_code: str, runtime: Runtime) -> None:
    """Apply the resident register's pending 異動 events (births, moves, deaths …)."""
    from renkei.addressee import service

    with runtime.municipal_session(lg_code) as session:
        applied = service.consume_resident_events(session, settings=runtime.settings)
    click.echo(f"住民異動 {applied} 件を反映しました")


@group.command("link")
@municipality
@click.argument("integrated_number")
@click.option("--system", type=LazyChoice("renkei.addressee.schemas", "LINKABLE_SYSTEMS"), required=True)
@click.option("--atena", default=None, help="宛名番号（省略時は業務システムの番号系列から採番）")
@runtime_options
def link(*, lg_code: str, integrated_number: str, system: str, atena: str | None, runtime: Runtime) -> None:
    """Link a business system's 宛名番号 to a 統合宛名番号."""
    from renkei.addressee import service
    from renkei.addressee.schemas import SYSTEMS

    with runtime.municipal_session(lg_code) as session:
        number = service.link_system(
            session, integrated_number=integrated_number, system=system, atena_number=atena
        )
    click.echo(f"{SYSTEMS[system]} 宛名番号 {number} → 統合宛名番号 {integrated_number}")


@group.command("add-non-resident")
@municipality
@click.option("--system", type=LazyChoice("renkei.addressee.schemas", "LINKABLE_SYSTEMS"), required=True)
@click.option("--name", required=True)
@click.option("--name-kana", required=True)
@click.option("--born-on", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--sex", type=click.Choice(["1", "2"]), required=True)
@click.option("--address", required=True)
@click.option("--mynumber", default=None)
@runtime_options
def add_non_resident(
    *,
    lg_code: str,
    system: str,
    name: str,
    name_kana: str,
    born_on: dt.datetime,
    sex: str,
    address: str,
    mynumber: str | None,
    runtime: Runtime,
) -> None:
    """住登外者: register someone a business system knows who lives elsewhere."""
    from renkei.addressee import service

    with runtime.municipal_session(lg_code) as session:
        person = service.register_non_resident(
            session,
            system=system,
            name=name,
            name_kana=name_kana,
            birth_date=born_on.date(),
            sex=sex,
            address=address,
            mynumber=mynumber,
            settings=runtime.settings,
        )
    _show(person)


@group.command("reveal")
@municipality
@click.argument("integrated_number")
@click.option("--staff-id", required=True)
@click.option("--staff-name", required=True)
@click.option("--reason", required=True, help="表示する理由（記録されます）")
@click.option(
    "--jimu", "jimu_code", required=True, help="個人番号を利用する事務の事務コード（根拠が必要です）"
)
@runtime_options
def reveal(
    *,
    lg_code: str,
    integrated_number: str,
    staff_id: str,
    staff_name: str,
    reason: str,
    jimu_code: str,
    runtime: Runtime,
) -> None:
    """Display a My Number; who, when and why are recorded in the same transaction."""
    from renkei.addressee import service

    with runtime.municipal_session(lg_code) as session:
        number = service.reveal_mynumber(
            session,
            integrated_number=integrated_number,
            staff_id=staff_id,
            staff_name=staff_name,
            reason=reason,
            jimu_code=jimu_code,
            settings=runtime.settings,
        )
    click.echo(number)
