"""符号 acquisition: 取得番号 → (住基ネット) 住民票コード → ID code → 機関別符号, through the hub's protocol face.

Figures: end-to-end acquisition (signed request, jukinet resolve marking each 取得番号 used, derivation) beside
the raw HMAC-SHA256 rate over the same 住民票コード and beside 住基ネット's resolve alone (the hub's one
unavoidable dependency), and the derivation alone beside raw HMAC — all measured in the same run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from benchmarks.common import peak_rss_mb, postgres_available, report, scratch_database_url
from renkei.core import clock
from renkei.core.ids import municipality_agency_code
from renkei.core.settings import Settings
from renkei.hub import signs
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient, Person
from renkei.protocol.keys import NodeKeys
from renkei.protocol.messages import AgencyRegistration, SignAcquisitionRequest
from renkei.runtime import Runtime

LG = "131016"
SETUP_BATCH = 5000
ACQUIRE_BATCH = 1000
_KEYS = {
    name: SecretStr(value * 32)
    for name, value in (
        ("mynumber_key", "11"),
        ("blind_index_key", "22"),
        ("jukinet_key", "33"),
        ("hub_key", "44"),
        ("session_secret", "55"),
    )
}


def _population(jukinet: JukinetClient, n: int) -> list[str]:
    jukinet.register_municipality(LG)
    codes: list[str] = []
    while len(codes) < n:
        batch = jukinet.issue_juminhyo_codes(LG, min(SETUP_BATCH, n - len(codes)))
        jukinet.register_persons(
            LG,
            [
                Person(
                    juminhyo_code=code,
                    name="試験 太郎",
                    name_kana="シケン タロウ",
                    birth_date=dt.date(1980, 1, 1),
                    sex="1",
                    address="東京都千代田区千代田1-1",
                )
                for code in batch
            ],
        )
        codes.extend(batch)
    return codes


def _raw_hmac_rate(codes: list[str], key: bytes) -> float:
    start = time.perf_counter()
    for code in codes:
        hmac.new(key, code.encode(), hashlib.sha256).digest()
    return len(codes) / (time.perf_counter() - start)


def _one(label: str, settings: Settings, n: int) -> None:
    with Runtime(settings) as runtime:
        jukinet, hub = JukinetClient(runtime.transport), HubClient(runtime.transport)
        start = time.perf_counter()
        codes = _population(jukinet, n)
        numbers: list[str] = []
        spare: list[str] = []  # a second set, resolved directly as the dependency's own rate
        for i in range(0, n, SETUP_BATCH):
            numbers.extend(jukinet.issue_acquisition_numbers(LG, codes[i : i + SETUP_BATCH]))
            spare.extend(jukinet.issue_acquisition_numbers(LG, codes[i : i + SETUP_BATCH]))
        print(
            f"  [{label}] setup: {n:,} residents and 取得番号 in {time.perf_counter() - start:,.1f} s",
            flush=True,
        )

        keys = NodeKeys.generate()
        agency = municipality_agency_code(LG)
        hub.register_agency(
            AgencyRegistration(
                agency_code=agency,
                name="東京都千代田区",
                kind="市町村長",
                endpoint="lg" + LG,
                signing_public_key=keys.signing_public_pem,
                sealing_public_key=keys.sealing_public_pem,
            )
        )
        baseline = _raw_hmac_rate(codes, b"k" * 32)

        hub_keys = signs.hub_keys(settings)
        start = time.perf_counter()
        for i in range(0, n, ACQUIRE_BATCH):
            ids = [signs.id_code(hub_keys, code) for code in codes[i : i + ACQUIRE_BATCH]]
            signs.agency_signs(hub_keys, ids, agency)
        derivation = n / (time.perf_counter() - start)
        report(
            f"[{label}] 符号 derivation only",
            derivation,
            "符号/s",
            baseline_name="raw HMAC-SHA256",
            baseline=baseline,
        )

        start = time.perf_counter()
        for i in range(0, n, ACQUIRE_BATCH):
            jukinet.resolve_acquisition_numbers(spare[i : i + ACQUIRE_BATCH])
        resolve_rate = n / (time.perf_counter() - start)

        start = time.perf_counter()
        issued = 0
        for i in range(0, n, ACQUIRE_BATCH):
            request = SignAcquisitionRequest(
                agency_code=agency,
                acquisition_numbers=numbers[i : i + ACQUIRE_BATCH],
                requested_at=clock.now(),
            ).signed(keys.signing)
            issued += len(hub.acquire_signs(request).signs)
        elapsed = time.perf_counter() - start
        report(
            f"[{label}] 符号 acquisition end to end ({ACQUIRE_BATCH}/request)",
            issued / elapsed,
            "符号/s",
            baseline_name="raw HMAC-SHA256",
            baseline=baseline,
            extra=f"{issued:,} in {elapsed:,.1f} s, peak RSS {peak_rss_mb():,.0f} MB",
        )
        report(
            f"[{label}] 符号 acquisition end to end",
            issued / elapsed,
            "符号/s",
            baseline_name="住基ネット resolve alone (same batches)",
            baseline=resolve_rate,
        )


def run(*, smoke: bool, postgres_url: str | None) -> None:
    n = 10_000 if smoke else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        _one("SQLite", Settings(data_dir=Path(tmp) / "var", **_KEYS), n)  # type: ignore[arg-type]
        if postgres_url is None or not postgres_available(postgres_url):
            print("  [PostgreSQL] skipped: server not reachable", flush=True)
            return
        with scratch_database_url(postgres_url, Path(tmp)) as url:
            _one("PostgreSQL", Settings(data_dir=Path(tmp) / "pg", database_url=url, **_KEYS), n)  # type: ignore[arg-type]
