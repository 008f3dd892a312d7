"""What every `renkei` command shares: --data-dir / --database-url, the runtime, and one error mapping."""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from renkei.cli.failures import describe
from renkei.core.errors import BatchRejected, RenkeiError

if TYPE_CHECKING:
    pass  # imported when a command runs, not when the CLI starts

F = TypeVar("F", bound=Callable[..., Any])


def runtime_options(func: F) -> F:
    """Add --data-dir and --database-url to a command; the command receives `runtime: Runtime`."""

    @click.option(
        "--data-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="データディレクトリ (data directory; default ./var or $RENKEI_DATA_DIR)",
    )
    @click.option(
        "--database-url",
        default=None,
        help="PostgreSQL server URL; each node gets its own database (default: SQLite files)",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, data_dir: Path | None, database_url: str | None, **kwargs: Any) -> Any:
        from renkei.core.settings import Settings
        from renkei.runtime import Runtime

        overrides: dict[str, Any] = {}
        if data_dir is not None:
            overrides["data_dir"] = data_dir
        if database_url is not None:
            overrides["database_url"] = database_url
        settings = Settings(**overrides)
        with Runtime(settings) as runtime:
            return func(*args, runtime=runtime, **kwargs)

    return wrapper  # type: ignore[return-value]


def fail(error: RenkeiError) -> None:
    """Print a domain error the way a clerk can act on it, and exit 1."""
    click.echo(f"エラー: {error}", err=True)
    if isinstance(error, BatchRejected):
        click.echo(f"{len(error.errors)} 件の誤りがあるため、ファイル全体を取り込みませんでした。", err=True)
    raise SystemExit(1)


class RenkeiGroup(click.Group):
    """A group that turns domain errors, and database, disk and lock failures, into one clear line and exit
    status 1; the traceback only under --debug (renkei.cli.failures)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RenkeiError as error:
            fail(error)
            return None
        except Exception as exc:
            failure = describe(exc)
            if failure is None:
                raise
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            click.echo(failure.line(), err=True)
            if not ctx.find_root().params.get("debug"):
                click.echo("（詳細は renkei --debug … で表示します）", err=True)
            raise SystemExit(1) from None
