"""情報提供等記録: append with hash chain and signed tree heads, and full verification, on the hub's record tables.

Figures, each beside a baseline from the same run:
- bulk append (1,000 records per transaction, a signed head per batch) vs a raw insert of the same rows;
- one record per transaction (as the hub writes them, one per finished exchange) vs a raw single-row insert;
- verification of the whole log (10,000,000 records at full size), as records/s and total seconds.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from benchmarks.common import figure, peak_rss_mb, postgres_available, report, scratch_database_url
from renkei.core.settings import Settings
from renkei.hub.models import HubRecord, HubRecordRoot
from renkei.protocol import signing
from renkei.protocol.ledger import GENESIS, Ledger
from renkei.runtime import Runtime

BATCH = 1000
RAW_SAMPLE = 1_000_000
KEY = signing.signing_key_from_seed(bytes(range(32)))
LOG: Ledger[HubRecord, HubRecordRoot] = Ledger(
    "bench", HubRecord, HubRecordRoot, index_columns=("processing_number", "person_ref"), root_every=BATCH
)
_SETTINGS_KEYS = {"hub_key": SecretStr("44" * 32)}


def _body(n: int) -> dict[str, Any]:
    return {
        "processing_number": f"20260601{n:012d}",
        "requester_code": "0220113112101700",
        "requester_name": "東京都世田谷区",
        "provider_code": "0220113101601700",
        "provider_name": "東京都千代田区",
        "jimu_code": "JM01074000000000",
        "procedure_code": "JT01074000000001",
        "tm_code": "TM00000000000002",
        "requested_at": "2026-06-01T01:00:00+00:00",
        "provided_at": "2026-06-01T01:00:01+00:00",
        "result": "provided",
        "message": "",
        "person_ref": f"{n:032x}",
    }


def _bodies(start: int, count: int) -> Iterator[dict[str, Any]]:
    return (_body(n) for n in range(start, start + count))


def _raw_rows(start: int, count: int, at: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "seq": n,
            "recorded_at": at,
            "body": body,
            "prev_hash": GENESIS,
            "entry_hash": GENESIS,
            "processing_number": body["processing_number"],
            "person_ref": body["person_ref"],
        }
        for n, body in zip(range(start, start + count), _bodies(start, count), strict=True)
    ]


def _one(label: str, settings: Settings, n: int, singles: int) -> None:
    with Runtime(settings, transport=None) as runtime:
        at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
        # baseline: the same rows inserted raw (no hashing, no signing) into an identical table of another node
        sample = min(n, RAW_SAMPLE)  # a rate, so a sample of the same rows is enough and keeps --smoke short
        start = time.perf_counter()
        for first in range(1, sample + 1, BATCH):
            with runtime.session("portal") as session:
                session.execute(sa.insert(HubRecord), _raw_rows(first, min(BATCH, sample - first + 1), at))
        raw_rate = sample / (time.perf_counter() - start)

        start = time.perf_counter()
        for first in range(1, n + 1, BATCH):
            with runtime.session("hub") as session:
                LOG.append_many(session, _bodies(first, min(BATCH, n - first + 1)), key=KEY)
        rate = n / (time.perf_counter() - start)
        report(
            f"[{label}] append, hash chain + signed head per {BATCH}",
            rate,
            "records/s",
            baseline_name="raw insert of the same rows",
            baseline=raw_rate,
            extra=f"{n:,} records, peak RSS {peak_rss_mb():,.0f} MB",
        )

        start = time.perf_counter()
        for i in range(singles):
            with runtime.session("portal") as session:
                session.execute(sa.insert(HubRecord), _raw_rows(sample + 1 + i, 1, at))
        raw_single = singles / (time.perf_counter() - start)
        start = time.perf_counter()
        for i in range(singles):
            with runtime.session("hub") as session:
                LOG.append(session, _body(n + 1 + i), key=KEY)
        report(
            f"[{label}] append, one record per transaction",
            singles / (time.perf_counter() - start),
            "records/s",
            baseline_name="raw single-row insert",
            baseline=raw_single,
        )
        with runtime.session("hub") as session:
            LOG.sign_root(session, key=KEY)

        total = n + singles
        start, verify_cpu = time.perf_counter(), time.process_time()
        with runtime.session("hub") as session:
            verdict = LOG.verify(session, public_key=KEY.public_key())
        elapsed = time.perf_counter() - start
        assert verdict.ok and verdict.entries == total, verdict.problems[:5]
        verify_cpu = time.process_time() - verify_cpu
        # The baseline reads the very rows verification reads (the hub's log), not the smaller raw-insert table.
        start = time.perf_counter()
        with runtime.session("hub") as session:
            scanned = sum(
                1
                for _ in session.execute(
                    sa.select(HubRecord.seq, HubRecord.body).execution_options(yield_per=10_000)
                )
            )
        scan_rate = scanned / (time.perf_counter() - start)
        assert scanned == total, (scanned, total)
        figure(
            f"[{label}] verify whole log",
            total / elapsed,
            "records/s",
            baseline_name="plain scan of the same rows",
            baseline=scan_rate,
            cpu_seconds=verify_cpu,
            wall_seconds=elapsed,
            ops=total,
            database=label,
            extra=f"{total:,} records in {elapsed:,.1f} s, {verdict.roots:,} signed heads, peak RSS {peak_rss_mb():,.0f} MB",
        )


def run(*, smoke: bool, postgres_url: str | None) -> None:
    global RAW_SAMPLE  # noqa: PLW0603 - one knob for the smoke run
    n, singles = (100_000, 200) if smoke else (10_000_000, 5_000)
    RAW_SAMPLE = 20_000 if smoke else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        _one("SQLite", Settings(data_dir=Path(tmp) / "var", **_SETTINGS_KEYS), n, singles)  # type: ignore[arg-type]
        if postgres_url is None or not postgres_available(postgres_url):
            print("  [PostgreSQL] skipped: server not reachable", flush=True)
            return
        with scratch_database_url(postgres_url, Path(tmp)) as url:
            settings = Settings(data_dir=Path(tmp) / "pg", database_url=url, **_SETTINGS_KEYS)  # type: ignore[arg-type]
            _one("PostgreSQL", settings, 20_000 if smoke else n, 100 if smoke else singles)
