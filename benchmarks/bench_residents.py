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
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    Aim,
    Servers,
    failed,
    figure,
    free_port,
    measuring,
    metered,
    peak_rss_mb,
    postgres_available,
    process_cpu_seconds,
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


def _backend_cpu(database_url: str | None) -> dict[int, float]:
    """CPU seconds so far of the PostgreSQL backends serving this run's databases (same machine), by PID."""
    if database_url is None:
        return {}
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from renkei.core.db import create_engine

    url = make_url(database_url)
    engine = create_engine(url.set(database="postgres"))
    with engine.connect() as conn:
        pids = conn.scalars(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname LIKE :p AND pid <> pg_backend_pid()"),
            {"p": f"{url.database}%"},
        ).all()
    engine.dispose()
    return {int(pid): process_cpu_seconds(int(pid)) for pid in pids}


def _register(
    path: Path, workdir: Path, database_url: str | None, template: str | None, *, served: bool = False
) -> dict[str, Any]:
    """Register the file; `served`: 住基ネット runs as `renkei serve jukinet` in its own process (over HTTP)."""
    import os

    from renkei.addressee.intake import import_population
    from renkei.protocol import orgca
    from renkei.protocol.jukinet import JukinetClient
    from renkei.protocol.tls import client_ssl_context
    from renkei.protocol.transport import HttpTransport
    from renkei.runtime import Runtime
    from renkei.runtime.wire import ensure_certificate

    settings = _settings(workdir, database_url, template)
    with Servers() as servers:
        transport = None
        server_pids: tuple[int, ...] = ()
        if served:
            port = free_port()
            env = {
                **os.environ,
                "RENKEI_DATA_DIR": str(workdir),
                "RENKEI_DATABASE_URL": database_url or "",
                "RENKEI_DATABASE_TEMPLATE": template or "",
                **{f"RENKEI_{k.upper()}": v * 32 for k, v in _KEYS.items()},
            }
            if not database_url:
                del env["RENKEI_DATABASE_URL"]
            renkei = str(Path(sys.executable).parent / "renkei")
            # Over mutual TLS like every `renkei serve` process: the CA and both certificates in the data dir.
            ca_dir = workdir / "orgca"
            orgca.ensure_ca(ca_dir)
            for node in ("jukinet", "lg" + LG_CODE):
                ensure_certificate(ca_dir, node)
            tls = client_ssl_context(ca_dir, "lg" + LG_CODE)
            proc = servers.start(
                "jukinet",
                [renkei, "serve", "jukinet", "--port", str(port)],
                env=env,
                health_url=f"https://127.0.0.1:{port}/healthz",
                tls=tls,
            )
            server_pids = (proc.pid,)
            transport = HttpTransport({"jukinet": f"https://127.0.0.1:{port}"}, timeout=600, tls=tls)
        with Runtime(settings, transport=transport) as runtime:
            jukinet = JukinetClient(runtime.transport)
            jukinet.register_municipality(LG_CODE)
            runtime.databases.engine("lg" + LG_CODE)  # create and migrate outside the timed part
            backends = _backend_cpu(database_url)
            with metered(*server_pids) as meter:
                result = import_population(
                    lambda: runtime.municipal_session(LG_CODE),
                    path=path,
                    lg_code=LG_CODE,
                    jukinet=jukinet,
                    settings=runtime.settings,
                )
                after = _backend_cpu(database_url)
            database_cpu = sum(cpu - backends.get(pid, 0.0) for pid, cpu in after.items())
    return {
        "rows": result.registered,
        "seconds": meter.wall,
        "cpu_seconds": meter.cpu,
        "client_cpu_seconds": meter.cpu_self,
        "server_cpu_seconds": meter.cpu_others,
        "database_cpu_seconds": database_cpu,
        "peak_mb": peak_rss_mb(),
    }


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
    backends = _backend_cpu(database_url)
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
    database_cpu = sum(c - backends.get(pid, 0.0) for pid, c in _backend_cpu(database_url).items())
    databases.dispose()
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "database_cpu_seconds": database_cpu,
        "peak_mb": peak_rss_mb(),
    }


def _child(kind: str, path: Path, workdir: Path, database_url: str | None, template: str) -> dict[str, Any]:
    # A fresh process per measurement: its peak RSS is the measured path's own, not the set-up's.
    return run_child(
        "benchmarks.bench_residents", kind, str(path), str(workdir), database_url or "", template
    )


