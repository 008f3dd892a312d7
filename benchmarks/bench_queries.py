"""Queries end to end over HTTP, three processes (requester node, hub, provider node) plus 住基ネット.

Figures, each beside a bare HTTP echo through the same server stack (uvicorn + FastAPI + `service_app`) measured
in the same run: single queries at a fixed offered load (sustained queries/s, p50/p99 latency from submission to
the opened answer) and a bulk batch (queries/s from submission until every answer is in).
"""

from __future__ import annotations

import contextlib
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

from benchmarks.common import (
    START_DEADLINE,
    Aim,
    figure,
    measuring,
    postgres_available,
    scratch_database_url,
)
from renkei.addressee import service as addressee
from renkei.core.ids import municipality_agency_code
from renkei.core.settings import Settings
from renkei.intermediate import service
from renkei.intermediate.schemas import CopyInput, QueryRequest
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


def _settings(data_dir: Path, database_url: str | None = None) -> Settings:
    keys = {k: SecretStr(v) for k, v in KEYS.items()}
    return Settings(data_dir=data_dir, database_url=database_url, **keys)  # type: ignore[arg-type]


def _setup(data_dir: Path, movers: int, database_url: str | None = None) -> list[str]:
    """A with copies for its residents, `movers` of whom moved to B; returns their 宛名番号 at B."""
    settings = _settings(data_dir, database_url)
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

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
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
            **({"RENKEI_DATABASE_URL": database_url} if database_url else {}),
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
        # Each server's stderr to a file (a pipe nobody reads would stall a server that logs a lot).
        logs = data_dir / "logs"
        logs.mkdir(exist_ok=True)
        self.logs = {name: logs / f"{name}.stderr" for name in commands}
        self.procs = {}
        for name, cmd in commands.items():
            with self.logs[name].open("wb") as err:
                self.procs[name] = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)  # noqa: S603
        self.health = httpx.Client(verify=client_ssl_context(ca_dir, "operator"), timeout=2)
        for name in commands:
            self._wait(name)

    def client(self, node: str) -> HttpTransport:
        """A business system of B calling its node (and the echo), over mutual TLS with keep-alive."""
        return HttpTransport(
            {"lg" + B: self.url["b"], "echo": self.url["echo"]},
            timeout=120,
            tls=client_ssl_context(self.ca_dir, node),
            connections=128,  # the load generator's 64 threads each keep a connection
        )

    def cpu(self) -> dict[str, float]:
        return {name: _cpu_seconds(proc.pid) for name, proc in self.procs.items() if name != "echo"}

    def _wait(self, name: str) -> None:
        deadline = time.monotonic() + START_DEADLINE  # generous: a busy machine starts servers slowly
        while time.monotonic() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited: {self.logs[name].read_text(errors='replace')[-2000:]}")
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
    with measuring("per query: SQL statements, commits, signatures, HTTP round trips"):
        _anatomy(1_000)
    _served("SQLite", None, smoke=smoke)
    if postgres_url is None or not postgres_available(postgres_url):
        print("  [PostgreSQL] skipped: server not reachable", flush=True)
        return
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="renkei-bench-queries-pg-")))
        url = stack.enter_context(scratch_database_url(postgres_url, tmp))
        _served("PostgreSQL", url, smoke=smoke, data_dir=tmp)


def _served(label: str, database_url: str | None, *, smoke: bool, data_dir: Path | None = None) -> None:
    """The figures of three `renkei serve` processes (+ 住基ネット) over mutual TLS on one kind of database."""
    movers = 20 if smoke else 200
    rate, seconds = (50.0, 3.0) if smoke else (200.0, 60.0)
    bulk = 1_000 if smoke else 100_000
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="renkei-bench-queries-")))
        atenas = _setup(data_dir, movers, database_url)
        procs = Processes(data_dir, database_url)
        stack.callback(procs.close)
        node = procs.client(f"lg{B}-business")
        node.call("lg" + B, "query", {**ASK, "atena": atenas[0]})  # warm every process up once
        with measuring(f"[{label}] single queries at {rate:.0f}/s offered", database=label):
            _singles(label, node, procs, atenas, rate=rate, seconds=seconds)
        with measuring(f"[{label}] bulk: {bulk:,} queries submitted and answered", database=label):
            _bulk(label, node, procs, atenas, bulk)


def _singles(
    label: str, node: HttpTransport, procs: Processes, atenas: list[str], *, rate: float, seconds: float
) -> None:
    def query(i: int) -> float:
        # One call: the node submits and holds the call until the hub pushes the answer (a long poll).
        outcome = node.call("lg" + B, "query", {**ASK, "atena": atenas[i % len(atenas)], "wait_seconds": 10})
        while outcome["status"] == "pending":
            outcome = node.call(
                "lg" + B, "result", {"processing_number": outcome["processing_number"], "wait_seconds": 10}
            )
        assert outcome["status"] == "answered", outcome
        return 0.0

    def echo(i: int) -> float:
        node.call("echo", "echo", {**ASK, "atena": atenas[i % len(atenas)]})
        return 0.0

    base_rate, base_lat = _open_loop(rate, seconds, echo)
    before = procs.cpu()
    got_rate, got_lat = _open_loop(rate, seconds, query)
    cpu = {name: value - before[name] for name, value in procs.cpu().items()}
    done = len(got_lat)
    figure(
        f"[{label}] single queries at {rate:.0f}/s offered",
        got_rate,
        "q/s",
        baseline_name="HTTPS echo",
        baseline=base_rate,
        cpu_seconds=sum(cpu.values()),
        ops=done,
        database=label,
        extra="CPU per query " + ", ".join(f"{n} {v * 1e6 / done:,.0f} µs" for n, v in sorted(cpu.items())),
    )
    figure(
        f"[{label}]   p50 latency, submit to opened answer",
        statistics.median(got_lat),
        "ms",
        baseline_name="HTTPS echo p50",
        baseline=statistics.median(base_lat),
        higher_is_better=False,
        database=label,
    )
    figure(
        f"[{label}]   p99 latency, submit to opened answer",
        _pct(got_lat, 0.99),
        "ms",
        baseline_name="HTTPS echo p99",
        baseline=_pct(base_lat, 0.99),
        aim=Aim("value", "<=", 100, f"p99 < 100 ms at {rate:.0f}/s"),
        higher_is_better=False,
        database=label,
    )


