"""Real uvicorn servers on 127.0.0.1 ephemeral ports, in threads: jukinet, the hub and municipal nodes."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from sqlalchemy.orm import Session

from renkei.cli.serve_linkage import Served
from renkei.core.db import Databases
from renkei.core.settings import Settings


@dataclass
class Server:
    served: Served
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.served.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(served: Served, port: int) -> Server:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(served.app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).raise_for_status()
    served.start_loops()
    return Server(served, port, server, thread)


class NodeDatabases:
    """The test's own view of each process's databases (as an operator on that host would have)."""

    def __init__(self) -> None:
        self.by_node: dict[str, Databases] = {}

    def add(self, node: str, settings: Settings) -> None:
        self.by_node[node] = Databases(settings)

    @contextmanager
    def session(self, node: str) -> Iterator[Session]:
        with self.by_node[node].session(node) as session:
            yield session

    def close(self) -> None:
        for databases in self.by_node.values():
            databases.dispose()
