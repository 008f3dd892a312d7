"""やりとり履歴: the portal's server time for one person's history, proofs checked, among many records at the hub.

Figures: p50/p99 of the whole page's server work (the hub's `person_records`: the person's entries, then the
page's 20 inclusion proofs; the portal's check of each, filtering and paging; decision 0097) for a person with `mine` records in a log of
`total`, with the CPU time per page. The issue's target is 1,000 among 10,000,000 (PostgreSQL) and 1,000,000
(SQLite), p99 < 50 ms. Beside it, in the same run: the person's 1,000 proofs from the stored interior hashes
(decision 0097, O(m log n)) against the same proofs built from every leaf of the log (the path before, O(n)).
Full size on SQLite is 1,000,000 records; PostgreSQL runs 1,000,000 too (`RENKEI_BENCH_PORTAL_PG_TOTAL` sets
another size, e.g. 10,000,000, which takes most of an hour to build on this machine).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import SecretStr

from benchmarks.common import Aim, figure, postgres_available, scratch_database_url
from renkei.core.settings import Settings
from renkei.hub import signs
from renkei.hub.models import RECORDS, HubRecord, HubRecordRoot
from renkei.portal import history
from renkei.portal.models import PortalUser
from renkei.portal.service import Portal
from renkei.protocol.ledger import Ledger
from renkei.runtime import Runtime

KEYS = {"hub_key": SecretStr("44" * 32), "portal_key": SecretStr("77" * 32)}
BATCH = 5000
# The same log read the way it was before stored interior hashes: every leaf, every proof request (O(n)).
EVERY_LEAF: Ledger[HubRecord, HubRecordRoot] = Ledger(
    RECORDS.log_id, HubRecord, HubRecordRoot, index_columns=RECORDS.index_columns
)


def _body(n: int, person_ref: str) -> dict[str, Any]:
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
        "person_ref": person_ref,
    }


def _one(label: str, settings: Settings, *, total: int, mine: int, runs: int) -> None:
    with Runtime(settings) as runtime:
        portal = Portal(
            sessions=lambda: runtime.session("portal"), settings=settings, transport=runtime.transport
        )
        portal.ensure_registered()
        keys = signs.hub_keys(settings)
        code = bytes(range(16))[: signs.ID_CODE_BYTES]
        ref = signs.person_ref(keys, code)
        sign = signs.agency_signs(keys, [code], "0030099000011700")[0]
        every = max(total // mine, 1)
        for first in range(0, total, BATCH):
            bodies = [
                _body(n, ref if n % every == 0 and n // every < mine else f"{n:032x}")
                for n in range(first, min(first + BATCH, total))
            ]
            with runtime.session("hub") as session:
                RECORDS.append_many(session, bodies, key=keys.signing)
        with runtime.session("hub") as session:
            RECORDS.sign_root(session, key=keys.signing)
        with runtime.session("portal") as session:
            session.execute(sa.delete(PortalUser))
            user = PortalUser(
                sign=sign, lg_code="131121", resident_id=1, registered_at=dt.datetime.now(dt.UTC)
            )
            session.add(user)
            session.flush()
            user_id = user.id
        times, cpus = [], []
        shown = 0
        for _ in range(runs):
            start, cpu = time.perf_counter(), time.process_time()
            page = portal.history(user_id)
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            shown = len(page.everything)
            assert page.failed == 0 and len(page.exchanges) == history.PAGE_SIZE
            assert all(e.verified for e in page.exchanges)
        times.sort()
        p50 = statistics.median(times) * 1000
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
        with runtime.session("hub") as session:
            seqs = list(session.scalars(sa.select(HubRecord.seq).where(HubRecord.person_ref == ref)))
            stored = _proofs(RECORDS, session, seqs, runs)
            leaves = _proofs(EVERY_LEAF, session, seqs, 1 if total > 100_000 else runs)
        figure(
            f"[{label}] proofs of {len(seqs):,} records among {total:,}, from stored hashes",
            stored[0] * 1000,
            "ms",
            baseline_name="built from every leaf (before)",
            baseline=leaves[0] * 1000,
            higher_is_better=False,
            cpu_seconds=stored[1],
            baseline_cpu_seconds=leaves[1],
            ops=1,
            size=total,
            database=label,
            series=f"proofs {label}",
        )
        figure(
            f"[{label}] やりとり履歴 {shown:,} records of one person among {total:,}",
            p99,
            "ms p99",
            aim=Aim("value", "<=", 50, "p99 < 50 ms"),
            higher_is_better=False,
            cpu_seconds=statistics.median(cpus),
            ops=1,
            size=total,
            database=label,
            series=f"history {label}",
            extra=f"p50 {p50:,.1f} ms over {runs} runs; CPU is the median per page",
        )


def _proofs(
    log: Ledger[HubRecord, HubRecordRoot], session: Any, seqs: list[int], runs: int
) -> tuple[float, float]:
    """Median wall and CPU seconds of building the proofs of `seqs` with `log`."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        log.inclusion_proofs(session, seqs=seqs)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def run(*, smoke: bool, postgres_url: str | None) -> None:
    sizes = [(2_000, 100)] if smoke else [(10_000, 1_000), (100_000, 1_000), (1_000_000, 1_000)]
    pg_total = int(os.environ.get("RENKEI_BENCH_PORTAL_PG_TOTAL", "1000000"))
    pg_sizes = [(2_000, 100)] if smoke else [(10_000, 1_000), (pg_total, 1_000)]
    runs = 5 if smoke else 20
    with tempfile.TemporaryDirectory() as tmp:
        for total, mine in sizes:
            settings = Settings(data_dir=Path(tmp) / f"sqlite{total}", **KEYS)  # type: ignore[arg-type]
            _one("SQLite", settings, total=total, mine=mine, runs=runs)
        if postgres_url and postgres_available(postgres_url):
            for total, mine in pg_sizes:
                with scratch_database_url(
                    postgres_url, Path(tmp)
                ) as url:  # a fresh set of databases per size
                    settings = Settings(data_dir=Path(tmp) / f"pg{total}", database_url=url, **KEYS)  # type: ignore[arg-type]
                    _one("PostgreSQL", settings, total=total, mine=mine, runs=runs)
