"""A federation you can start: 住基ネット, JPKI, the hub, マイナポータル and N municipal nodes, each its own
`renkei serve` process on 127.0.0.1, each on its own databases, all talking HTTPS with mutual TLS (decisions 0036,
0039). JPKI and the portal also listen on a public port, as deployed: JPKI's OCSP/CRL distribution point and the
portal's pages for residents, both plain HTTP; their protocol APIs stay on the mutual-TLS port.

`up` makes the organisation CA and every node's certificate, starts the processes, waits until each answers
/healthz over mutual TLS, and writes `federation.json` (nodes, URLs, pids, data directories, log files);
`down` stops them. A rehearsal run by one operator: the CA's key stays in the federation's folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from renkei.core.errors import Conflict, NotFound, Unavailable
from renkei.core.ids import validate_lg_code
from renkei.protocol import orgca
from renkei.protocol.tls import client_ssl_context
from renkei.runtime.wire import ensure_certificate

# 東京都千代田区, 世田谷区, 渋谷区, 新宿区, 港区: real 団体コード with their check digits.
MUNICIPALITIES = ("131016", "131121", "131130", "131041", "131032")
STATE = "federation.json"
OPERATOR = "operator"


@dataclass
class Member:
    node: str
    port: int
    data_dir: str
    command: list[str]
    log: str
    pid: int | None = None
    public_port: int | None = None  # jpki's OCSP/CRL point, the portal's pages: plain HTTP

    @property
    def url(self) -> str:
        """The mutual-TLS port: the protocol API, and /healthz."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def public_url(self) -> str | None:
        return None if self.public_port is None else f"http://127.0.0.1:{self.public_port}"


@dataclass
class Federation:
    directory: str
    database_url: str | None
    members: list[Member] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)  # RENKEI_* settings given to every member

    def member(self, node: str) -> Member:
        for m in self.members:
            if m.node == node:
                return m
        raise NotFound(f"ノード {node} はこの連携環境にありません", record=node)

    @property
    def ca_dir(self) -> Path:
        return Path(self.directory) / "orgca"

    def municipalities(self) -> list[str]:
        return [m.node[2:] for m in self.members if m.node.startswith("lg")]

    def save(self) -> None:
        path = Path(self.directory) / STATE
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Federation:
        path = directory / STATE
        if not path.exists():
            raise NotFound(
                f"連携環境がありません: {path}（renkei federation up で起動します）", record=str(path)
            )
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        members = [Member(**m) for m in data.pop("members")]
        return cls(members=members, **data)


def _database_url(base: str | None, node: str) -> str | None:
    """Each process its own databases: `<database>_fed_<node>_<node db>` on the PostgreSQL server."""
    if base is None:
        return None
    from sqlalchemy.engine import make_url

    url = make_url(base)
    return url.set(database=f"{url.database or 'renkei'}_fed_{node}").render_as_string(hide_password=False)


def plan(
    directory: Path,
    *,
    municipalities: int = 3,
    base_port: int = 8400,
    database_url: str | None = None,
    codes: tuple[str, ...] = MUNICIPALITIES,
    environment: dict[str, str] | None = None,
) -> Federation:
    if not 1 <= municipalities <= len(codes):
        raise Conflict(f"市区町村の数は 1〜{len(codes)} です: {municipalities}", field="municipalities")
    script = Path(sys.executable).parent / "renkei"
    renkei = (
        [str(script)] if script.exists() else [sys.executable, "-c", "from renkei.cli import main; main()"]
    )
    directory = directory.resolve()
    ca_dir = str(directory / "orgca")
    lgs = [validate_lg_code(c) for c in codes[:municipalities]]
    ports = {"jukinet": base_port, "jpki": base_port + 1, "hub": base_port + 2, "portal": base_port + 3}
    ports.update({f"lg{lg}": base_port + 10 + i for i, lg in enumerate(lgs)})
    public_ports = {"jpki": base_port + 5, "portal": base_port + 6}
    url = {node: f"https://127.0.0.1:{port}" for node, port in ports.items()}
    common = ["--host", "127.0.0.1", "--tls-dir", ca_dir]
    commands: dict[str, list[str]] = {
        "jukinet": [*renkei, "serve", "jukinet", "--port", str(ports["jukinet"]), *common],
        "jpki": [
            *renkei,
            *("serve", "jpki", "--port", str(ports["jpki"]), "--public-port", str(public_ports["jpki"])),
            *common,
        ],
        "hub": [
            *renkei,
            "serve",
            "hub",
            "--port",
            str(ports["hub"]),
            "--jukinet-url",
            url["jukinet"],
            *[arg for lg in lgs for arg in ("--node", f"{lg}={url['lg' + lg]}")],
            *common,
        ],
    }
    commands["portal"] = [
        *renkei,
        *("serve", "portal", "--port", str(public_ports["portal"]), "--peer-port", str(ports["portal"])),
        *("--hub-url", url["hub"], "--jpki-url", url["jpki"]),
        *[arg for lg in lgs for arg in ("--node", f"{lg}={url['lg' + lg]}")],
        *common,
    ]
    for lg in lgs:
        node = "lg" + lg
        commands[node] = [
            *renkei,
            "serve",
            "node",
            "--municipality",
            lg,
            "--port",
            str(ports[node]),
            "--hub-url",
            url["hub"],
            "--jukinet-url",
            url["jukinet"],
            *common,
        ]
    federation = Federation(
        directory=str(directory), database_url=database_url, environment=dict(environment or {})
    )
    for node, command in commands.items():
        data_dir = directory / node
        federation.members.append(
            Member(
                node=node,
                port=ports[node],
                data_dir=str(data_dir),
                command=[*command, "--data-dir", str(data_dir)],
                log=str(directory / "logs" / f"{node}.log"),
                public_port=public_ports.get(node),
            )
        )
    return federation


