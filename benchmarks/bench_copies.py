"""副本登録 at scale: one city's tax copies from a CSV file through the connector and the intermediate server.

Figures, each beside a baseline measured in the same run: rows/s of `renkei copies register`'s path (CSV parse,
宛名 check, layout validation, idempotency check, bulk insert) against a raw bulk insert of the same rows into the
same table; peak memory at half and full size (flat in the file size); on SQLite and, if reachable, PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from benchmarks.common import peak_rss_mb, postgres_available, report, scratch_database_url
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


def _raw_insert(runtime: Runtime, rows: Iterator[dict[str, Any]]) -> None:
    table = IntermediateCopy.__table__
    with runtime.municipal_session(LG) as session:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 2000:
                session.execute(sa.insert(table), batch)
                batch = []
        if batch:
            session.execute(sa.insert(table), batch)


def _one(label: str, workdir: Path, database_url: str | None, n: int) -> None:
    settings = Settings(data_dir=workdir / label, database_url=database_url, **KEYS)  # type: ignore[arg-type]
    with Runtime(settings) as runtime:
        started = time.perf_counter()
        numbers = _people(runtime, n)
        print(
            f"  [{label}] setup: {n:,} persons with 統合宛名番号 and 符号 in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        half = workdir / f"{label}-half.csv"
        full = workdir / f"{label}-full.csv"
        write_copies_csv(half, _copies(numbers[: n // 2], "H"), item_codes=ITEMS)
        write_copies_csv(full, _copies(numbers, "F"), item_codes=ITEMS)

        started = time.perf_counter()
        _raw_insert(runtime, _raw_rows(numbers, "W"))
        raw_rate = n / (time.perf_counter() - started)
        with runtime.municipal_session(LG) as session:
            session.execute(sa.delete(IntermediateCopy.__table__))

        rss_before = peak_rss_mb()
        with runtime.municipal_session(LG) as session:
            service.register_copies(session, lg_code=LG, entries=read_copies_csv(half))
        rss_half = peak_rss_mb()
        with runtime.municipal_session(LG) as session:
            session.execute(sa.delete(IntermediateCopy.__table__))
        started = time.perf_counter()
        with runtime.municipal_session(LG) as session:
            summary = service.register_copies(session, lg_code=LG, entries=read_copies_csv(full))
        elapsed = time.perf_counter() - started
        rss_full = peak_rss_mb()
        assert summary.created == n, summary.lines()
        report(
            f"[{label}] 副本登録 {n:,} copies from CSV",
            n / elapsed,
            "rows/s",
            baseline_name="raw bulk insert of the same rows",
            baseline=raw_rate,
            extra=f"peak RSS {rss_before:.0f} → {rss_half:.0f} MB (half file) → {rss_full:.0f} MB (full file)",
        )
        started = time.perf_counter()
        with runtime.municipal_session(LG) as session:
            again = service.register_copies(session, lg_code=LG, entries=read_copies_csv(full))
        assert again.unchanged == n
        report(
            f"[{label}] the same file again (idempotent, no change)",
            n / (time.perf_counter() - started),
            "rows/s",
            baseline_name="raw bulk insert",
            baseline=raw_rate,
        )


def run(*, smoke: bool, postgres_url: str | None) -> None:
    n = 10_000 if smoke else 1_000_000
    with tempfile.TemporaryDirectory(prefix="renkei-bench-copies-") as tmp:
        workdir = Path(tmp)
        _one("SQLite", workdir, None, n)
        if postgres_url and postgres_available(postgres_url):
            with scratch_database_url(postgres_url, workdir) as url:
                _one("PostgreSQL", workdir, url, n)
        else:
            print("  [PostgreSQL] skipped: server not reachable", flush=True)
