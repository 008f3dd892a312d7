"""`renkei disaster …`: the disaster office's 被災者支援 — declare, 台帳, 被害認定, shelters, 援護, 罹災証明書, exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.core import clock, wareki
from renkei.disaster.schemas import CARE_REASONS, KINDS, LEDGERS, STRUCTURES, SUPPORT_KINDS, Declaration

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

LG = click.option("--lg-code", required=True, help="団体コード（6桁） / municipality")
BY = "renkei disaster (CLI)"


@click.group(name="disaster")
def group() -> None:
    """被災者支援: 被災者台帳・被災住家等台帳・避難所・援護・罹災証明書."""


@group.command("declare")
@LG
@click.option("--name", required=True, help="災害名")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="種別")
@click.option("--occurred-on", type=click.DateTime(["%Y-%m-%d"]), required=True, help="発生日")
@click.option("--area", "areas", multiple=True, required=True, help="被災地域（住所の前方一致、複数可）")
@runtime_options
def declare(
    *, lg_code: str, name: str, kind: str, occurred_on: dt.datetime, areas: tuple[str, ...], runtime: Runtime
) -> None:
    """災害を登録し、被災者台帳を住民記録から作る / declare a disaster and build its ledgers."""
    from renkei.disaster import service

    declaration = Declaration(name=name, kind=kind, occurred_on=occurred_on.date(), areas=list(areas))
    with runtime.municipal_session(lg_code) as session:
        found = service.declare(session, lg_code=lg_code, declaration=declaration, by=BY)
        people, houses = service.build_ledger(session, disaster_id=found.id)
    click.echo(
        f"災害 {found.id}: {found.name}（{wareki.both(found.occurred_on)}） 被災者 {people}人・住家 {houses}件を登載"
    )


@group.command("build")
@LG
@click.argument("disaster_id", type=int)
@runtime_options
def build(*, lg_code: str, disaster_id: int, runtime: Runtime) -> None:
    """被災者台帳に、その後に住民登録された方を加える / add people registered since."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        people, houses = service.build_ledger(session, disaster_id=disaster_id)
    click.echo(f"被災者 {people}人・住家 {houses}件を追加しました")


@group.command("list")
@LG
@runtime_options
def list_(*, lg_code: str, runtime: Runtime) -> None:
    """登録された災害 / disasters."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        for d in service.disasters(session):
            s = service.summary(session, disaster_id=d.id)
            click.echo(
                f"{d.id}\t{d.name}\t{d.kind}\t{wareki.both(d.occurred_on)}\t被災者 {s.victims}人（要配慮者 {s.cared}人）"
                f"\t避難中 {s.sheltered}人\t罹災証明書 {s.certificates}件"
            )


@group.command("victims")
@LG
@click.argument("disaster_id", type=int)
@click.option("--cared", is_flag=True, help="要配慮者のみ")
@runtime_options
def victims(*, lg_code: str, disaster_id: int, cared: bool, runtime: Runtime) -> None:
    """被災者台帳 / the ledger of victims."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        for v in service.victims(session, disaster_id=disaster_id, cared_only=cared):
            click.echo(
                f"{v.id}\t{v.household_number}\t{v.name}\t{wareki.both(v.birth_date)}\t{v.address}\t{'・'.join(v.care_reasons)}"
            )


@group.command("care")
@LG
@click.option("--victim", "victim_id", type=int, required=True)
@click.option("--reason", "reasons", multiple=True, type=click.Choice(CARE_REASONS))
@click.option("--phone", default=None)
@click.option("--residence", default=None, help="居所")
@runtime_options
def care(
    *,
    lg_code: str,
    victim_id: int,
    reasons: tuple[str, ...],
    phone: str | None,
    residence: str | None,
    runtime: Runtime,
) -> None:
    """要配慮者の事由・連絡先・居所を記録する / record care reasons and contact."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        v = service.update_victim(
            session, victim_id=victim_id, care_reasons=list(reasons), phone=phone, residence=residence
        )
    click.echo(f"{v.name}: {'・'.join(v.care_reasons) or '要配慮者ではない'}")


@group.command("assess")
@LG
@click.option("--house", "house_id", type=int, required=True)
@click.option("--structure", type=click.Choice(STRUCTURES), required=True)
@click.option("--ratio", type=int, required=True, help="損害割合（%）")
@click.option("--surveyor", required=True)
@click.option("--surveyed-on", type=click.DateTime(["%Y-%m-%d"]), default=None)
@runtime_options
def assess(
    *,
    lg_code: str,
    house_id: int,
    structure: str,
    ratio: int,
    surveyor: str,
    surveyed_on: dt.datetime | None,
    runtime: Runtime,
) -> None:
    """被害認定調査の結果を記録する / record a damage assessment."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        h = service.assess(
            session,
            house_id=house_id,
            structure=structure,
            damage_ratio=ratio,
            surveyed_on=surveyed_on.date() if surveyed_on else clock.today(),
            surveyor=surveyor,
        )
    click.echo(f"{h.address}: {h.damage_level}（損害割合 {h.damage_ratio}%）")


