"""`renkei cardapps …`: free-space applications of the My Number card — register centrally, write, read, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from renkei.cli.common import build, runtime_options
from renkei.core.errors import Invalid

if TYPE_CHECKING:
    from renkei.protocol.card_apps import CardAppClient
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


def _client(runtime: Runtime) -> CardAppClient:
    from renkei.protocol.card_apps import CardAppClient

    return CardAppClient(runtime.transport)


@click.group(name="cardapps")
def group() -> None:
    """マイナンバーカードの空き領域のアプリケーション（カードアプリケーション搭載システム）."""


@group.command("register")
@click.option("--lg-code", required=True)
@click.option("--name", required=True, help="アプリケーション名（例 印鑑登録証）")
@click.option("--purpose", default="")
@click.option("--pin-to-read", is_flag=True, help="読み出しに利用者証明用PINを要する")
@runtime_options
def register(lg_code: str, name: str, purpose: str, pin_to_read: bool, runtime: Runtime) -> None:
    """アプリケーションを登録する / register an application."""
    from renkei.protocol.card_apps import AppRegistration

    app = _client(runtime).register(
        build(
            AppRegistration, record=name, lg_code=lg_code, name=name, purpose=purpose, pin_to_read=pin_to_read
        )
    )
    click.echo(f"{app.code}\t{app.name}\t{app.lg_code}")


@group.command("list")
@click.option("--lg-code", default=None)
@runtime_options
def list_(lg_code: str | None, runtime: Runtime) -> None:
    """登録済みのアプリケーション / registered applications."""
    for app in _client(runtime).registry(lg_code):
        click.echo(
            f"{app.code}\t{app.lg_code}\t{app.name}\t{'PIN要' if app.pin_to_read else 'PIN不要'}\t{app.purpose}"
        )


def _data(pairs: tuple[str, ...]) -> dict[str, str]:
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise Invalid("データは 項目=値 の形で指定してください", record=pair, field="data")
        data[key.strip()] = value
    return data


@group.command("write")
@click.option("--lg-code", required=True)
@click.option("--card", "card_number", required=True)
@click.option("--app", "app_code", required=True)
@click.option("--pin", required=True, help="利用者証明用PIN")
@click.option("--data", "pairs", multiple=True, help="項目=値（例 登録番号=0123456789）")
@runtime_options
def write(
    *, lg_code: str, card_number: str, app_code: str, pin: str, pairs: tuple[str, ...], runtime: Runtime
) -> None:
    """カードにアプリケーションを書き込む / write an application on a card."""
    written = _client(runtime).write(
        lg_code=lg_code, card_number=card_number, app_code=app_code, pin=pin, data=_data(pairs)
    )
    click.echo(f"{written.name}をカード {card_number} に書き込みました")


@group.command("read")
@click.option("--card", "card_number", required=True)
@click.option("--pin", default=None)
@runtime_options
def read(card_number: str, pin: str | None, runtime: Runtime) -> None:
    """カードの空き領域を読む / read the card's free space."""
    apps = _client(runtime).read(card_number=card_number, pin=pin)
    if not apps:
        click.echo("空き領域にアプリケーションはありません")
    for app in apps:
        shown = (
            "（PINが必要です）" if app.data is None else ", ".join(f"{k}={v}" for k, v in app.data.items())
        )
        click.echo(f"{app.app_code}\t{app.name}\t{shown}")


@group.command("delete")
@click.option("--lg-code", required=True)
@click.option("--card", "card_number", required=True)
@click.option("--app", "app_code", required=True)
@click.option("--pin", required=True)
@runtime_options
def delete(*, lg_code: str, card_number: str, app_code: str, pin: str, runtime: Runtime) -> None:
    """カードからアプリケーションを削除する / delete an application from a card."""
    _client(runtime).delete(lg_code=lg_code, card_number=card_number, app_code=app_code, pin=pin)
    click.echo(f"{app_code} をカード {card_number} から削除しました")
