"""What every benchmark module uses: figures recorded for the report, CPU-time meters, servers that always stop.

The interface a benchmark module implements (see benchmarks/__main__.py and docs/decisions/0110):

- `NAME` (optional): the heading of its section in the report (the module name otherwise);
- `run(*, smoke: bool, postgres_url: str | None) -> None`: measures and records each figure with `figure()`
  (name, value, unit, same-run baseline, aim, CPU and wall time per operation, size, database, peak RSS).
  Each figure is measured inside `measuring(name)`, so one failing figure is recorded as failed and the next
  one is still measured.

Compatibility path: modules that still call the older `report(name, value, unit, baseline_name=…, baseline=…)`
(benchmarks/bench_queries.py, owned by the wire work) get their figures into the report through it too, without
CPU time or aim unless the runner's table of aims (benchmarks/aims.py) names them.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from renkei.core.db import create_engine, drop_database

FIGURES_ENV = "RENKEI_BENCH_FIGURES"  # a JSON-lines file the runner reads back; unset: print only
MODULE_ENV = "RENKEI_BENCH_MODULE"
START_DEADLINE = float(os.environ.get("RENKEI_BENCH_START_DEADLINE", "300"))


# -- the figure record --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Aim:
    """What a figure should reach: `ratio` (value / baseline) or `value` at least (`>=`) or at most (`<=`)."""

    of: Literal["ratio", "value"]
    op: Literal[">=", "<="]
    threshold: float
    text: str = ""

    def met(self, value: float, ratio: float | None) -> bool | None:
        subject = ratio if self.of == "ratio" else value
        if subject is None or math.isnan(subject):
            return None
        return subject >= self.threshold if self.op == ">=" else subject <= self.threshold

    def describe(self) -> str:
        return self.text or f"{'ratio' if self.of == 'ratio' else 'value'} {self.op} {self.threshold:g}"


@dataclass
class Figure:
    benchmark: str
    name: str
    value: float | None
    unit: str
    baseline_name: str | None = None
    baseline: float | None = None
    ratio: float | None = None
    aim: str | None = None
    met: bool | None = None
    higher_is_better: bool = True
    cpu_us_per_op: float | None = None
    wall_us_per_op: float | None = None
    baseline_cpu_us_per_op: float | None = None
    ops: int | None = None
    size: int | None = None
    database: str | None = None
    series: str | None = None  # figures of one series at several sizes are plotted together
    peak_rss_mb: float | None = None
    extra: str = ""
    error: str | None = None
    at: float = field(default_factory=time.time)


def _module() -> str:
    return os.environ.get(MODULE_ENV) or Path(sys.argv[0]).stem or "benchmark"


def _emit(fig: Figure) -> None:
    line = f"  {fig.name}: "
    if fig.error is not None:
        line += f"FAILED — {fig.error}"
    else:
        line += f"{fig.value:,.1f} {fig.unit}"
        if fig.baseline is not None and fig.baseline_name:
            line += f"  | baseline {fig.baseline_name}: {fig.baseline:,.1f} {fig.unit}"
        if fig.ratio is not None:
            line += f"  | ratio {fig.ratio:.2f}"
        if fig.aim:
            line += f"  | aim {fig.aim}: {'met' if fig.met else 'NOT met' if fig.met is False else '?'}"
        if fig.cpu_us_per_op is not None:
            line += f"  | {fig.cpu_us_per_op:,.1f} µs CPU/op"
        if fig.peak_rss_mb is not None:
            line += f"  | peak RSS {fig.peak_rss_mb:,.0f} MB"
    if fig.extra:
        line += f"  | {fig.extra}"
    print(line, flush=True)
    target = os.environ.get(FIGURES_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(fig), ensure_ascii=False) + "\n")


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    baseline_name: str | None = None,
    baseline: float | None = None,
    aim: Aim | None = None,
    higher_is_better: bool = True,
    cpu_seconds: float | None = None,
    wall_seconds: float | None = None,
    baseline_cpu_seconds: float | None = None,
    baseline_ops: int | None = None,
    ops: int | None = None,
    size: int | None = None,
    database: str | None = None,
    series: str | None = None,
    peak_rss_mb: float | None = None,
    extra: str = "",
) -> Figure:
    """Record one figure (printed, and appended to the runner's file). CPU and wall seconds are for `ops`."""
    ratio = value / baseline if baseline else None
    per = lambda s, n: s / n * 1e6 if s is not None and n else None  # noqa: E731
    fig = Figure(
        benchmark=_module(),
        name=name,
        value=value,
        unit=unit,
        baseline_name=baseline_name,
        baseline=baseline,
        ratio=ratio,
        aim=aim.describe() if aim else None,
        met=aim.met(value, ratio) if aim else None,
        higher_is_better=higher_is_better,
        cpu_us_per_op=per(cpu_seconds, ops),
        wall_us_per_op=per(wall_seconds, ops),
        baseline_cpu_us_per_op=per(baseline_cpu_seconds, baseline_ops or ops),
        ops=ops,
        size=size,
        database=database,
        series=series,
        peak_rss_mb=peak_rss_mb,
        extra=extra,
    )
    _emit(fig)
    return fig


def failed(name: str, error: str, *, database: str | None = None) -> None:
    _emit(Figure(benchmark=_module(), name=name, value=None, unit="", database=database, error=error))


@contextmanager
def measuring(name: str, *, database: str | None = None) -> Iterator[None]:
    """Measure one figure: an exception is recorded as that figure's failure and not raised further."""
    try:
        yield
    except Exception as exc:
        traceback.print_exc()
        failed(name, f"{exc.__class__.__name__}: {str(exc)[-500:]}", database=database)


def report(
    name: str,
    value: float,
    unit: str,
    *,
    baseline_name: str | None = None,
    baseline: float | None = None,
    extra: str = "",
) -> None:
    """Compatibility path: the older call (no CPU time, no aim); the figure still goes into the report."""
    figure(name, value, unit, baseline_name=baseline_name, baseline=baseline, extra=extra)


# -- measuring ------------------------------------------------------------------------------------------------
def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of another running process (its threads included), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Meter:
    """Wall and CPU seconds of a block: this process, its waited-for children, and the servers named."""

    pids: Sequence[int] = ()
    wall: float = 0.0
    cpu: float = 0.0
    cpu_self: float = 0.0
    cpu_others: float = 0.0

    @contextmanager
    def run(self) -> Iterator[Meter]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        servers = {pid: process_cpu_seconds(pid) for pid in self.pids}
        start = time.perf_counter()
        yield self
        self.wall = time.perf_counter() - start
        own2 = resource.getrusage(resource.RUSAGE_SELF)
        kids2 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu_self = own2.ru_utime + own2.ru_stime - own.ru_utime - own.ru_stime
        self.cpu_others = kids2.ru_utime + kids2.ru_stime - kids.ru_utime - kids.ru_stime
        self.cpu_others += sum(process_cpu_seconds(pid) - before for pid, before in servers.items())
        self.cpu = self.cpu_self + self.cpu_others


@contextmanager
def metered(*pids: int) -> Iterator[Meter]:
    with Meter(pids=pids).run() as meter:
        yield meter


def run_child(module: str, *args: str, timeout: float | None = None) -> dict[str, Any]:
    """`python -m module args…` in a fresh process; its last stdout line is JSON (peak RSS its own)."""
    done = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=False, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} {args[:1]} failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- servers that always stop -------------------------------------------------------------------------------
