"""The linkage scenario in one process: national services and both municipalities over the in-memory transport."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from renkei.core.settings import Settings
from renkei.protocol.hub import HubClient
from renkei.protocol.jukinet import JukinetClient
from renkei.runtime import Runtime
from tests.linkage.builders import CHIYODA, SETAGAYA
from tests.linkage.scenario import run_scenario


class InProcess:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        runtime.mount_municipality(CHIYODA)
        runtime.mount_municipality(SETAGAYA)
        self.hub = HubClient(runtime.transport)
        self.jukinet = JukinetClient(runtime.transport)

    def settings(self, node: str) -> Settings:
        return self.runtime.settings

    @contextmanager
    def session(self, node: str) -> Iterator[Session]:
        with self.runtime.session(node) as session:
            yield session

    def deliver(self) -> None:
        self.hub.deliver_pending(limit=100)

    def set_down(self, lg_code: str, down: bool) -> None:
        import datetime as dt

        from renkei.core import clock

        self.runtime.in_process.set_down("lg" + lg_code, down)
        if not down:
            # the hub waits before retrying a node that was down; let that time pass
            self._later = clock.frozen(clock.now() + dt.timedelta(minutes=10))
            self._later.__enter__()

    def close(self) -> None:
        later = getattr(self, "_later", None)
        if later is not None:
            later.__exit__(None, None, None)


def test_lawful_queries_are_answered_unlawful_ones_refused_and_every_exchange_recorded(
    runtime: Runtime,
) -> None:
    net = InProcess(runtime)
    try:
        run_scenario(net)
    finally:
        net.close()
