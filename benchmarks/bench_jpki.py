"""JPKI: OCSP responses/s, CRL generation for many revoked certificates, certificate issuance/s — each beside OpenSSL.

- OCSP: the renkei responder (`renkei serve jpki`, pre-produced answers) and `openssl ocsp -index` serving the same
  CA index with the same responder key, loaded by the same keep-alive client (several processes). `openssl ocsp
  -port` listens on every interface, so it runs inside `unshare -n` with only loopback up, client beside it.
- CRL: `crl.publish` over N revoked certificates and `openssl ca -gencrl` over an index.txt of the same N.
- Issuance: CA signing of end-entity certificates (card keys made apart), beside `openssl speed rsa2048` signing
  as the ceiling, and beside the Python binding's raw RSA signing rate.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import SecretStr

from benchmarks.common import (
    START_DEADLINE,
    Servers,
    failed,
    figure,
    measuring,
    metered,
    peak_rss_mb,
    postgres_available,
    scratch_database_url,
)
from renkei.core import clock
from renkei.core.settings import Settings
from renkei.runtime import Runtime

_KEYS = {
    name: SecretStr(value * 32)
    for name, value in (
        ("mynumber_key", "11"),
        ("blind_index_key", "22"),
        ("jukinet_key", "33"),
        ("jpki_key", "66"),
        ("hub_key", "44"),
        ("session_secret", "55"),
    )
}


def _settings(folder: Path, database_url: str | None = None) -> Settings:
    return Settings(data_dir=folder, database_url=database_url, **_KEYS)  # type: ignore[arg-type]


# -- a keep-alive OCSP load client (also run inside the network namespace for the OpenSSL baseline) -------
def _load_worker(url: str, bodies: list[bytes], seconds: float, queue: Any) -> None:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    requests = [
        (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/ocsp-request\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        + body
        for body in bodies
    ]
    done = errors = 0
    sock: socket.socket | None = None
    buffer = b""
    deadline = time.perf_counter() + seconds
    index = os.getpid() % len(requests)
    while time.perf_counter() < deadline:
        try:
            if sock is None:
                sock = socket.create_connection((host, port), timeout=30)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                buffer = b""
            sock.sendall(requests[index % len(requests)])
            index += 1
            while b"\r\n\r\n" not in buffer:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            match = re.search(rb"(?i)content-length:\s*(\d+)", head)
            if match is None:  # HTTP/1.0 without a length: the body runs to the end of the connection
                while chunk := sock.recv(65536):
                    buffer += chunk
                body, buffer = buffer, b""
                sock.close()
                sock = None
            else:
                size = int(match.group(1))
                while len(buffer) < size:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError
                    buffer += chunk
                body, buffer = buffer[:size], buffer[size:]
                if re.search(rb"(?i)connection:\s*close", head) or head.startswith(b"HTTP/1.0"):
                    sock.close()
                    sock = None
            # OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED (0 = successful) … }
            ok = b"\x0a\x01\x00" in body[:8]
            done += ok
            errors += not ok
        except OSError:
            errors += 1
            if sock is not None:
                sock.close()
            else:
                time.sleep(0.05)  # not listening (yet): do not spin
            sock = None
    if sock is not None:
        sock.close()
    queue.put((done, errors))


def load(url: str, bodies: list[bytes], *, seconds: float, processes: int) -> tuple[float, int]:
    """Responses per second over `seconds` from `processes` keep-alive clients; and the failed count."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=_load_worker, args=(url, bodies, seconds, queue)) for _ in range(processes)
    ]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def _warm(url: str, bodies: list[bytes]) -> None:
    """One request per certificate, so the measurement sees the steady state (every answer in memory)."""
    import httpx

    with httpx.Client(timeout=30) as client:
        for body in bodies:
            client.post(url, content=body, headers={"content-type": "application/ocsp-request"})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _until() -> dt.datetime:
    """Certificates valid for five years from today (a fixed date would make the benchmark fail one day)."""
    today = clock.now().astimezone(dt.UTC)
    return today.replace(year=today.year + 5, month=4, day=1, hour=14, minute=59, second=59, microsecond=0)


