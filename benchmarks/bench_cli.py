"""CLI start-up: CPU seconds from process start to a command's own work, per sub-command (issue 11).

Each figure is the user+system CPU of a fresh `renkei … --help` child process (the module of that command
imported, its options built, nothing done); `renkei --help` and `renkei mynumber check` have a 0.3 s target,
every other command 1 s. CPU time, not wall time, so that a busy machine inflates the figure less.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

RENKEI = Path(sys.executable).with_name("renkei")
LIGHT = {("--help",): 0.3, ("mynumber", "check", "123456789018"): 0.3}
GROUPS = (
    "mynumber", "db", "population", "residents", "addressee", "staff", "demo", "serve", "copies", "query",
    "records", "hub", "jpki", "governance",
)  # fmt: skip


def cpu_of(*args: str) -> float:
    """CPU seconds (user + system) that `renkei ARGS` used, best of three runs."""
    best = float("inf")
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [str(RENKEI), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best


def run(*, smoke: bool, postgres_url: str) -> None:
    for args, target in LIGHT.items():
        used = cpu_of(*args)
        print(f"  renkei {' '.join(args)}: {used:.3f} s CPU (target {target} s)", flush=True)
    for name in GROUPS if not smoke else GROUPS[:3]:
        used = cpu_of(name, "--help")
        print(f"  renkei {name} (start-up): {used:.3f} s CPU (target 1 s)", flush=True)
