"""`renkei population generate`: a synthetic population file of one municipality (docs/population-csv.md)."""

from __future__ import annotations

from pathlib import Path

import click

from renkei.cli.common import LazyChoice


@click.group(name="population")
def group() -> None:
    """合成人口データ / synthetic population."""


@group.command("generate")
@click.option("--municipality", "lg_code", required=True, help="全国地方公共団体コード (6桁, e.g. 131016)")
@click.option("--count", type=click.IntRange(min=0), required=True, help="人数 / number of people")
@click.option(
    "--seed", type=int, default=1, show_default=True, help="乱数の種 / the same seed gives the same file"
)
@click.option(
    "--encoding",
    type=LazyChoice("renkei.residents.population", "ENCODINGS"),
    default="utf-8",
    show_default=True,
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="出力CSV")
def generate(lg_code: str, count: int, seed: int, encoding: str, out: Path) -> None:
    """Write COUNT people of a municipality (names with kana, households, real addresses) as CSV."""
    from renkei.residents.population import write_csv

    written = write_csv(out, lg_code=lg_code, count=count, seed=seed, encoding=encoding)
    click.echo(f"{written:,} 人分を出力しました: {out} ({encoding})")
