"""`python -m benchmarks [--smoke] [--only NAME] [--out DIR]`: every benchmark, then one report.

Each module runs in its own process group with a time budget; when it ends (or fails, or runs out of time)
the group is terminated, so no server it started outlives it. Its figures arrive as JSON lines, so what it
measured before a failure is kept. The report (report.md, report.json, plots) is written at the end, with the
machine it ran on (docs/decisions/0110).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import FIGURES_ENV, MODULE_ENV
from benchmarks.report import machine, write_report

MODULES = (
    "bench_residents", "bench_copies", "bench_signs", "bench_queries", "bench_records", "bench_jpki", "bench_cli",
    "bench_portal",
)  # fmt: skip
# Seconds each module may take before its process group is stopped (generous: the machine is shared).
BUDGET = {"smoke": 900.0, "full": 4 * 3600.0}


def _run_module(name: str, *, smoke: bool, postgres: str, figures: Path, budget: float) -> str | None:
    """Run one module's `run()` in a child process group; returns an error text, or None when it succeeded."""
    env = {**os.environ, FIGURES_ENV: str(figures), MODULE_ENV: name}
    command = [sys.executable, "-m", "benchmarks.run_one", name, "--postgres", postgres]
    if smoke:
        command.append("--smoke")
    proc = subprocess.Popen(command, env=env, start_new_session=True)  # noqa: S603 - our own module
    error = None
    try:
        code = proc.wait(timeout=budget)
        if code != 0:
            error = f"exited with {code}"
    except subprocess.TimeoutExpired:
        error = f"stopped after its budget of {budget:.0f} s"
    except KeyboardInterrupt:
        error = "interrupted"
    finally:
        # The whole group: the module and every server or helper it started, whatever state it ended in.
        for sig, pause in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            deadline = time.monotonic() + pause
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.1)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    return error


def _merge(out: Path, dirs: list[Path], *, smoke: bool) -> int:
    """One report from runs made apart (e.g. modules run side by side to bound the time)."""
    runs = [json.loads((d / "report.json").read_text(encoding="utf-8")) for d in dirs]
    records = [r for run in runs for r in run["figures"]]
    failures = {k: v for run in runs for k, v in run["module_failures"].items()}
    started = min(
        dt.datetime.fromisoformat(run["generated_at"]).timestamp() - run["duration_s"] for run in runs
    )
    loads = [run["machine"].get("load_start") for run in runs] + [
        run["machine"].get("load_after") for run in runs
    ]
    machine_info = {**runs[0]["machine"], "load_start": loads[0], "load_after": loads[-1]}
    machine_info["merged_from"] = [str(d) for d in dirs]
    write_report(out, records, failures=failures, machine=machine_info, smoke=smoke, started=started)
    print(f"report: {out / 'report.md'} ({len(records)} figures from {len(dirs)} runs)", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--smoke", action="store_true", help="small sizes, as CI runs them")
    parser.add_argument("--only", action="append", default=[], help="run only these modules")
    parser.add_argument("--budget", type=float, default=None, help="seconds each module may take")
    parser.add_argument("--out", default=None, help="report directory (default bench/, smoke: bench/smoke/)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "RENKEI_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/renkei_bench"
        ),
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        default=None,
        metavar="DIR",
        help="write one report from earlier runs' report.json",
    )
    args = parser.parse_args()
    out = Path(args.out or ("bench/smoke" if args.smoke else "bench"))
    if args.merge:
        return _merge(out, [Path(d) for d in args.merge], smoke=args.smoke)
    started = time.time()
    before = machine(args.postgres)
    failures: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="renkei-bench-") as tmp:
        figures = Path(tmp) / "figures.jsonl"
        figures.touch()
        for name in MODULES:
            if args.only and name not in args.only:
                continue
            print(f"== {name}", flush=True)
            error = _run_module(
                name,
                smoke=args.smoke,
                postgres=args.postgres,
                figures=figures,
                budget=args.budget or BUDGET["smoke" if args.smoke else "full"],
            )
            if error:
                failures[name] = error
                print(f"!! {name} failed: {error}", file=sys.stderr, flush=True)
        records = [json.loads(line) for line in figures.read_text(encoding="utf-8").splitlines() if line]
    after = machine(None)
    write_report(
        out,
        records,
        failures=failures,
        machine={**before, "load_after": after["load_start"]},
        smoke=args.smoke,
        started=started,
    )
    print(f"report: {out / 'report.md'} ({len(records)} figures)", flush=True)
    failed_figures = sum(1 for r in records if r.get("error"))
    return 1 if failures or failed_figures else 0


if __name__ == "__main__":
    raise SystemExit(main())