def _bulk(label: str, node: HttpTransport, procs: Processes, atenas: list[str], bulk: int) -> None:
    requests = [{**ASK, "atena": atenas[i % len(atenas)]} for i in range(bulk)]
    chunk = (
        5_000  # one call of the business system carries up to 10,000; the node sends the hub 1,000 per call
    )
    started = time.perf_counter()
    for c in range(0, bulk, chunk):
        node.call("echo", "echo", {"requests": requests[c : c + chunk]})
    echo_rate = bulk / (time.perf_counter() - started)
    before = procs.cpu()
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
    cpu = {name: value - before[name] for name, value in procs.cpu().items()}
    figure(
        f"[{label}] bulk: {bulk:,} queries submitted and answered",
        bulk / elapsed,
        "q/s",
        baseline_name="HTTPS echo of the same requests",
        baseline=echo_rate,
        aim=Aim("value", ">=", 1_000, "≥ 1,000 q/s"),
        cpu_seconds=sum(cpu.values()),
        wall_seconds=elapsed,
        ops=bulk,
        size=bulk,
        database=label,
        extra=f"submission {submitted:.1f} s of {elapsed:.1f} s",
    )
    figure(
        f"[{label}]   CPU per query, all processes",
        sum(cpu.values()) * 1e6 / bulk,
        "µs",
        aim=Aim("value", "<=", 2_000, "≤ 2,000 µs"),
        higher_is_better=False,
        database=label,
        extra=", ".join(f"{name} {value * 1e6 / bulk:,.0f} µs" for name, value in sorted(cpu.items())),
    )


def _anatomy(count: int) -> None:
    """What one query costs in work, counted in one process on a bulk batch of `count` (the same code the
    served processes run): SQL statements, commits, Ed25519 signatures and verifications, X25519 key agreements
    and protocol calls (each one HTTP round trip between processes)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from renkei.hub import service as hub_service
    from renkei.protocol import sealing, signing
    from renkei.runtime.delivery import deliver_round

    counts = dict.fromkeys(("sql", "commits", "signs", "verifies", "agreements", "calls"), 0)

    def counting(name: str, func: Callable[..., object]) -> Callable[..., object]:
        def counted(*args: object, **kwargs: object) -> object:
            counts[name] += 1
            return func(*args, **kwargs)

        return counted

    def on_sql(*_args: object) -> None:
        counts["sql"] += 1

    def on_commit(*_args: object) -> None:
        counts["commits"] += 1

    with tempfile.TemporaryDirectory(prefix="renkei-bench-anatomy-") as tmp:
        atenas = _setup(Path(tmp), 20)
        settings = _settings(Path(tmp))
        with Runtime(settings) as rt:
            hub = rt.join_hub(B)
            rt.join_hub(A)
            lines = [service.Line(_node_request(atenas[i % len(atenas)])) for i in range(count)]
            patches = [
                (signing, "sign", counting("signs", signing.sign)),
                (signing, "verify", counting("verifies", signing.verify)),
                (rt.in_process, "call", counting("calls", rt.in_process.call)),
                (sealing, "_aead_key", counting("agreements", sealing._aead_key)),
            ]
            saved = [(obj, name, getattr(obj, name)) for obj, name, _new in patches]
            event.listen(Engine, "before_cursor_execute", on_sql)
            event.listen(Engine, "commit", on_commit)
            try:
                for obj, name, new in patches:
                    setattr(obj, name, new)
                cpu0 = time.process_time()
                done = service.submit_bulk_batched(
                    rt.municipal_sessions(B), lg_code=B, settings=settings, hub=hub, lines=lines
                )
                while deliver_round(rt.databases, settings=settings, transport=rt.transport):
                    pass
                cpu = time.process_time() - cpu0
            finally:
                for obj, name, old in saved:
                    setattr(obj, name, old)
                event.remove(Engine, "before_cursor_execute", on_sql)
                event.remove(Engine, "commit", on_commit)
            assert done.submitted == count, done
            with rt.session("hub") as session:
                answered = len(hub_service.list_records(session, limit=count + 10))
            assert answered == count, answered
    before = "before (issue 8): per query 43 SQL statements, 4.5 commits, 9 Ed25519 operations, 3 HTTP hops"
    per = 1_000 / count
    figure(
        "work per 1,000 queries (one process, one bulk batch): SQL statements",
        counts["sql"] * per,
        "statements",
        higher_is_better=False,
        cpu_seconds=cpu,
        ops=count,
        extra=before,
    )
    for key, name in (
        ("commits", "commits"),
        ("signs", "Ed25519 signatures"),
        ("verifies", "Ed25519 verifications"),
        ("agreements", "X25519 key agreements"),
        ("calls", "protocol calls (HTTP round trips between processes)"),
    ):
        figure(f"  per 1,000 queries: {name}", counts[key] * per, "", higher_is_better=False)


def _node_request(atena: str) -> QueryRequest:
    return QueryRequest(
        jm_code=ASK["jm_code"],
        jt_code=ASK["jt_code"],
        provider=ASK["provider"],
        tm_code=ASK["tm_code"],
        atena=atena,
        system=ASK["system"],
    )


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