def _revoked_at() -> dt.datetime:
    return (clock.now() - dt.timedelta(days=1)).astimezone(dt.UTC).replace(microsecond=0)


# -- fixtures shared by the figures -----------------------------------------------------------------
def _issue(runtime: Runtime, n: int) -> tuple[float, float]:
    from renkei.jpki import ca, profiles
    from renkei.jpki.keystore import keystore

    with runtime.session("jpki") as session:
        ca.authorities(session, settings=runtime.settings)
        store = keystore(session, runtime.settings)
        spkis = [store.generate(f"bench-card-{i}") for i in range(4)]  # card keys are made apart
    basic4 = profiles.Basic4(
        name="試験 太郎", address="東京都千代田区千代田1番1号", birth_date=dt.date(1980, 4, 1), sex="1"
    )
    until = _until()
    requests = [
        ca.IssueRequest(kind="sign", spki=spkis[i % 4], not_after=until, basic4=basic4) for i in range(n)
    ]
    with metered() as meter:
        for offset in range(0, n, 500):  # a card-production batch per transaction
            with runtime.session("jpki") as session:
                ca.issue_many(session, settings=runtime.settings, requests=requests[offset : offset + 500])
    return n / meter.wall, meter.cpu


def _openssl_sign_rate(seconds: int) -> float | None:
    if shutil.which("openssl") is None:
        return None
    out = subprocess.run(  # noqa: S603 - fixed arguments
        ["openssl", "speed", "-seconds", str(seconds), "rsa2048"],  # noqa: S607 - the system openssl
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    match = re.search(r"rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)", out)
    return float(match.group(1)) if match else None


def _python_sign_rate(seconds: float) -> float:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = b"\x30" * 900
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        count += 1
    return count / (time.perf_counter() - start)


def bench_issuance(runtime: Runtime, *, smoke: bool, label: str) -> None:
    n = 300 if smoke else 5000
    rate, cpu = _issue(runtime, n)
    ceiling = _openssl_sign_rate(1 if smoke else 3)
    binding = _python_sign_rate(1 if smoke else 3)
    extra = f"n={n}; raw RSA signing via cryptography {binding:,.0f}/s ({rate / binding:.0%} of it)"
    figure(
        f"issuance ({label})",
        rate,
        "certs/s",
        baseline_name="openssl speed rsa2048 sign" if ceiling else None,
        baseline=ceiling,
        cpu_seconds=cpu,
        ops=n,
        database=label,
        extra=extra if ceiling else extra + "; openssl missing: no ceiling",
    )


def _export_for_openssl(runtime: Runtime, folder: Path) -> list[bytes]:
    """PEMs of the 署名用 CA and its responder (key included) and an index.txt; returns OCSP request bodies."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    from renkei.jpki import ca, revocation, service
    from renkei.jpki.keystore import SoftwareKeyStore
    from renkei.jpki.models import Certificate
    from renkei.jpki.oids import Reason

    bodies = []
    with runtime.session("jpki") as session:
        authority = ca.authority(session, "sign")
        responder = ca.active_responder(session, authority)
        issuer = x509.load_der_x509_certificate(authority.certificate_der)
        certificates = list(
            session.scalars(sa.select(Certificate).where(Certificate.authority_id == authority.id))
        )
        for certificate in certificates[::10]:  # one in ten revoked, so both sides answer "revoked" too
            revocation.change(session, certificate, action="revoke", reason=Reason.KEY_COMPROMISE)
        lines = []
        for certificate in certificates:
            cert = x509.load_der_x509_certificate(certificate.der)
            expiry = certificate.not_after.strftime("%y%m%d%H%M%SZ")
            serial = f"{certificate.serial:X}"
            serial = serial if len(serial) % 2 == 0 else "0" + serial
            if certificate.status == "revoked":
                assert certificate.revoked_at is not None
                state = f"R\t{expiry}\t{certificate.revoked_at.strftime('%y%m%d%H%M%SZ')},keyCompromise"
            else:
                state = f"V\t{expiry}\t"
            lines.append(f"{state}\t{serial}\tunknown\t/C=JP/CN={certificate.subject_cn}\n")
            request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # noqa: S303 - RFC 5019 CertID
            bodies.append(request.public_bytes(serialization.Encoding.DER))
        key = SoftwareKeyStore(session, runtime.settings.secret("jpki_key")).private(responder.key_label)
        (folder / "rkey.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        pem = serialization.Encoding.PEM
        (folder / "rcert.pem").write_bytes(
            x509.load_der_x509_certificate(responder.certificate_der).public_bytes(pem)
        )
        (folder / "sign.pem").write_bytes(issuer.public_bytes(pem))
        (folder / "index.txt").write_text("".join(lines))
        service.preproduce_ocsp(session, settings=runtime.settings, role="sign")
    return bodies


def _renkei_ocsp(
    folder: Path, bodies: list[bytes], *, seconds: float, processes: int
) -> tuple[float, int, float]:
    """Responses/s, failures, and CPU seconds (the server's and the load clients') per response."""
    port = _free_port()
    env = {**os.environ, **{f"RENKEI_{k.upper()}": v.get_secret_value() for k, v in _KEYS.items()}}
    renkei = Path(sys.executable).parent / "renkei"
    command = [str(renkei), "serve", "jpki", "--public-only", "--data-dir", str(folder), "--port", str(port)]
    with Servers() as servers:  # stopped on the way out, whatever happens
        server = servers.start(
            "jpki",
            [*command, "--refresh-seconds", "1"],
            env=env,
            health_url=f"http://127.0.0.1:{port}/healthz",
        )
        url = f"http://127.0.0.1:{port}/ocsp"
        _warm(url, bodies)
        with metered(server.pid) as meter:
            rate, failures = load(url, bodies, seconds=seconds, processes=processes)
        return rate, failures, meter.cpu / max(1.0, rate * meter.wall)


_NAMESPACED = """
set -e
ip link set lo up
openssl ocsp -index index.txt -port {port} -rsigner rcert.pem -rkey rkey.pem -CA sign.pem -ignore_err -nmin 60 \
  >/dev/null 2>openssl.log &
{python} -m benchmarks.bench_jpki wait http://127.0.0.1:{port}/ocsp bodies.bin {deadline}
{python} -m benchmarks.bench_jpki load http://127.0.0.1:{port}/ocsp bodies.bin {seconds} {processes}
kill %1 || true
"""


def _openssl_ocsp(
    folder: Path, bodies: list[bytes], *, seconds: float, processes: int
) -> tuple[float, int] | str:
    if shutil.which("openssl") is None:
        return "openssl missing (Debian package openssl)"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare/ip missing: OpenSSL's responder would listen on every interface, so it is not run"
    (folder / "bodies.bin").write_bytes(json.dumps([b.hex() for b in bodies]).encode())
    script = _NAMESPACED.format(
        port=_free_port(),
        python=sys.executable,
        seconds=seconds,
        processes=processes,
        deadline=START_DEADLINE,
    )
    done = subprocess.run(  # noqa: S603
        ["unshare", "-n", "sh", "-c", script],  # noqa: S607 - util-linux unshare
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        timeout=START_DEADLINE + seconds + 120,  # the namespace (and openssl in it) ends with the shell
    )
    match = re.search(r"RESULT (\S+) (\d+)", done.stdout)
    if match is None:
        return f"openssl ocsp baseline failed: {done.stderr.strip()[-300:]}"
    return float(match.group(1)), int(match.group(2))


def bench_ocsp(runtime: Runtime, folder: Path, *, smoke: bool) -> None:
    bodies = _export_for_openssl(runtime, folder)
    seconds, processes = (2.0, 2) if smoke else (8.0, 3)
    runtime.databases.dispose()
    rate, failures, cpu_per = _renkei_ocsp(folder, bodies, seconds=seconds, processes=processes)
    baseline = _openssl_ocsp(folder, bodies, seconds=seconds, processes=processes)
    extra = f"{len(bodies)} certificates, {processes} keep-alive client processes, {seconds:.0f}s; failed {failures}"
    figure(
        "OCSP (renkei, pre-produced)",
        rate,
        "responses/s",
        baseline_name=None if isinstance(baseline, str) else "openssl ocsp -index",
        baseline=None if isinstance(baseline, str) else baseline[0],
        cpu_seconds=cpu_per,
        ops=1,
        database="SQLite",
        extra=f"{extra}; {baseline}"
        if isinstance(baseline, str)
        else f"{extra}; openssl failed {baseline[1]}",
    )


def _revoked_population(runtime: Runtime, n: int) -> None:
    """N revoked 署名用 certificates written straight into the tables (their DER is not needed for a CRL)."""
    from renkei.jpki import ca, der
    from renkei.jpki.models import Authority, Certificate, Revocation

    with runtime.session("jpki") as session:
        authority = ca.authorities(session, settings=runtime.settings)["sign"]
        authority_id = authority.id
    at, until = _revoked_at(), _until()
    first = 1 << 62
    batch = 20_000
    for offset in range(0, n, batch):
        size = min(batch, n - offset)
        with runtime.session("jpki") as session:
            certificates = [
                {
                    "authority_id": authority_id,
                    "serial": first + offset + i,
                    "kind": "sign",
                    "subject_cn": f"BENCH{offset + i:019d}",
                    "not_before": at,
                    "not_after": until,
                    "der": b"",
                    "status": "revoked",
                    "reason": 1,
                    "revoked_at": at,
                    "issued_at": at,
                }
                for i in range(size)
            ]
            ids = list(
                session.execute(
                    sa.insert(Certificate).returning(Certificate.id, sort_by_parameter_order=True),
                    certificates,
                ).scalars()
            )
            session.execute(
                sa.insert(Revocation),
                [
                    {
                        "authority_id": authority_id,
                        "certificate_id": row_id,
                        "seq": offset + i + 1,
                        "action": "revoke",
                        "reason": 1,
                        "at": at,
                        "not_after": until,
                        "entry_der": der.crl_entry(first + offset + i, at, 1),
                        "in_crl": True,
                    }
                    for i, row_id in enumerate(ids)
                ],
            )
    with runtime.session("jpki") as session:
        session.execute(sa.update(Authority).where(Authority.id == authority_id).values(change_seq=n))


_CA_CONFIG = """
[ ca ]
default_ca = jpki
[ jpki ]
database = index.txt
crlnumber = crlnumber
certificate = sign.pem
private_key = sign.key
default_md = sha256
default_crl_days = 1
unique_subject = no
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
"""


def _openssl_gencrl(runtime: Runtime, folder: Path, n: int) -> float | str:
    if shutil.which("openssl") is None:
        return "openssl missing (Debian package openssl)"
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from renkei.jpki import ca
    from renkei.jpki.keystore import SoftwareKeyStore

    with runtime.session("jpki") as session:
        authority = ca.authority(session, "sign")
        key = SoftwareKeyStore(session, runtime.settings.secret("jpki_key")).private(authority.key_label)
        (folder / "sign.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        (folder / "sign.pem").write_bytes(
            x509.load_der_x509_certificate(authority.certificate_der).public_bytes(serialization.Encoding.PEM)
        )
    first = 1 << 62
    expiry, revoked = _until().strftime("%y%m%d%H%M%SZ"), _revoked_at().strftime("%y%m%d%H%M%SZ")
    with (folder / "index.txt").open("w") as index:
        for i in range(n):
            index.write(f"R\t{expiry}\t{revoked},keyCompromise\t{first + i:X}\tunknown\t/CN=BENCH{i:019d}\n")
    (folder / "crlnumber").write_text("01\n")
    (folder / "ca.cnf").write_text(_CA_CONFIG)
    start = time.perf_counter()
    done = subprocess.run(
        ["openssl", "ca", "-gencrl", "-config", "ca.cnf", "-out", "openssl.crl", "-batch"],  # noqa: S607
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        return f"openssl ca -gencrl failed: {done.stderr.strip()[-300:]}"
    return elapsed


def bench_crl(runtime: Runtime, folder: Path, *, smoke: bool, label: str) -> None:
    from cryptography import x509

    from renkei.jpki import crl

    n = 10_000 if smoke else 1_000_000
    fill_start = time.perf_counter()
    _revoked_population(runtime, n)
    fill = time.perf_counter() - fill_start
    with metered() as meter, runtime.session("jpki") as session:
        published = crl.publish(session, settings=runtime.settings, role="sign")
        der_bytes = published.der
    elapsed = meter.wall
    parsed = x509.load_der_x509_crl(der_bytes)
    assert len(parsed) >= n, (len(parsed), n)
    folder.mkdir(parents=True, exist_ok=True)
    baseline = _openssl_gencrl(runtime, folder, n)
    extra = f"n={n:,}, {len(der_bytes) / 1e6:.1f} MB DER (setup insert {fill:.1f}s); lower is better"
    figure(
        f"CRL generation ({label})",
        elapsed * 1000,
        "ms",
        baseline_name=None if isinstance(baseline, str) else "openssl ca -gencrl",
        baseline=None if isinstance(baseline, str) else baseline * 1000,
        higher_is_better=False,
        cpu_seconds=meter.cpu,
        wall_seconds=meter.wall,
        ops=n,
        size=n,
        database=label,
        extra=f"{extra}; {baseline}" if isinstance(baseline, str) else extra,
    )


def run(*, smoke: bool, postgres_url: str | None) -> None:
    # Each figure on its own: a failing OCSP measurement (say) no longer hides the CRL figure.
    with tempfile.TemporaryDirectory(prefix="renkei-bench-jpki-") as tmp:
        folder = Path(tmp)
        with Runtime(_settings(folder / "var")) as runtime:
            with measuring("issuance (SQLite)", database="SQLite"):
                bench_issuance(runtime, smoke=smoke, label="SQLite")
            with measuring("OCSP (renkei, pre-produced)", database="SQLite"):
                bench_ocsp(runtime, folder / "var", smoke=smoke)
        with (
            measuring("CRL generation (SQLite)", database="SQLite"),
            Runtime(_settings(folder / "crl")) as rt,
        ):
            bench_crl(rt, folder / "crl-openssl", smoke=smoke, label="SQLite")
        if postgres_url is None or not postgres_available(postgres_url):
            failed("PostgreSQL figures", "PostgreSQL not reachable", database="PostgreSQL")
        else:
            with (
                scratch_database_url(postgres_url, folder) as url,
                Runtime(_settings(folder / "pg", url)) as runtime,
            ):
                with measuring("issuance (PostgreSQL)", database="PostgreSQL"):
                    bench_issuance(runtime, smoke=smoke, label="PostgreSQL")
                with measuring("CRL generation (PostgreSQL)", database="PostgreSQL"):
                    bench_crl(runtime, folder / "pg-openssl", smoke=smoke, label="PostgreSQL")
        print(f"  peak memory: {peak_rss_mb():,.0f} MB", flush=True)


def _main(argv: list[str]) -> int:
    """`python -m benchmarks.bench_jpki load URL BODIES SECONDS PROCESSES` (used inside the network namespace)."""
    if len(argv) == 4 and argv[0] == "wait":  # poll OpenSSL's responder with a real request until it answers
        body = bytes.fromhex(json.loads(Path(argv[2]).read_text())[0])
        rate, _failed = 0.0, 0
        deadline = time.monotonic() + float(argv[3])
        while time.monotonic() < deadline:
            rate, _failed = load(argv[1], [body], seconds=0.2, processes=1)
            if rate > 0:
                return 0
            time.sleep(0.2)
        print("openssl ocsp did not answer", file=sys.stderr)
        return 1
    if len(argv) == 5 and argv[0] == "load":
        bodies = [bytes.fromhex(h) for h in json.loads(Path(argv[2]).read_text())]
        rate, failed = load(argv[1], bodies, seconds=float(argv[3]), processes=int(argv[4]))
        print(f"RESULT {rate} {failed}", flush=True)
        return 0
    run(smoke="--smoke" in argv, postgres_url=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