_LIVE: set[subprocess.Popen[bytes]] = set()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    _LIVE.discard(proc)


@atexit.register
def _stop_all() -> None:
    for proc in list(_LIVE):
        _stop(proc)


def _on_term(signum: int, _frame: object) -> None:
    _stop_all()
    raise SystemExit(128 + signum)


if os.environ.get(MODULE_ENV):  # inside the runner's child: a SIGTERM from the runner still stops our servers
    signal.signal(signal.SIGTERM, _on_term)


class Servers:
    """Processes a benchmark starts; a context manager that stops every one of them, also on failure."""

    def __init__(self) -> None:
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: dict[str, Path] = {}

    def __enter__(self) -> Servers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        health_url: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        deadline: float | None = None,
        tls: Any = None,
    ) -> subprocess.Popen[bytes]:
        """Start a server and, given `health_url`, poll it until it answers 200 (or the process exits)."""
        log = Path(tempfile.gettempdir()) / f"renkei-bench-{name}-{uuid.uuid4().hex[:8]}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603 - our own entry points
                list(command), env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=out
            )
        _LIVE.add(proc)
        self.procs[name] = proc
        self._logs[name] = log
        if health_url is not None:
            self.wait_healthy(name, health_url, deadline=deadline, tls=tls)
        return proc

    def log_tail(self, name: str) -> str:
        try:
            return self._logs[name].read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def wait_healthy(self, name: str, url: str, *, deadline: float | None = None, tls: Any = None) -> float:
        """Poll `url` until 200; returns the seconds it took. A generous deadline: the machine may be busy.
        `tls`: the ssl.SSLContext a mutual-TLS server wants (a `renkei serve` process)."""
        import httpx

        proc = self.procs[name]
        start = time.monotonic()
        limit = start + (deadline or START_DEADLINE)
        pause = 0.05
        while time.monotonic() < limit:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}: {self.log_tail(name)}")
            try:
                if httpx.get(url, timeout=5, verify=tls if tls is not None else True).status_code == 200:
                    return time.monotonic() - start
            except httpx.HTTPError:
                pass
            time.sleep(pause)
            pause = min(pause * 1.5, 1.0)
        raise RuntimeError(
            f"{name}: {url} did not answer within {deadline or START_DEADLINE:.0f} s: {self.log_tail(name)}"
        )

    def close(self) -> None:
        for proc in list(self.procs.values()):
            if proc.poll() is None:
                proc.terminate()
        for proc in list(self.procs.values()):
            _stop(proc)
        for log in self._logs.values():
            log.unlink(missing_ok=True)
        self.procs.clear()


# -- databases ------------------------------------------------------------------------------------------------
def postgres_available(url: str) -> bool:
    try:
        engine = create_engine(make_url(url).set(database="postgres"))
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception:
        return False
    return True


@contextmanager
def scratch_database_url(postgres_url: str | None, workdir: Path) -> Iterator[str | None]:
    """A throwaway PostgreSQL base URL (node databases are made under it and dropped after, also on failure)."""
    if postgres_url is None:
        yield None
        return
    base = make_url(postgres_url).set(database=f"rkbench{uuid.uuid4().hex[:8]}")
    try:
        yield str(base)
    finally:
        admin = create_engine(base.set(database="postgres"))
        with admin.connect() as conn:
            names = conn.scalars(
                sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": f"{base.database}%"}
            ).all()
        admin.dispose()
        for name in names:
            drop_database(base.set(database=name))
