"""副本登録 at scale: one city's tax copies from a CSV file through the connector and the intermediate server.

Figures, each beside a baseline measured in the same run: rows/s of `renkei copies register`'s path (CSV parse,
宛名 check, layout validation, idempotency check, bulk insert) against a raw bulk insert of the same rows into the
same table (rows made beforehand, only the inserts and the commit timed); CPU time per copy; peak memory of a
fresh process per file size (flat in the file size: the set-up runs in another process); on SQLite and, if
reachable, PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from benchmarks.common import (
    Aim,
    failed,
    figure,
    measuring,
    metered,
    peak_rss_mb,
    postgres_available,
    run_child,
    scratch_database_url,
)
from renkei.addressee import service as addressee
from renkei.connectors.copies_csv import read_copies_csv, write_copies_csv
from renkei.core import clock, ids
from renkei.core.settings import Settings
from renkei.intermediate import service
from renkei.intermediate.models import IntermediateCopy, IntermediateSign
from renkei.intermediate.schemas import CopyInput
from renkei.protocol.signing import canonical_json
from renkei.residents.schemas import Registered
from renkei.runtime import Runtime

LG = "131016"
TAX = "TM00000000000002"
ITEMS = ["TK00000200000010", "TK00000200000020", "TK00000200000190", "TK00000200000310", "TK00000200000320"]
AIM = Aim("ratio", ">=", 0.5, "≥ 0.5 × raw insert")
KEYS = {
    n: SecretStr(v * 32)
    for n, v in (
        ("mynumber_key", "11"),
        ("blind_index_key", "22"),
        ("jukinet_key", "33"),
        ("hub_key", "44"),
        ("session_secret", "55"),
    )
}


def _mynumber(n: int) -> str:
    body = f"{n:011d}"
    return body + str(ids.mynumber_check_digit(body))


def _people(runtime: Runtime, n: int) -> list[str]:
    """n persons in the addressee system (as the resident import leaves them); returns their 統合宛名番号."""
    with runtime.municipal_session(LG) as session:
        for start in range(0, n, 10_000):
            addressee.register_residents(
                session,
                registered=[
                    Registered(
                        resident_id=i + 1,
                        atena_number=f"{i + 1:015d}",
                        name="試験　太郎",
                        name_kana="シケン　タロウ",
                        birth_date=dt.date(1980, 1, 1),
                        sex="1",
                        address="東京都千代田区千代田1-1",
                        mynumber=_mynumber(i + 1),
                    )
                    for i in range(start, min(start + 10_000, n))
                ],
                settings=runtime.settings,
            )
        first = addressee.integrated_number_of_resident(session, resident_id=1)
        last = addressee.integrated_number_of_resident(session, resident_id=n)
    base = int(first)
    assert int(last) == base + n - 1, "統合宛名番号 are expected to be consecutive after a bulk import"
    numbers = [ids.format_atena(base + i) for i in range(n)]
    # The steady state: everyone on the register holds a 符号 (obtained at birth or move-in). Obtaining a million
    # through the hub is bench_signs' subject, so here the rows are written directly.
    now = clock.now()
    with runtime.municipal_session(LG) as session:
        for start in range(0, n, 10_000):
            session.execute(
                sa.insert(IntermediateSign),
                [
                    {
                        "lg_code": LG,
                        "integrated_number": number,
                        "sign": f"{i:032X}",
                        "acquired_at": now,
                        "reason": "bench",
                    }
                    for i, number in enumerate(numbers[start : start + 10_000], start=start)
                ],
            )
    return numbers


def _copies(numbers: list[str], prefix: str) -> Iterator[CopyInput]:
    for i, number in enumerate(numbers):
        income = 1_000_000 + (i * 7919 % 60) * 100_000
        yield CopyInput(
            source="",
            record_id=f"{prefix}{i:010d}",
            integrated_number=number,
            tm_code=TAX,
            dataset_no="0101",
            dataset_record_key="2025",
            version="0002",
            published_from=dt.date(2025, 6, 1),
            items=dict(zip(ITEMS, ("2025", "3", str(income), "3500", str(income // 20)), strict=True)),
        )


def _raw_rows(numbers: list[str], prefix: str) -> Iterator[dict[str, Any]]:
    now = clock.now()
    for entry in _copies(numbers, prefix):
        data = {"items": entry.items, "null": {}}
        yield {
            "lg_code": LG,
            "record_id": entry.record_id,
            "segment": "1",
            "integrated_number": entry.integrated_number,
            "tm_code": TAX,
            "dataset_no": "0101",
            "dataset_record_key": "2025",
            "version": "0002",
            "data": data,
            "content_hash": hashlib.sha256(canonical_json(data)).hexdigest(),
            "published_from": entry.published_from,
            "published_to": None,
            "registered_at": now,
            "superseded_at": None,
        }


def _timed_insert(runtime: Runtime, rows: Iterator[dict[str, Any]]) -> tuple[int, float, float]:
    """Insert prepared rows in batches; only the inserts and the commit are timed (wall, CPU seconds)."""
    table = IntermediateCopy.__table__
    wall = cpu = 0.0
    count = 0
    with runtime.municipal_session(LG) as session:
        batch: list[dict[str, Any]] = []
        for row in itertools.chain(rows, [None]):
            if row is not None:
                batch.append(row)
            if len(batch) == 2000 or (row is None and batch):
                w, c = time.perf_counter(), time.process_time()
                session.execute(sa.insert(table), batch)
                wall, cpu = wall + time.perf_counter() - w, cpu + time.process_time() - c
                count += len(batch)
                batch = []
        w, c = time.perf_counter(), time.process_time()
        session.commit()
        wall, cpu = wall + time.perf_counter() - w, cpu + time.process_time() - c
    return count, wall, cpu


def _clear(runtime: Runtime) -> None:
    with runtime.municipal_session(LG) as session:
        session.execute(sa.delete(IntermediateCopy.__table__))


def _settings(workdir: Path, label: str, database_url: str | None) -> Settings:
    return Settings(data_dir=workdir / label, database_url=database_url, **KEYS)  # type: ignore[arg-type]


def _child_raw(workdir: Path, label: str, database_url: str | None, size: int) -> dict[str, Any]:
    """The baseline: the same rows, made beforehand chunk by chunk (untimed), inserted raw into the same table."""
    with Runtime(_settings(workdir, label, database_url)) as runtime:
        _clear(runtime)
        numbers = _numbers_of(runtime, size)
        rows, wall, cpu = _timed_insert(runtime, _raw_rows(numbers, "W"))
        _clear(runtime)
    return {"rows": rows, "seconds": wall, "cpu_seconds": cpu, "peak_mb": peak_rss_mb()}


def _child_register(workdir: Path, label: str, database_url: str | None, path: Path) -> dict[str, Any]:
    """`renkei copies register`'s path on the file, then the same file again (idempotent), in a fresh process."""
    with Runtime(_settings(workdir, label, database_url)) as runtime:
        _clear(runtime)
        base_mb = peak_rss_mb()
        with metered() as meter, runtime.municipal_session(LG) as session:
            summary = service.register_copies(session, lg_code=LG, entries=read_copies_csv(path))
        peak = peak_rss_mb()
        with metered() as again_meter, runtime.municipal_session(LG) as session:
            again = service.register_copies(session, lg_code=LG, entries=read_copies_csv(path))
        _clear(runtime)
    return {
        "rows": summary.created,
        "seconds": meter.wall,
        "cpu_seconds": meter.cpu,
        "peak_mb": peak,
        "base_mb": base_mb,
        "again_rows": again.unchanged,
        "again_seconds": again_meter.wall,
        "again_cpu_seconds": again_meter.cpu,
    }


