"""Progress bars for long commands (Rich): what is being done, how many of how many, how fast, and how long.

Bars go to standard error, so standard output stays parseable; on a terminal they redraw in place, elsewhere
(a pipe, CI, a test) Rich prints the final state once. `rich` is imported only when a bar is made, so short
commands do not pay for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Bar:
    """One task on a progress display: `advance(n)` or `update(completed=…)`."""

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress, self._task = progress, task

    def advance(self, amount: int = 1) -> None:
        self._progress.advance(self._task, amount)

    def update(
        self, *, completed: int | None = None, total: int | None = None, description: str | None = None
    ) -> None:
        self._progress.update(self._task, completed=completed, total=total, description=description)


@contextmanager
def progress_bar(description: str, *, total: int | None, unit: str = "件") -> Iterator[Bar]:
    """A bar with counts (M/N), the rate per second and the time left."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    class Rate(TextColumn):
        def __init__(self) -> None:
            super().__init__("")

        def render(self, task: Any) -> Any:
            from rich.text import Text

            speed = task.finished_speed or task.speed
            if not speed:
                return Text(f"— {unit}/秒")
            return Text(f"{speed:,.0f} {unit}/秒" if speed >= 10 else f"{speed:.2f} {unit}/秒")

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        Rate(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        task = progress.add_task(description, total=total)
        yield Bar(progress, task)


def count_lines(path: Any) -> int:
    """Data lines of a text file (all lines but the heading), counted in binary without decoding."""
    lines = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
    return max(lines - 1, 0)