def _measure(label: str, path: Path, size: int, workdir: Path, database_url: str | None) -> None:
    template = _template(workdir, database_url)
    with measuring(f"{label} {size:,}: plain bulk insert (baseline)", database=label):
        plain = _child("plain", path, workdir / f"plain-{label}-{size}", database_url, template)
    plain_cpu = plain["cpu_seconds"] + plain["database_cpu_seconds"]
    for mode, kind in (("in one process", "register"), ("jukinet served", "register-served")):
        name = f"{label} {size:,} residents registered end to end, {mode}"
        with measuring(name, database=label):
            # A database of its own per run (on PostgreSQL too: node databases are named after the base URL).
            url = (
                None
                if database_url is None
                else f"{database_url}{kind.replace('register', 'r').replace('-', '')}"
            )
            got = _child(kind, path, workdir / f"{kind}-{label}-{size}", url, template)
            rows = got["rows"]
            assert rows == size, (rows, size)
            # Summed over processes: this one, the jukinet server (when served) and the PostgreSQL backends.
            cpu = got["cpu_seconds"] + got["database_cpu_seconds"]
            split = (
                f"CPU µs/resident: client {got['client_cpu_seconds'] / rows * 1e6:.0f}, "
                f"jukinet server {got['server_cpu_seconds'] / rows * 1e6:.0f}, "
                f"database server {got['database_cpu_seconds'] / rows * 1e6:.0f}"
            )
            figure(
                name,
                rows / got["seconds"],
                "rows/s",
                baseline_name="plain bulk insert into a bare table",
                baseline=plain["rows"] / plain["seconds"],
                aim=AIM_RATE,
                cpu_seconds=cpu,
                wall_seconds=got["seconds"],
                baseline_cpu_seconds=plain_cpu,
                baseline_ops=plain["rows"],
                ops=rows,
                size=size,
                database=label,
                series=f"registration, {mode} ({label})",
                peak_rss_mb=got["peak_mb"],
                extra=f"{got['seconds']:.1f} s; {split}",
            )
            # On a shared machine wall time includes waiting for a core; CPU time shows what the code costs.
            figure(
                f"{label} {size:,} residents, {mode}: CPU per resident, all processes",
                cpu / rows * 1e6,
                "µs CPU",
                baseline_name="plain insert, CPU per row",
                baseline=plain_cpu / plain["rows"] * 1e6,
                aim=AIM_CPU,
                higher_is_better=False,
                cpu_seconds=cpu,
                ops=rows,
                size=size,
                database=label,
            )
            figure(
                f"{label} {size:,} residents, {mode}: peak RSS of the registering process",
                got["peak_mb"],
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
    # Knobs to bound a run on a shared machine: RENKEI_BENCH_SIZES=1000000, RENKEI_BENCH_DATABASES=postgresql
    if os.environ.get("RENKEI_BENCH_SIZES"):
        sizes = tuple(int(v) for v in os.environ["RENKEI_BENCH_SIZES"].split(","))
    databases = os.environ.get("RENKEI_BENCH_DATABASES", "sqlite,postgresql").split(",")
    with tempfile.TemporaryDirectory(prefix="renkei-bench-residents-") as tmp:
        workdir = Path(tmp)
        files = {}
        for size in sizes:
            files[size] = workdir / f"population-{size}.csv"
            write_csv(files[size], lg_code=LG_CODE, count=size, seed=size)
        for size in sizes if "sqlite" in databases else ():
            _measure("SQLite", files[size], size, workdir, None)
        if "postgresql" not in databases:
            pass
        elif postgres_url and postgres_available(postgres_url):
            # Smoke runs one PostgreSQL size: creating and migrating node databases dominates at small sizes.
            for size in sizes[-1:] if smoke else sizes:
                with scratch_database_url(postgres_url, workdir) as url:
                    _measure("PostgreSQL", files[size], size, workdir, url)
        else:
            failed("PostgreSQL figures", "PostgreSQL not reachable", database="PostgreSQL")


if __name__ == "__main__":
    kind, file, work, url, template = sys.argv[1:6]
    if kind == "plain":
        out = _plain(Path(file), Path(work), url or None, template)
    else:
        out = _register(Path(file), Path(work), url or None, template, served=kind == "register-served")
    print(json.dumps(out), flush=True)
