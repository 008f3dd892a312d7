"""Queries end to end over HTTP, three processes (requester node, hub, provider node) plus 住基ネット.

Figures, each beside a bare HTTP echo through the same server stack (uvicorn + FastAPI + `service_app`) measured
in the same run: single queries at a fixed offered load (sustained queries/s, p50/p99 latency from submission to
the opened answer) and a bulk batch (queries/s from submission until every answer is in).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import httpx
from pydantic import SecretStr

from benchmarks.common import START_DEADLINE, report
from renkei.addressee import service as addressee
from renkei.core.ids import municipality_agency_code
from renkei.core.settings import Settings
from renkei.intermediate import service
from renkei.intermediate.schemas import CopyInput
from renkei.protocol import orgca
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.tls import client_ssl_context
from renkei.protocol.transport import HttpTransport
from renkei.residents import service as residents
from renkei.residents.schemas import ResidentRow
from renkei.runtime import Runtime
from renkei.runtime.wire import ensure_certificate

A, B = "131016", "131121"
TAX = "TM00000000000002"
ASK = {
    "jm_code": "JM01074000000000",
    "jt_code": "JT01074000000001",
    "provider": municipality_agency_code(A),
    "tm_code": TAX,
    "system": "juki",
}
KEYS = {
    n: v * 32
    for n, v in (
        ("mynumber_key", "11"),
        ("blind_index_key", "22"),
        ("jukinet_key", "33"),
        ("hub_key", "44"),
        ("session_secret", "55"),
    )
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _row(lg: str, n: int) -> ResidentRow:
    return ResidentRow(
        atena_number=f"{n:015d}",
        household_number=f"{n:010d}",
        relationship="世帯主",
        surname="試験",
        given_name=f"{n}",
        surname_kana="シケン",
        given_name_kana="タロウ",
        birth_date=dt.date(1980, 1, 1),
        sex="1",
        postal_code="1000001" if lg == A else "1540001",
        address="東京都千代田区千代田一丁目1番" if lg == A else "東京都世田谷区池尻一丁目1番",
        resident_since=dt.date(2020, 4, 1),
    )


def _setup(data_dir: Path, movers: int) -> list[str]:
    """A with copies for its residents, `movers` of whom moved to B; returns their 宛名番号 at B."""
    settings = Settings(data_dir=data_dir, **{k: SecretStr(v) for k, v in KEYS.items()})  # type: ignore[arg-type]
    with Runtime(settings) as rt:
        jukinet, hub = JukinetClient(rt.transport), HubClient(rt.transport)
        for lg, count in ((A, movers), (B, 1)):
            jukinet.register_municipality(lg)
            rt.mount_municipality(lg)
            with rt.municipal_session(lg) as s:
                start = 1 if lg == A else 900_000
                reg = residents.register_residents(
                    s,
                    lg_code=lg,
                    rows=[_row(lg, start + i) for i in range(count)],
                    jukinet=jukinet,
                    settings=settings,
                )
                addressee.register_residents(s, registered=reg, settings=settings)
                service.register_with_hub(
                    s, lg_code=lg, settings=settings, hub=hub, name=jukinet.municipality(lg).name
                )
                service.acquire_missing_signs(s, lg_code=lg, settings=settings, jukinet=jukinet, hub=hub)
        with rt.municipal_session(A) as s:
            entries = []
            for i in range(movers):
                number = addressee.find_by_atena(s, system="juki", atena=f"{i + 1:015d}").integrated_number
                items = {
                    "TK00000200000010": "2025",
                    "TK00000200000020": "3",
                    "TK00000200000190": str(3_000_000 + i),
                    "TK00000200000310": "3500",
                    "TK00000200000320": "150000",
                }
                entries.append(
                    CopyInput(
                        source="",
                        record_id=f"B{i:08d}",
                        integrated_number=number,
                        tm_code=TAX,
                        dataset_no="0101",
                        dataset_record_key="2025",
                        version="0002",
                        items=items,
                    )
                )
            service.register_copies(s, lg_code=A, entries=entries)
            certificates = [
                residents.move_out(
                    s,
                    resident_id=residents.find_by_atena_number(s, atena_number=f"{i + 1:015d}").id,
                    destination_lg_code=B,
                    jukinet=jukinet,
                    settings=settings,
                )
                for i in range(movers)
            ]
        with rt.municipal_session(B) as s:
            atenas = [
                residents.move_in(
                    s,
                    lg_code=B,
                    certificate=c,
                    postal_code="1540001",
                    address="東京都世田谷区池尻一丁目1番",
                    jukinet=jukinet,
                    settings=settings,
                ).atena_number
                for c in certificates
            ]
        for lg in (A, B):
            with rt.municipal_session(lg) as s:
                addressee.consume_resident_events(s, settings=settings)
                service.sync_signs(s, lg_code=lg, settings=settings, jukinet=jukinet, hub=hub)
    return atenas


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Processes:
    """`renkei serve …` subprocesses over mutual TLS, each on its own database file under the data dir."""

    NODES: ClassVar[dict[str, str]] = {
        "jukinet": "jukinet",
        "hub": "hub",
        "a": "lg" + A,
        "b": "lg" + B,
        "echo": "operator",
    }

    def __init__(self, data_dir: Path) -> None:
        ca_dir = data_dir / "orgca"
        orgca.ensure_ca(ca_dir)
        for node in (*self.NODES.values(), f"lg{B}-business"):
            ensure_certificate(ca_dir, node)
        self.ca_dir = ca_dir
        self.ports = {name: _free_port() for name in self.NODES}
        self.url = {name: f"https://127.0.0.1:{port}" for name, port in self.ports.items()}
        env = {
            **os.environ,
            **{f"RENKEI_{k.upper()}": v for k, v in KEYS.items()},
            "RENKEI_DATA_DIR": str(data_dir),
        }
        renkei = [str(Path(sys.executable).parent / "renkei")]
        u = self.url
        commands = {
            "jukinet": [*renkei, "serve", "jukinet", "--port", str(self.ports["jukinet"])],
            "hub": [
                *renkei,
                "serve",
                "hub",
                "--port",
                str(self.ports["hub"]),
                "--jukinet-url",
                u["jukinet"],
                "--node",
                f"{A}={u['a']}",
                "--node",
                f"{B}={u['b']}",
            ],
            "a": [
                *renkei,
                "serve",
                "node",
                "--municipality",
                A,
                "--port",
                str(self.ports["a"]),
                "--hub-url",
                u["hub"],
                "--jukinet-url",
                u["jukinet"],
            ],
            "b": [
                *renkei,
                "serve",
                "node",
                "--municipality",
                B,
                "--port",
                str(self.ports["b"]),
                "--hub-url",
                u["hub"],
                "--jukinet-url",
                u["jukinet"],
            ],
            "echo": [
                sys.executable,
                "-m",
                "benchmarks.bench_queries",
                "echo",
                str(self.ports["echo"]),
                str(ca_dir),
            ],
        }
        self.procs = {
            name: subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
            for name, cmd in commands.items()
        }
        self.health = httpx.Client(verify=client_ssl_context(ca_dir, "operator"), timeout=2)
        for name in commands:
            self._wait(name)

    def client(self, node: str) -> HttpTransport:
        """A business system of B calling its node (and the echo), over mutual TLS with keep-alive."""
        return HttpTransport(
            {"lg" + B: self.url["b"], "echo": self.url["echo"]},
            timeout=120,
            tls=client_ssl_context(self.ca_dir, node),
        )

    def cpu(self) -> dict[str, float]:
        return {name: _cpu_seconds(proc.pid) for name, proc in self.procs.items() if name != "echo"}

    def _wait(self, name: str) -> None:
        deadline = time.monotonic() + START_DEADLINE  # generous: a busy machine starts servers slowly
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(
                    f"{name} exited: {self.procs[name].stderr.read().decode() if self.procs[name].stderr else ''}"
                )
            try:
                if self.health.get(self.url[name] + "/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not start")

    def close(self) -> None:
        self.health.close()
        for proc in self.procs.values():
            proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _open_loop(rate: float, seconds: float, call: Callable[[int], float]) -> tuple[float, list[float]]:
    """Start call(i) at i/rate (fixed offered load); returns (completed per second, latencies in ms)."""
    total = int(rate * seconds)
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter()

    def one(i: int) -> None:
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        scheduled = start + i / rate
        call(i)
        with lock:
            latencies.append((time.perf_counter() - scheduled) * 1000)

    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(one, range(total)))
    elapsed = time.perf_counter() - start
    return len(latencies) / elapsed, latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(*, smoke: bool, postgres_url: str | None) -> None:
    movers = 20 if smoke else 200
    rate, seconds = (50.0, 3.0) if smoke else (200.0, 60.0)
    bulk = 1_000 if smoke else 100_000
    print(
        "  (three `renkei serve` processes over mutual TLS on SQLite; PostgreSQL for this benchmark: not run)",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="renkei-bench-queries-") as tmp:
        data_dir = Path(tmp)
        atenas = _setup(data_dir, movers)
        procs = Processes(data_dir)
        try:
            node = procs.client(f"lg{B}-business")

            def query(i: int) -> float:
                outcome = node.call("lg" + B, "query", {**ASK, "atena": atenas[i % len(atenas)]})
                while outcome["status"] == "pending":  # a long poll: answered the moment the hub pushes it
                    outcome = node.call(
                        "lg" + B,
                        "result",
                        {"processing_number": outcome["processing_number"], "wait_seconds": 10},
                    )
                assert outcome["status"] == "answered", outcome
                return 0.0

            def echo(i: int) -> float:
                node.call("echo", "echo", {**ASK, "atena": atenas[i % len(atenas)]})
                return 0.0

            query(0)  # warm up every process once
            base_rate, base_lat = _open_loop(rate, seconds, echo)
            single_cpu = procs.cpu()
            got_rate, got_lat = _open_loop(rate, seconds, query)
            single_cpu = {n: (v - single_cpu[n]) * 1e6 / len(got_lat) for n, v in procs.cpu().items()}
            report(
                f"single queries at {rate:.0f}/s offered",
                got_rate,
                "q/s",
                baseline_name="HTTPS echo",
                baseline=base_rate,
            )
            report(
                "  p50 latency",
                statistics.median(got_lat),
                "ms",
                baseline_name="HTTPS echo p50",
                baseline=statistics.median(base_lat),
            )
            report(
                "  p99 latency",
                _pct(got_lat, 0.99),
                "ms",
                baseline_name="HTTPS echo p99",
                baseline=_pct(base_lat, 0.99),
                extra="aim < 100 ms",
            )
            report(
                "  CPU per single query, all processes",
                sum(single_cpu.values()),
                "µs",
                extra=", ".join(f"{name} {value:,.0f} µs" for name, value in sorted(single_cpu.items())),
            )

            requests = [{**ASK, "atena": atenas[i % len(atenas)]} for i in range(bulk)]
            chunk = 1_000
            started = time.perf_counter()
            for c in range(0, bulk, chunk):
                node.call("echo", "echo", {"requests": requests[c : c + chunk]})
            echo_rate = bulk / (time.perf_counter() - started)
            cpu_before = procs.cpu()
            started = time.perf_counter()
            batches = [
                node.call("lg" + B, "query_bulk", {"requests": requests[c : c + chunk]})["batch"]
                for c in range(0, bulk, chunk)
            ]
            submitted = time.perf_counter() - started
            for b in batches:  # each a long poll until none of the batch is pending
                while node.call("lg" + B, "bulk_result", {"batch": b, "wait_seconds": 10})["pending"]:
                    pass
            elapsed = time.perf_counter() - started
            cpu = {name: (after - cpu_before[name]) * 1e6 / bulk for name, after in procs.cpu().items()}
            report(
                f"bulk: {bulk:,} queries submitted and answered",
                bulk / elapsed,
                "q/s",
                baseline_name="HTTPS echo of the same requests",
                baseline=echo_rate,
                extra=f"aim ≥ 1,000 q/s; submission {submitted:.1f} s of {elapsed:.1f} s",
            )
            report(
                "  CPU per query, all processes",
                sum(cpu.values()),
                "µs",
                extra="aim ≤ 2,000 µs; "
                + ", ".join(f"{name} {value:,.0f} µs" for name, value in sorted(cpu.items())),
            )
        finally:
            procs.close()


def _echo_server(port: int, ca_dir: str) -> None:
    """A bare HTTPS echo through the same stack: uvicorn, mutual TLS, the caller check, `service_app`."""
    import uvicorn
    from pydantic import BaseModel, ConfigDict

    from renkei.protocol.api import ServiceApi, operation
    from renkei.protocol.http import service_app
    from renkei.protocol.identity import Caller
    from renkei.runtime.wire import Wire

    class Anything(BaseModel):
        model_config = ConfigDict(extra="allow")

    @operation("echo", Anything, Anything, callers={"business"})
    def echo(body: Anything, _caller: Caller) -> Anything:
        return body

    wire = Wire.mutual_tls(Path(ca_dir), "operator", refusals=Path(ca_dir) / "echo-refusals.jsonl")
    app = service_app("echo", [ServiceApi("echo", "echo", "echo").add(echo)], authenticate=wire.authenticate)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **wire.server)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "echo":
    _echo_server(int(sys.argv[2]), sys.argv[3])
