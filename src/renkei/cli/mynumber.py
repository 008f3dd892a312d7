"""`renkei mynumber check NUMBER...`: check digits of My Numbers (総務省令第85号 第5条)."""

from __future__ import annotations

import click

from renkei.core.errors import Invalid
from renkei.core.ids import validate_mynumber


@click.group(name="mynumber")
def group() -> None:
    """個人番号（マイナンバー）の検査 / My Number checks."""


@group.command("check")
@click.argument("numbers", nargs=-1, required=True)
def check(numbers: tuple[str, ...]) -> None:
    """Print each NUMBER with valid/invalid; exit 1 if any is invalid."""
    bad = 0
    for number in numbers:
        try:
            validate_mynumber(number)
        except Invalid as error:
            bad += 1
            click.echo(f"{number}\tinvalid\t{error.message}")
        else:
            click.echo(f"{number}\tvalid")
    if bad:
        raise SystemExit(1)
