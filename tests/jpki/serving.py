"""Run an ASGI app on 127.0.0.1 on an ephemeral port in a background thread (tests and benchmarks); with TLS
settings (`Wire.server`, `renkei.protocol.tls.server_ssl`) over HTTPS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def serving(app: Any, **settings: Any) -> Iterator[str]:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False, **settings
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"{'https' if settings.get('ssl_certfile') else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = server.force_exit = True  # open keep-alive connections do not hold the test
        thread.join(timeout=10)
