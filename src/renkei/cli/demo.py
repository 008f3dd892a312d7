"""`renkei demo`: set up the national side and two municipalities, print a summary, serve the web UI."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import click

from renkei.cli.common import runtime_options
from renkei.cli.progress import progress_bar

if TYPE_CHECKING:
    from renkei.runtime import Runtime  # imported when the command runs (renkei.cli.lazy)


@click.command(name="demo")
@click.option(
    "--population",
    default=2000,
    show_default=True,
    type=click.IntRange(10, 1_000_000),
    help="residents per municipality",
)
@click.option(
    "--seed", default=20261123, show_default=True, type=int, help="seed of the synthetic population"
)
@click.option(
    "--card-holders",
    default=40,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="residents of A who get a My Number card",
)
@click.option("--reset", is_flag=True, help="delete the data directory first and set everything up again")
@click.option("--serve/--no-serve", default=True, show_default=True, help="serve the web UI after the setup")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@runtime_options
def group(
    *,
    population: int,
    seed: int,
    card_holders: int,
    reset: bool,
    serve: bool,
    host: str,
    port: int,
    runtime: Runtime,
) -> None:
    """デモ環境の構築と起動 / set up the demo and serve the web UI on 127.0.0.1."""
    from renkei.demo import DemoOptions, already_set_up, run

    data_dir = runtime.settings.data_dir
    if reset and runtime.settings.database_url is None and data_dir.exists():
        runtime.databases.dispose()
        shutil.rmtree(data_dir)
    lines = already_set_up(runtime)
    if lines is None:
        click.echo(f"デモ環境を {data_dir} に構築します / setting up the demo in {data_dir} …")
        options = DemoOptions(population=population, seed=seed, card_holders=card_holders)
        with progress_bar("デモの構築", total=None, unit="段階") as bar:  # the demo says how many steps

            def shown(done: int, total: int, title: str, step_lines: list[str]) -> None:
                for line in step_lines:
                    click.echo(line)
                bar.update(
                    completed=done,
                    total=total,
                    description=f"デモの構築（{title.removeprefix('■ ').split(' / ')[0]}）",
                )

            run(runtime, options, on_step=shown)
        lines = []
    else:
        click.echo(
            f"{data_dir} のデモ環境を使います（作り直すには --reset） / reusing the demo in {data_dir}"
        )
    for line in lines:
        click.echo(line)
    if not serve:
        return
    import uvicorn

    from renkei.web import create_app

    click.echo("")
    click.echo(f"はじめに / start page: http://{host}:{port}/start  （終了は Ctrl+C）")
    click.echo(f"他のコマンドも同じデータを使えます / other commands take --data-dir {data_dir}")
    uvicorn.run(
        create_app(runtime.settings, runtime=runtime, relay_interval=2.0),
        host=host,
        port=port,
        log_level="warning",
    )