@group.command("shelter")
@LG
@click.argument("disaster_id", type=int)
@click.option("--name", required=True)
@click.option("--address", required=True)
@click.option("--capacity", type=int, required=True)
@runtime_options
def shelter(
    *, lg_code: str, disaster_id: int, name: str, address: str, capacity: int, runtime: Runtime
) -> None:
    """避難所を開設する / open a shelter."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        s = service.open_shelter(
            session, disaster_id=disaster_id, name=name, address=address, capacity=capacity
        )
    click.echo(f"避難所 {s.id}: {s.name}（{s.present}/{s.capacity}人）")


@group.command("arrive")
@LG
@click.option("--shelter", "shelter_id", type=int, required=True)
@click.option("--victim", "victim_id", type=int, required=True)
@runtime_options
def arrive(*, lg_code: str, shelter_id: int, victim_id: int, runtime: Runtime) -> None:
    """避難所への入所 / arrival."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        service.arrive(session, shelter_id=shelter_id, victim_id=victim_id)
    click.echo("入所を記録しました")


@group.command("depart")
@LG
@click.option("--victim", "victim_id", type=int, required=True)
@runtime_options
def depart(*, lg_code: str, victim_id: int, runtime: Runtime) -> None:
    """避難所からの退所 / departure."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        service.depart(session, victim_id=victim_id)
    click.echo("退所を記録しました")


@group.command("support")
@LG
@click.option("--victim", "victim_id", type=int, required=True)
@click.option("--kind", type=click.Choice(tuple(SUPPORT_KINDS)), required=True)
@click.option("--item", required=True)
@click.option("--quantity", type=int, default=1)
@click.option("--key", default="", help="再送しても二重に記録しないための依頼キー")
@runtime_options
def support(
    *, lg_code: str, victim_id: int, kind: str, item: str, quantity: int, key: str, runtime: Runtime
) -> None:
    """援護（救援物資・仮設住宅・義援金）を記録する / record relief given."""
    from renkei.disaster import service

    with runtime.municipal_session(lg_code) as session:
        s = service.give_support(
            session,
            victim_id=victim_id,
            kind=kind,
            item=item,
            quantity=quantity,
            given_on=clock.today(),
            by=BY,
            request_key=key,
        )
    click.echo(f"{SUPPORT_KINDS[s.kind]}: {s.item}×{s.quantity}")


@group.command("certificate")
@LG
@click.option("--victim", "victim_id", type=int, required=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True)
@runtime_options
def certificate(*, lg_code: str, victim_id: int, out: Path, runtime: Runtime) -> None:
    """罹災証明書を交付する（PDF） / issue a 罹災証明書."""
    from renkei.disaster import service
    from renkei.protocol.jukinet import JukinetClient

    name = JukinetClient(runtime.transport).municipality(lg_code).name
    with runtime.municipal_session(lg_code) as session:
        issued, document = service.issue_certificate(session, victim_id=victim_id, by=BY, municipality=name)
    out.write_bytes(document)
    click.echo(f"罹災証明書 第{issued.number}号（{issued.damage_level}） → {out}")


@group.command("export")
@LG
@click.argument("disaster_id", type=int)
@click.option("--ledger", type=click.Choice(tuple(LEDGERS)), required=True)
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), default="csv")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("."))
@runtime_options
def export(*, lg_code: str, disaster_id: int, ledger: str, fmt: str, out: Path, runtime: Runtime) -> None:
    """台帳をCSVまたはExcelで書き出す / export a ledger."""
    from renkei.disaster import exports

    with runtime.municipal_session(lg_code) as session:
        name, data = exports.export(session, disaster_id=disaster_id, ledger=ledger, fmt=fmt)
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_bytes(data)
    click.echo(f"{out / name}")
