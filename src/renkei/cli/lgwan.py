"""`renkei lgwan …`: the LGWAN-ASP registry at J-LIS — 申請, 登録・接続審査, 登録, 廃止, and the list of services."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from renkei.cli.common import build, runtime_options
from renkei.core.errors import Invalid
from renkei.protocol.lgwan import (
    CATEGORIES,
    CHECKLIST,
    CONNECTION_FORMS,
    PROVIDER_KINDS,
    STATUSES,
    Application,
    AspService,
    LgwanRegistry,
)

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


@click.group(name="lgwan")
def group() -> None:
    """LGWAN-ASP の登録簿（地方公共団体情報システム機構）."""


def _print(s: AspService) -> None:
    click.echo(
        f"{s.id}\t{s.registration_number or '-'}\t{s.status}\t{s.provider}\t{s.name}\t{s.category}\t{s.connection_form}"
    )


@group.command("apply")
@click.option("--provider", required=True)
@click.option("--provider-kind", type=click.Choice(PROVIDER_KINDS), required=True)
@click.option("--name", required=True)
@click.option("--category", type=click.Choice(CATEGORIES), required=True)
@click.option("--connection", "connection_form", type=click.Choice(CONNECTION_FORMS), required=True)
@click.option("--description", default="")
@runtime_options
def apply(
    *,
    provider: str,
    provider_kind: str,
    name: str,
    category: str,
    connection_form: str,
    description: str,
    runtime: Runtime,
) -> None:
    """サービスの登録を申請する / apply for registration."""
    application = build(
        Application,
        record=name,
        provider=provider,
        provider_kind=provider_kind,
        name=name,
        category=category,
        connection_form=connection_form,
        description=description,
    )
    _print(LgwanRegistry(runtime.transport).apply(application))


@group.command("review")
@click.argument("service_id", type=int)
@click.option("--item", "items", multiple=True, help="審査項目=結果（例 C01=適合）")
@runtime_options
def review(service_id: int, items: tuple[str, ...], runtime: Runtime) -> None:
    """登録・接続審査を始め、審査項目の結果を記録する / review a service."""
    registry = LgwanRegistry(runtime.transport)
    found = registry.start_review(service_id)
    for item in items:
        code, _, result = item.partition("=")
        if result not in ("適合", "不適合", "未確認"):
            raise Invalid("審査項目は C01=適合 の形で指定してください", record=item, field="item")
        found = registry.check(service_id, code.strip(), result)  # type: ignore[arg-type]
    for i in found.checklist:
        click.echo(f"  {i.code} {i.result}\t{i.label}")
    _print(found)


@group.command("register")
@click.argument("service_id", type=int)
@runtime_options
def register(service_id: int, runtime: Runtime) -> None:
    """審査に適合したサービスを登録する / register a reviewed service."""
    _print(LgwanRegistry(runtime.transport).register(service_id))


@group.command("abolish")
@click.argument("service_id", type=int)
@runtime_options
def abolish(service_id: int, runtime: Runtime) -> None:
    """サービスを廃止する / abolish a service."""
    _print(LgwanRegistry(runtime.transport).abolish(service_id))


@group.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None)
@runtime_options
def list_(status: str | None, runtime: Runtime) -> None:
    """登録簿 / the registry."""
    click.echo("ID\t登録番号\t状態\t提供者\tサービス名\t区分\t接続形態")
    for s in LgwanRegistry(runtime.transport).services(status):
        _print(s)


@group.command("checklist")
def checklist() -> None:
    """登録・接続審査の審査項目 / the review checklist."""
    for code, label in CHECKLIST.items():
        click.echo(f"{code}\t{label}")
