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
    from pydantic import BaseModel  # imported when a command runs, not when the CLI starts

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound="BaseModel")


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


class LazyChoice(click.Choice):  # type: ignore[type-arg]
    """A choice whose values live in a module the CLI should not import to start (read on first use, e.g. when
    the option is parsed or its help is shown): `LazyChoice("renkei.governance.drills", "KINDS")`."""

    def __init__(self, module: str, attribute: str, *, case_sensitive: bool = True) -> None:
        self._source = (module, attribute)
        self._loaded: tuple[str, ...] | None = None
        super().__init__((), case_sensitive)

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            import importlib

            module, attribute = self._source
            self._loaded = tuple(getattr(importlib.import_module(module), attribute))
        return self._loaded

    @choices.setter
    def choices(self, _value: object) -> None:
        """click.Choice sets its values in __init__; ours come from the module."""


def build(cls: type[M], *, record: str | None = None, **values: Any) -> M:
    """A message from command-line values; a bad value is `Invalid` naming the field, never a traceback."""
    from pydantic import ValidationError

    from renkei.core.errors import Invalid

    try:
        return cls(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][-1]) if first["loc"] else cls.__name__
        raise Invalid(f"形式が不正です: {first['msg']}", record=record, field=field) from None


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