def _numbers_of(runtime: Runtime, size: int) -> list[str]:
    with runtime.municipal_session(LG) as session:
        first = addressee.integrated_number_of_resident(session, resident_id=1)
    return [ids.format_atena(int(first) + i) for i in range(size)]


def _one(label: str, workdir: Path, database_url: str | None, sizes: tuple[int, ...]) -> None:
    n = max(sizes)
    with Runtime(_settings(workdir, label, database_url)) as runtime:
        started = time.perf_counter()
        numbers = _people(runtime, n)
        print(
            f"  [{label}] setup: {n:,} persons with 統合宛名番号 and 符号 in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        files = {}
        for size in sizes:
            files[size] = workdir / f"{label}-{size}.csv"
            write_copies_csv(files[size], _copies(numbers[:size], "F"), item_codes=ITEMS)
        del numbers
    url = database_url or ""
    for size in sizes:
        name = f"[{label}] 副本登録 {size:,} copies from CSV"
        with measuring(name, database=label):
            raw = run_child("benchmarks.bench_copies", "raw", str(workdir), label, url, str(size))
            got = run_child("benchmarks.bench_copies", "register", str(workdir), label, url, str(files[size]))
            assert got["rows"] == size, got
            assert got["again_rows"] == size, got
            raw_rate = raw["rows"] / raw["seconds"]
            figure(
                name,
                size / got["seconds"],
                "rows/s",
                baseline_name="raw bulk insert of the same rows",
                baseline=raw_rate,
                aim=AIM,
                cpu_seconds=got["cpu_seconds"],
                wall_seconds=got["seconds"],
                baseline_cpu_seconds=raw["cpu_seconds"],
                baseline_ops=raw["rows"],
                ops=size,
                size=size,
                database=label,
                series=f"copy registration ({label})",
                peak_rss_mb=got["peak_mb"],
                extra=f"{got['seconds']:.1f} s; fresh process, {got['base_mb']:.0f} MB before the file",
            )
            # The stable figure on a shared machine: raw insert CPU per row over the path's CPU per row.
            figure(
                f"[{label}] 副本登録 {size:,} copies, per CPU second",
                size / got["cpu_seconds"],
                "rows/CPU s",
                baseline_name="raw bulk insert per CPU second",
                baseline=raw["rows"] / raw["cpu_seconds"],
                aim=AIM,
                cpu_seconds=got["cpu_seconds"],
                ops=size,
                size=size,
                database=label,
                extra="client process CPU (on PostgreSQL the server's share is in neither side)",
            )
            figure(
                f"[{label}] the same {size:,} again (idempotent, no change)",
                got["again_rows"] / got["again_seconds"],
                "rows/s",
                baseline_name="raw bulk insert",
                baseline=raw_rate,
                cpu_seconds=got["again_cpu_seconds"],
                wall_seconds=got["again_seconds"],
                ops=got["again_rows"],
                size=size,
                database=label,
            )


def run(*, smoke: bool, postgres_url: str | None) -> None:
    sizes = (2_000, 10_000) if smoke else (100_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="renkei-bench-copies-") as tmp:
        workdir = Path(tmp)
        with measuring("[SQLite] 副本登録", database="SQLite"):
            _one("SQLite", workdir, None, sizes)
        if postgres_url and postgres_available(postgres_url):
            with (
                measuring("[PostgreSQL] 副本登録", database="PostgreSQL"),
                scratch_database_url(postgres_url, workdir) as url,
            ):
                _one("PostgreSQL", workdir, url, sizes)
        else:
            failed("[PostgreSQL] 副本登録", "PostgreSQL not reachable", database="PostgreSQL")


if __name__ == "__main__":
    kind, work, label, url, arg = sys.argv[1:6]
    if kind == "raw":
        out = _child_raw(Path(work), label, url or None, int(arg))
    else:
        out = _child_register(Path(work), label, url or None, Path(arg))
    print(json.dumps(out), flush=True)
