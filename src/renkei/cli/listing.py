"""How `list` commands answer: a page of rows with the total, `--limit/--offset`, and `--format table|csv|json`.

A list never stops silently: the table form ends with 「全 N 件中 1〜50 件を表示」 and how to see the next page;
csv and json carry the same rows for scripts (json also the total). Dates in the rows are already formatted by
the caller through `renkei.core.wareki`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "csv", "json")


def paging_options(default_limit: int = 50) -> Callable[[F], F]:
    """Add --limit, --offset and --format to a list command."""

    def decorate(func: F) -> F:
        func = click.option(
            "--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True,
            help="出力形式 / output format",
        )(func)  # fmt: skip
        func = click.option(
            "--offset", type=click.IntRange(min=0), default=0, show_default=True, help="先頭から飛ばす件数"
        )(func)
        return click.option(
            "--limit", type=click.IntRange(min=1, max=100_000), default=default_limit, show_default=True,
            help="表示する最大件数",
        )(func)  # fmt: skip

    return decorate


def emit(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    total: int,
    limit: int,
    offset: int,
    output_format: str,
    empty: str = "（該当するものはありません）",
) -> None:
    """Print one page of `rows` (under `columns`) in the chosen format, saying how many there are in all."""
    if output_format == "json":
        items = [dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in rows]
        click.echo(
            json.dumps({"total": total, "offset": offset, "limit": limit, "items": items}, ensure_ascii=False)
        )
        return
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_plain(v) for v in row] for row in rows])
        click.echo(buffer.getvalue(), nl=False)
        return
    if not rows:
        click.echo(empty if total == 0 else f"全 {total:,} 件。{offset + 1:,} 件目以降はありません。")
        return
    click.echo("\t".join(columns))
    for row in rows:
        click.echo("\t".join("" if v is None else str(v) for v in row))
    shown_to = offset + len(rows)
    line = f"全 {total:,} 件中 {offset + 1:,}〜{shown_to:,} 件を表示"
    if shown_to < total:
        line += f"（続きは --offset {shown_to}）"
    click.echo(line, err=True)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
