"""CLI start-up: CPU time from process start to a command's own work, for every sub-command group (issue 11).

Each figure is the user+system CPU of a fresh `renkei GROUP --help` child process (the group's module imported,
its options built, nothing done), best of a few runs, beside a bare `python -c pass` measured in the same run
(the interpreter's own start-up, which no command can avoid). `renkei --help` and `renkei mynumber check` aim at
0.3 s, every group at 1 s. A last figure, without an aim, is what a command that opens a database pays once it
starts its work: importing `renkei.runtime` (SQLAlchemy, pydantic, httpx, the components' services).
CPU time, not wall time, so that a busy machine inflates the figures less.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from benchmarks.common import Aim, figure, measuring

RENKEI = Path(sys.executable).with_name("renkei")
LIGHT = {("--help",): 0.3, ("mynumber", "check", "123456789018"): 0.3}
NAME = "CLI start-up (CPU per command)"


def groups() -> list[str]:
    """Every sub-command group `renkei --help` lists (read without importing them, as the CLI does)."""
    from renkei.cli import SUBCOMMANDS

    return [name.replace("_", "-") for name in SUBCOMMANDS]


def cpu_of_command(command: list[str], *, runs: int = 3) -> float:
    """CPU seconds (user + system) that a command used, best of `runs`."""
    best = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # noqa: S603
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best


def cpu_of(*args: str, runs: int = 3) -> float:
    """CPU seconds that `renkei ARGS` used, best of `runs`."""
    return cpu_of_command([str(RENKEI), *args], runs=runs)


def run(*, smoke: bool, postgres_url: str | None) -> None:
    runs = 2 if smoke else 5
    bare = cpu_of_command([sys.executable, "-c", "pass"], runs=runs)
    cases = list(LIGHT.items())
    cases += [((name, "--help"), 1.0) for name in groups()]
    for args, target in cases:
        name = f"renkei {' '.join(args)}"
        with measuring(name):
            used = cpu_of(*args, runs=runs)
            figure(
                name,
                used * 1000,
                "ms CPU",
                baseline_name="python -c pass",
                baseline=bare * 1000,
                aim=Aim("value", "<=", target * 1000, f"≤ {target:g} s CPU"),
                higher_is_better=False,
                cpu_seconds=used,
                baseline_cpu_seconds=bare,
                ops=1,
            )
    with measuring("import renkei.runtime (a database command's own work)"):
        used = cpu_of_command([sys.executable, "-c", "import renkei.runtime"], runs=runs)
        figure(
            "import renkei.runtime (a database command's own work)",
            used * 1000,
            "ms CPU",
            baseline_name="python -c pass",
            baseline=bare * 1000,
            higher_is_better=False,
            cpu_seconds=used,
            baseline_cpu_seconds=bare,
            ops=1,
        )
