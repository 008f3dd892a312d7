"""Helpers for benchmarks: timing, peak memory, PostgreSQL reachability, a printed figure with its ratio."""

from __future__ import annotations

import resource
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from renkei.core.db import create_engine, drop_database


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def report(
    name: str,
    value: float,
    unit: str,
    *,
    baseline_name: str | None = None,
    baseline: float | None = None,
    extra: str = "",
) -> None:
    line = f"  {name}: {value:,.1f} {unit}"
    if baseline is not None and baseline_name:
        ratio = value / baseline if baseline else float("nan")
        line += f"  | baseline {baseline_name}: {baseline:,.1f} {unit}  | ratio {ratio:.2f}"
    if extra:
        line += f"  | {extra}"
    print(line, flush=True)


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
    """A throwaway PostgreSQL base URL (node databases are made under it and dropped after), or None."""
    if postgres_url is None:
        yield None
        return
    base = make_url(postgres_url).set(database=f"rkbench{uuid.uuid4().hex[:8]}")
    yield str(base)
    admin = create_engine(base.set(database="postgres"))
    with admin.connect() as conn:
        names = conn.scalars(
            sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": f"{base.database}%"}
        ).all()
    admin.dispose()
    for name in names:
        drop_database(base.set(database=name))