def _environment(federation: Federation, member: Member) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RENKEI_")}
    env.update(federation.environment)
    # The 転出証明 travels from one municipality to another sealed under 住基ネット's key; in this rehearsal the
    # municipal nodes share that key file with jukinet (decision 0024 notes the real route through 住基ネット).
    env["RENKEI_JUKINET_KEY_FILE"] = str(Path(federation.directory) / "shared" / "jukinet_key.key")
    url = _database_url(federation.database_url, member.node)
    if url is not None:
        env["RENKEI_DATABASE_URL"] = url
    return env


def _shared_key(directory: Path) -> None:
    path = directory / "shared" / "jukinet_key.key"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(os.urandom(32).hex() + "\n")


def running(federation: Federation) -> list[Member]:
    alive = []
    for member in federation.members:
        if member.pid is None:
            continue
        try:
            os.kill(member.pid, 0)
        except OSError:
            continue
        alive.append(member)
    return alive


def up(federation: Federation, *, timeout: float = 180.0) -> Federation:
    """Start every member (certificates first), wait until each answers over mutual TLS, save the state."""
    directory = Path(federation.directory)
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / STATE).exists() and running(Federation.load(directory)):
        raise Conflict(f"連携環境はすでに起動しています: {directory}（renkei federation down で停止）")
    orgca.ensure_ca(federation.ca_dir)
    for node in [m.node for m in federation.members] + [OPERATOR]:
        ensure_certificate(federation.ca_dir, node)
    for lg in federation.municipalities():
        ensure_certificate(federation.ca_dir, f"lg{lg}-business")
    _shared_key(directory)
    (directory / "logs").mkdir(exist_ok=True)
    for member in federation.members:
        start_member(federation, member.node)
    federation.save()
    try:
        wait_healthy(federation, timeout=timeout)
    except Unavailable:
        down(federation)
        raise
    return federation


def wait_healthy(federation: Federation, *, timeout: float, nodes: list[str] | None = None) -> None:
    """Wait until each member (or each of `nodes`) answers /healthz over mutual TLS."""
    context = client_ssl_context(federation.ca_dir, OPERATOR)
    deadline = time.monotonic() + timeout
    members = [m for m in federation.members if nodes is None or m.node in nodes]
    with httpx.Client(verify=context, timeout=2.0) as client:
        for member in members:
            while True:
                try:
                    if client.get(member.url + "/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if member.pid is not None and not _alive(member.pid):
                    raise Unavailable(
                        f"{member.node} が起動できませんでした（ログ: {member.log}）", record=member.node
                    )
                if time.monotonic() > deadline:
                    raise Unavailable(
                        f"{member.node} が {timeout:.0f} 秒以内に応答しません（ログ: {member.log}）"
                    )
                time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        waited, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return waited == 0


def down(federation: Federation, *, timeout: float = 20.0) -> int:
    """Stop every member still running (SIGTERM, then SIGKILL after `timeout`); returns how many were running."""
    alive = running(federation)
    for member in alive:
        if member.pid is not None:
            os.killpg(member.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for member in alive:
        while member.pid is not None and _alive(member.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if member.pid is not None and _alive(member.pid):
            os.killpg(member.pid, signal.SIGKILL)
    for member in federation.members:
        member.pid = None
    federation.save()
    return len(alive)


def start_member(federation: Federation, node: str) -> Member:
    """(Re)start one member process; its log is appended to."""
    member = federation.member(node)
    Path(member.log).parent.mkdir(parents=True, exist_ok=True)
    log = open(member.log, "ab")  # noqa: SIM115 - handed to the child, closed here once it has it
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        member.command,
        env=_environment(federation, member),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    member.pid = process.pid
    return member


def stop_member(federation: Federation, node: str, *, kill: bool = False, timeout: float = 20.0) -> None:
    """Stop one member: SIGTERM and wait (or SIGKILL at once with `kill`, as a crash would)."""
    member = federation.member(node)
    if member.pid is None or not _alive(member.pid):
        member.pid = None
        return
    os.killpg(member.pid, signal.SIGKILL if kill else signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(member.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(member.pid):
        os.killpg(member.pid, signal.SIGKILL)
    member.pid = None
