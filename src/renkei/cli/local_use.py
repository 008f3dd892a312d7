"""`renkei local-use …`: 条例 registry, 独自利用事務, the 独自利用計画 (and its Excel export), legal bases per 事務."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from renkei.addressee import service
from renkei.addressee.plan_export import export_plan
from renkei.addressee.schemas import SYSTEMS
from renkei.cli.common import runtime_options
from renkei.core.wareki import both
from renkei.runtime import Runtime

municipality = click.option(
    "--municipality", "lg_code", required=True, help="全国地方公共団体コード (e.g. 131016)"
)
DATE = click.DateTime(["%Y-%m-%d"])


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


@click.group(name="local-use")
def group() -> None:
    """独自利用事務（番号法第9条第2項）: 条例, 事務, 計画, 根拠."""


@group.command("ordinance")
@municipality
@click.option("--number", required=True, help="条例番号（例: 令和7年千代田区条例第12号）")
@click.option("--title", required=True, help="条例の題名")
@click.option("--adopted-on", type=DATE, default=None, help="公布日（省略時は計画中）")
@click.option("--start-on", type=DATE, required=True, help="施行日")
@click.option("--end-on", type=DATE, default=None, help="失効日")
@runtime_options
def ordinance(
    *,
    lg_code: str,
    number: str,
    title: str,
    adopted_on: dt.datetime | None,
    start_on: dt.datetime,
    end_on: dt.datetime | None,
    runtime: Runtime,
) -> None:
    """Register a 条例 that defines 独自利用事務 (or update its dates)."""
    with runtime.municipal_session(lg_code) as session:
        found = service.register_ordinance(
            session,
            number=number,
            title=title,
            adopted_on=_day(adopted_on),
            start_on=start_on.date(),
            end_on=_day(end_on),
        )
    click.echo(
        f"{found.number}\t{found.title}\t施行 {both(found.start_on)}\t失効 {both(found.end_on) or '—'}"
    )


@group.command("jimu")
@municipality
@click.option("--ordinance", "ordinance_number", required=True, help="条例番号")
@click.option("--article", required=True, help="条項（例: 第3条）")
@click.option("--name", "jimu_name", required=True, help="独自利用事務の名称")
@click.option("--system", type=click.Choice([s for s in SYSTEMS if s != "juki"]), required=True)
@click.option("--tm", "tm_codes", multiple=True, required=True, help="利用する特定個人情報名コード（複数可）")
@click.option("--similar", "similar_jimu_code", default="", help="準ずる法定事務の事務コード")
@runtime_options
def jimu(
    *,
    lg_code: str,
    ordinance_number: str,
    article: str,
    jimu_name: str,
    system: str,
    tm_codes: tuple[str, ...],
    similar_jimu_code: str,
    runtime: Runtime,
) -> None:
    """Define a 独自利用事務 by an article of a registered 条例; prints its 事務コード."""
    with runtime.municipal_session(lg_code) as session:
        row = service.define_local_jimu(
            session,
            lg_code=lg_code,
            ordinance_number=ordinance_number,
            article=article,
            jimu_name=jimu_name,
            system=system,
            tm_codes=tm_codes,
            similar_jimu_code=similar_jimu_code,
        )
    click.echo(f"{row.jimu_code}\t{row.jimu_name}\t{row.ordinance.number} {row.article}\t{row.status_label}")


@group.command("plan")
@municipality
@click.option("--on", "on_day", type=DATE, default=None, help="基準日（省略時は今日）")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Excelに出力")
@runtime_options
def plan(*, lg_code: str, on_day: dt.datetime | None, xlsx: Path | None, runtime: Runtime) -> None:
    """The 独自利用計画: each 独自利用事務 planned / adopted / in force / ended, with its 届出."""
    with runtime.municipal_session(lg_code) as session:
        rows = service.plan(session, on=_day(on_day))
        data = export_plan(session, on=_day(on_day)) if xlsx else None
    for r in rows:
        click.echo(
            f"{r.jimu_code}\t{r.jimu_name}\t{r.ordinance.number} {r.article}\t{r.status_label}\t"
            f"届出: {r.notification_label}{'（' + r.notification_reasons + '）' if r.notification_reasons else ''}"
        )
    if xlsx is not None and data is not None:
        xlsx.write_bytes(data)
        click.echo(f"{xlsx} に出力しました（{len(rows)} 件）")


@group.command("bases")
@municipality
@click.option("--on", "on_day", type=DATE, default=None, help="基準日（省略時は今日）")
@runtime_options
def bases(*, lg_code: str, on_day: dt.datetime | None, runtime: Runtime) -> None:
    """Every 事務 run with the My Number and its legal basis (別表第一 or 条例), valid or not on the day."""
    with runtime.municipal_session(lg_code) as session:
        found = service.list_bases(session, on=_day(on_day))
    for b in found:
        state = "有効" if b.valid else f"無効（{b.reason}）"
        click.echo(f"{SYSTEMS.get(b.system, b.system)}\t{b.jimu_code}\t{b.jimu_name}\t{b.label}\t{state}")
