"""`renkei local-use …`: 条例 registry, 独自利用事務, the 独自利用計画 (and its Excel export), legal bases per 事務."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click

from renkei.cli.common import LazyChoice, runtime_options
from renkei.cli.query import HUB_URL, prepare
from renkei.core.errors import Invalid
from renkei.core.ids import municipality_agency_code, validate_lg_code
from renkei.core.wareki import both

if TYPE_CHECKING:
    from renkei.protocol.local_use import LocalUseClient, NotificationState, RequestedInformation
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)

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
    from renkei.addressee import service

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
@click.option("--system", type=LazyChoice("renkei.addressee.schemas", "LINKABLE_SYSTEMS"), required=True)
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
    from renkei.addressee import service

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
    from renkei.addressee import service
    from renkei.addressee.plan_export import export_plan

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
    from renkei.addressee import service
    from renkei.addressee.schemas import SYSTEMS

    with runtime.municipal_session(lg_code) as session:
        found = service.list_bases(session, on=_day(on_day))
    for b in found:
        state = "有効" if b.valid else f"無効（{b.reason}）"
        click.echo(f"{SYSTEMS.get(b.system, b.system)}\t{b.jimu_code}\t{b.jimu_name}\t{b.label}\t{state}")


# --- 届出 (municipal side) ------------------------------------------------------------------------------------
def _client(runtime: Runtime, lg_code: str, hub_url: str | None) -> LocalUseClient:
    """A 届出 client; the municipality joins the hub first (idempotent), as `renkei query` does."""
    from renkei.protocol.local_use import LocalUseClient
    from renkei.protocol.transport import HttpTransport, Transport
    from renkei.runtime import municipality_node
    from renkei.runtime.wire import client_tls

    prepare(runtime, lg_code, hub_url)
    if hub_url is None:
        return LocalUseClient(runtime.transport)
    # A served hub answers only over mutual TLS: the municipality's node certificate, as `renkei query` presents.
    tls = client_tls(runtime.settings.data_dir, municipality_node(validate_lg_code(lg_code)))
    transport: Transport = HttpTransport({"hub": hub_url}, tls=tls)
    return LocalUseClient(transport)


def _asked(value: str) -> RequestedInformation:
    from renkei.protocol.local_use import RequestedInformation

    parts = value.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "consent"):
        raise click.BadParameter(f"情報提供者:特定個人情報名コード[:consent] の形式です: {value}")
    provider = (
        parts[0] if not parts[0].isdigit() or len(parts[0]) == 16 else municipality_agency_code(parts[0])
    )
    return RequestedInformation(provider=provider, tm_code=parts[1], provider_consent=len(parts) == 3)


def _show_state(state: NotificationState) -> None:
    labels = {"filed": "届出中（審査待ち）", "accepted": "受理", "returned": "返戻"}
    click.echo(
        f"届出 {state.notification_id}\t{state.jimu_code}\t{labels[state.status]}\t登録 {state.entries} 件"
    )
    for reason in state.reasons:
        click.echo(f"  返戻理由: {reason}")


@group.command("notify")
@municipality
@click.option("--jimu", "jimu_code", required=True, help="独自利用事務の事務コード")
@click.option(
    "--ask",
    "asked",
    multiple=True,
    required=True,
    help="情報提供者:特定個人情報名コード[:consent]（情報提供者は機関種別・16桁の機関コード・団体コード）",
)
@HUB_URL
@runtime_options
def notify(
    *, lg_code: str, jimu_code: str, asked: tuple[str, ...], hub_url: str | None, runtime: Runtime
) -> None:
    """File the 独自利用事務の情報連携 届出 with the commission (番号法第19条第9号)."""
    from renkei.intermediate.service import local_use

    information = [_asked(a) for a in asked]
    client = _client(runtime, lg_code, hub_url)
    with runtime.municipal_session(lg_code) as session:
        notification = local_use.prepare_notification(
            session, lg_code=lg_code, jimu_code=jimu_code, information=information, settings=runtime.settings
        )
    state = client.file_notification(notification)
    with runtime.municipal_session(lg_code) as session:
        local_use.record_state(session, state=state)
    _show_state(state)


@group.command("notification")
@municipality
@click.option("--jimu", "jimu_code", required=True, help="独自利用事務の事務コード")
@HUB_URL
@runtime_options
def notification(*, lg_code: str, jimu_code: str, hub_url: str | None, runtime: Runtime) -> None:
    """Read back how the 届出 of a 独自利用事務 stands at the commission, and keep it."""
    from renkei.addressee import service
    from renkei.intermediate.service import local_use

    client = _client(runtime, lg_code, hub_url)
    with runtime.municipal_session(lg_code) as session:
        row = service.local_jimu(session, jimu_code=jimu_code)
        if not row.notification_id:
            raise Invalid("この独自利用事務は届出されていません", record=jimu_code, field="届出")
        query = local_use.status_query(
            session, lg_code=lg_code, notification_id=row.notification_id, settings=runtime.settings
        )
    state = client.notification_status(query)
    with runtime.municipal_session(lg_code) as session:
        local_use.record_state(session, state=state)
    _show_state(state)


# --- the commission's console (national side) ----------------------------------------------------------------------
@group.group("commission")
def commission() -> None:
    """個人情報保護委員会の審査: 届出の一覧・受理・返戻、ハブの独自利用許可 / the commission's operator role."""


