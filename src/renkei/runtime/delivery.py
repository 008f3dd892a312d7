"""The hub's delivery worker: claim the due queries, send them to their providers, settle, push the results.

One delivery model for every way of running the hub (CONVENTIONS §17–18): a short transaction claims a batch
(leased with FOR UPDATE SKIP LOCKED on PostgreSQL, so several workers share the work and none takes a query
another holds), the calls to providers and requesters hold no transaction and no lock, and a second short
transaction settles what came back. A worker that dies between claim and settle leaves its queries leased; when
the lease runs out they are due again and delivered once more, which the providers answer idempotently.
"""

from __future__ import annotations

import logging
import threading

from renkei.core.db import Databases
from renkei.core.settings import Settings
from renkei.hub import service as hub_service
from renkei.protocol.messages import BATCH_LIMIT
from renkei.protocol.transport import Transport

log = logging.getLogger("renkei.delivery")


def deliver_round(
    databases: Databases, *, settings: Settings, transport: Transport, limit: int = BATCH_LIMIT
) -> int:
    """One round (`renkei.hub.delivery.deliver_round`); returns how many queries were delivered (0: none due)."""
    report = hub_service.deliver_round(
        lambda: databases.session("hub"), settings=settings, transport=transport, limit=limit
    )
    return report.delivered


class DeliveryWorker:
    """Runs `deliver_round` until stopped; `wake()` (called when a query is accepted) starts a round at once."""

    def __init__(
        self, databases: Databases, *, settings: Settings, transport: Transport, interval: float = 0.2
    ) -> None:
        self.databases, self.settings, self.transport, self.interval = (
            databases,
            settings,
            transport,
            interval,
        )
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def run(self, stop: threading.Event | None = None) -> None:
        stop = stop or self._stop
        while not stop.is_set() and not self._stop.is_set():
            try:
                delivered = deliver_round(self.databases, settings=self.settings, transport=self.transport)
            except Exception:  # a loop that survives says what it survived (CONVENTIONS §19)
                log.exception("hub delivery round failed; retrying")
                delivered = 0
            if not delivered:
                self._wake.wait(self.interval)
                self._wake.clear()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="renkei-hub-delivery", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
