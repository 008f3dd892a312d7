"""Registering residents end to end: CSV → 住民記録 → 住基ネット (住民票コード, My Number) → 統合宛名 (sealed My Number,
blind index), on SQLite and PostgreSQL, beside a plain bulk insert of the same rows into a bare table.

Every measurement runs in its own subprocess so its peak RSS is its own; two file sizes show whether memory
grows with the file (it should not: the file is streamed and registered a chunk at a time). Each figure is given
per wall-clock second and per client CPU second (the latter is what the code costs when other work shares the
cores; on PostgreSQL the server's own CPU is not in it).
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Aim,
    failed,
    figure,
    measuring,
    peak_rss_mb,
    postgres_available,
    run_child,
    scratch_database_url,
)

LG_CODE = "131121"
FULL_SIZES = (100_000, 1_000_000)
AIM_RATE = Aim("value", ">=", 20_000, "≥ 20,000 residents/s")
AIM_CPU = Aim("value", "<=", 100, "≤ 100 µs CPU per resident")
AIM_RSS = Aim("value", "<=", 300, "< 300 MB, flat in the size")
SMOKE_SIZES = (2_000, 5_000)
_KEYS = {
    "mynumber_key": "11",
    "blind_index_key": "22",
    "jukinet_key": "33",
    "hub_key": "44",
    "session_secret": "55",
}


def _settings(data_dir: Path, database_url: str | None, template: str | None = None) -> Any:
    from pydantic import SecretStr

    from renkei.core.settings import Settings

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        database_template=template,
        **{name: SecretStr(v * 32) for name, v in _KEYS.items()},  # type: ignore[arg-type]
    )


def _template(workdir: Path, database_url: str | None) -> str:
    """A database migrated once that every node database of the run copies (migrations are not what we time)."""
    from sqlalchemy.engine import make_url

    from renkei.core.db import create_engine, ensure_database, upgrade

    if database_url is None:
        path = workdir / "template.sqlite3"
        url = make_url(f"sqlite:///{path}")
        name = str(path)
    else:
        url = make_url(database_url)
        name = f"{url.database}_template"
        url = url.set(database=name)
    ensure_database(url)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return name


def _register(path: Path, workdir: Path, database_url: str | None, template: str | None) -> dict[str, Any]:
    from renkei.addressee.intake import import_population
    from renkei.protocol.jukinet import JukinetClient
    from renkei.runtime import Runtime

    with Runtime(_settings(workdir, database_url, template)) as runtime:
        jukinet = JukinetClient(runtime.transport)
        jukinet.register_municipality(LG_CODE)
        runtime.databases.engine("lg" + LG_CODE)  # create and migrate outside the timed part
        start = time.perf_counter()
        cpu = time.process_time()
        result = import_population(
            lambda: runtime.municipal_session(LG_CODE),
            path=path,
            lg_code=LG_CODE,
            jukinet=jukinet,
            settings=runtime.settings,
        )
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    return {"rows": result.registered, "seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_rss_mb()}


def _plain(path: Path, workdir: Path, database_url: str | None, template: str | None) -> dict[str, Any]:
    """The same rows read the same way, inserted as-is into a bare table: the floor of what the database costs."""
    import sqlalchemy as sa

    from renkei.core.db import Databases

    databases = Databases(_settings(workdir, database_url, template))
    engine = databases.engine("plain")
    columns = [f"c{i}" for i in range(13)]
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE bare ({', '.join(c + ' TEXT' for c in columns)})"))
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO bare VALUES ({', '.join([marker] * 13)})"
    rows = 0
    start = time.perf_counter()
    cpu = time.process_time()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        chunk: list[tuple[str, ...]] = []
        for fields in reader:
            chunk.append(tuple(fields))
            if len(chunk) >= 5000:
                with engine.begin() as conn:
                    conn.exec_driver_sql(sql, chunk)  # type: ignore[arg-type]
                rows += len(chunk)
                chunk = []
        if chunk:
            with engine.begin() as conn:
                conn.exec_driver_sql(sql, chunk)  # type: ignore[arg-type]
            rows += len(chunk)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    databases.dispose()
    return {"rows": rows, "seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_rss_mb()}


def _child(kind: str, path: Path, workdir: Path, database_url: str | None, template: str) -> dict[str, Any]:
    # A fresh process per measurement: its peak RSS is the measured path's own, not the set-up's.
    return run_child(
        "benchmarks.bench_residents", kind, str(path), str(workdir), database_url or "", template
    )


def _measure(label: str, path: Path, size: int, workdir: Path, database_url: str | None) -> None:
    template = _template(workdir, database_url)
    series = f"registration ({label})"
    with measuring(f"{label} {size:,} residents registered end to end", database=label):
        registered = _child("register", path, workdir / f"reg-{label}-{size}", database_url, template)
        plain = _child("plain", path, workdir / f"plain-{label}-{size}", database_url, template)
        rows = registered["rows"]
        figure(
            f"{label} {size:,} residents registered end to end",
            rows / registered["seconds"],
            "rows/s",
            baseline_name="plain bulk insert into a bare table",
            baseline=plain["rows"] / plain["seconds"],
            aim=AIM_RATE,
            cpu_seconds=registered["cpu_seconds"],
            wall_seconds=registered["seconds"],
            baseline_cpu_seconds=plain["cpu_seconds"],
            ops=rows,
            size=size,
            database=label,
            series=series,
            peak_rss_mb=registered["peak_mb"],
            extra=f"{registered['seconds']:.1f} s; plain insert peak RSS {plain['peak_mb']:.0f} MB",
        )
        # On a shared machine wall time includes waiting for a core; CPU time shows what the code costs.
        figure(
            f"{label} {size:,} residents: CPU per resident",
            registered["cpu_seconds"] / rows * 1e6,
            "µs CPU",
            baseline_name="plain insert, CPU per row",
            baseline=plain["cpu_seconds"] / plain["rows"] * 1e6,
            aim=AIM_CPU,
            higher_is_better=False,
            cpu_seconds=registered["cpu_seconds"],
            ops=rows,
            size=size,
            database=label,
            extra="client process (on PostgreSQL the server's own CPU is not in it)",
        )
        figure(
            f"{label} {size:,} residents: peak RSS of the registering process",
            registered["peak_mb"],
            "MB",
            baseline_name="plain insert process",
            baseline=plain["peak_mb"],
            aim=AIM_RSS,
            higher_is_better=False,
            size=size,
            database=label,
        )


def run(*, smoke: bool, postgres_url: str | None) -> None:
    from renkei.residents.population import write_csv

    sizes = SMOKE_SIZES if smoke else FULL_SIZES
    with tempfile.TemporaryDirectory(prefix="renkei-bench-residents-") as tmp:
        workdir = Path(tmp)
        files = {}
        for size in sizes:
            files[size] = workdir / f"population-{size}.csv"
            write_csv(files[size], lg_code=LG_CODE, count=size, seed=size)
        for size in sizes:
            _measure("SQLite", files[size], size, workdir, None)
        if postgres_url and postgres_available(postgres_url):
            # Smoke runs one PostgreSQL size: creating and migrating node databases dominates at small sizes.
            for size in sizes[-1:] if smoke else sizes:
                with scratch_database_url(postgres_url, workdir) as url:
                    _measure("PostgreSQL", files[size], size, workdir, url)
        else:
            failed("PostgreSQL figures", "PostgreSQL not reachable", database="PostgreSQL")


if __name__ == "__main__":
    kind, file, work, url, template = sys.argv[1:6]
    measure = {"register": _register, "plain": _plain}[kind]
    print(json.dumps(measure(Path(file), Path(work), url or None, template)), flush=True)