@commission.command("list")
@click.option("--status", type=click.Choice(["filed", "accepted", "returned"]), default=None)
@runtime_options
def commission_list(*, status: str | None, runtime: Runtime) -> None:
    """The 届出 received, oldest first."""
    from renkei.hub import local_use as hub_local_use

    with runtime.session("hub") as session:
        found = hub_local_use.list_notifications(session, status=status)
        for n in found:
            period = f"{both(n.start_on)}〜{both(n.end_on)}"
            click.echo(
                f"{n.requester_code}\t{n.notification_id}\t{n.jimu_name}\t{n.ordinance_number} {n.article}\t"
                f"{period}\t{n.status}\t{'；'.join(n.reasons)}"
            )


def _requester_code(value: str) -> str:
    return value if len(value) == 16 else municipality_agency_code(value)


@commission.command("accept")
@click.option("--requester", required=True, help="届出した機関の機関コード（16桁）または団体コード")
@click.argument("notification_id")
@click.option("--operator", required=True, help="審査した職員（記録されます）")
@runtime_options
def commission_accept(*, requester: str, notification_id: str, operator: str, runtime: Runtime) -> None:
    """Accept a 届出 (re-checked; returned with the failed rules when one does not hold)."""
    from renkei.hub import local_use as hub_local_use

    with runtime.session("hub") as session:
        state = hub_local_use.accept(
            session,
            requester_code=_requester_code(requester),
            notification_id=notification_id,
            operator=operator,
        )
    _show_state(state)


@commission.command("return")
@click.option("--requester", required=True, help="届出した機関の機関コード（16桁）または団体コード")
@click.argument("notification_id")
@click.option("--operator", required=True, help="審査した職員（記録されます）")
@click.option("--reason", "reasons", multiple=True, required=True, help="返戻の理由（複数可）")
@runtime_options
def commission_return(
    *, requester: str, notification_id: str, operator: str, reasons: tuple[str, ...], runtime: Runtime
) -> None:
    """Return a 届出 with reasons."""
    from renkei.hub import local_use as hub_local_use

    with runtime.session("hub") as session:
        state = hub_local_use.return_notification(
            session,
            requester_code=_requester_code(requester),
            notification_id=notification_id,
            operator=operator,
            reasons=list(reasons),
        )
    _show_state(state)


@commission.command("entries")
@runtime_options
def commission_entries(*, runtime: Runtime) -> None:
    """The hub's permission entries from accepted 届出, each with its basis and period (hub operator's console)."""
    from renkei.hub import local_use as hub_local_use

    with runtime.session("hub") as session:
        for e in hub_local_use.list_entries(session):
            click.echo(
                f"{e.requester_code} {e.requester_name}\t{e.jimu_code} {e.jimu_name}\t{e.provider}\t{e.tm_code}\t"
                f"{both(e.valid_from)}〜{both(e.valid_to)}\t{e.basis}"
            )


@group.command("governance-sync")
@municipality
@runtime_options
def governance_sync(*, lg_code: str, runtime: Runtime) -> None:
    """Register the 独自利用事務 adopted or in force as 条例事務 in the governance toolkit, and list those
    without a current 特定個人情報保護評価."""
    from renkei.governance import local_use as governance_local_use

    with runtime.municipal_session(lg_code) as session:
        changed = governance_local_use.sync_from_registry(session)
        flags = governance_local_use.attention(session)
    click.echo(f"安全管理措置の事務に {changed} 件を登録・更新しました")
    for flag in flags:
        click.echo(f"要対応\t{flag.name}\t{flag.basis}\t{flag.reason}")
