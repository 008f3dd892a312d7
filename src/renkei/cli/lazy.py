"""The `renkei` group loads a sub-command's module only when that sub-command runs (lazy imports).

Importing every component to build the command tree cost about 3.6 s of CPU before any command started. Here
`renkei --help` reads each module's one-line summary from its source (the docstring of its `group`) without
importing it, and `renkei mynumber check` imports only `renkei.cli.mynumber`. A module that is listed but
missing is skipped, as before; an import error inside a module that exists still fails loudly.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from renkei.cli.common import RenkeiGroup

PACKAGE = "renkei.cli"


class LazyGroup(RenkeiGroup):
    """A group whose sub-commands are `group` objects of modules under renkei.cli, imported on first use."""

    def __init__(self, *args: Any, modules: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modules = tuple(modules)

    def _available(self) -> list[str]:
        """Command names (a module `local_use` is the command `local-use`) of the modules that exist."""
        return [
            name.replace("_", "-")
            for name in self.modules
            if importlib.util.find_spec(f"{PACKAGE}.{name}") is not None
        ]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._available(), *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        module_name = cmd_name.replace("-", "_")
        if command is not None or module_name not in self.modules:
            return command
        if importlib.util.find_spec(f"{PACKAGE}.{module_name}") is None:
            return None
        module = importlib.import_module(f"{PACKAGE}.{module_name}")
        loaded: click.Command = module.group
        self.add_command(loaded, cmd_name)
        return loaded

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help from each module's source, so that help imports nothing."""
        rows = [(name, summary(name)) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def summary(name: str) -> str:
    """First line of the docstring of the module's top-level click group or command, read with ast (no import)."""
    spec = importlib.util.find_spec(f"{PACKAGE}.{name.replace('-', '_')}")
    if spec is None or spec.origin is None:
        return ""
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(_is_click_command(d) for d in node.decorator_list):
            doc = (ast.get_docstring(node) or "").strip()
            return doc.splitlines()[0] if doc else ""
    return ""


def _is_click_command(node: ast.expr) -> bool:
    """`@click.group(…)` or `@click.command(…)` (not `@group.command`, which is a sub-command)."""
    target = node.func if isinstance(node, ast.Call) else node
    return (
        isinstance(target, ast.Attribute)
        and target.attr in ("group", "command")
        and isinstance(target.value, ast.Name)
        and target.value.id == "click"
    )
