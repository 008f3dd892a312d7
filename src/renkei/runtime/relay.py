"""The outbox relay: hands a municipality's new 異動 to every consumer, each at least once and in order.

Consumers, in the order the real flow needs them: the 団体内統合宛名 (a new person gets a 統合宛名番号), the
中間サーバー (符号 acquired at birth and move-in, released at move-out), and 公的個人認証 (the 署名用 certificate is
revoked when the 基本4情報 change). Each consumer acknowledges what it handled in the same transaction, and each is
idempotent by event id, so a relay that dies half way is simply run again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from renkei.addressee import service as addressee_service
from renkei.core.errors import RenkeiError, Unavailable
from renkei.intermediate import service as intermediate_service
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents_service
from renkei.runtime import Runtime

JPKI_CONSUMER = "jpki"
log = logging.getLogger("renkei.relay")


@dataclass
class RelayResult:
    """What one relay run passed on, per consumer."""

    addressee: int = 0
    signs_acquired: int = 0
    signs_removed: int = 0
    jpki: int = 0
    jpki_revoked: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)

    def __iadd__(self, other: RelayResult) -> RelayResult:
        self.addressee += other.addressee
        self.signs_acquired += other.signs_acquired
        self.signs_removed += other.signs_removed
        self.jpki += other.jpki
        self.jpki_revoked += other.jpki_revoked
        self.waiting = other.waiting
        return self


def relay_once(runtime: Runtime, lg_code: str, *, limit: int = 1000) -> RelayResult:
    """One pass over each consumer's pending events (at most `limit` each)."""
    result = RelayResult()
    settings = runtime.settings
    with runtime.municipal_session(lg_code) as session:
        result.addressee = addressee_service.consume_resident_events(session, settings=settings, limit=limit)
    with runtime.municipal_session(lg_code) as session:
        if not intermediate_service.is_registered(session, lg_code=lg_code):
            sync = None  # no 中間サーバー yet: its events wait until the municipality joins the hub
        else:
            sync = intermediate_service.sync_signs(
                session,
                lg_code=lg_code,
                settings=settings,
                jukinet=JukinetClient(runtime.transport),
                hub=HubClient(runtime.transport),
                limit=limit,
            )
            result.signs_acquired, result.signs_removed = sync.acquired, sync.removed
            result.waiting = list(sync.waiting)
    jpki = JpkiClient(runtime.transport)
    with runtime.municipal_session(lg_code) as session:
        delivered: list[str] = []
        try:
            for event in residents_service.pending_events(session, consumer=JPKI_CONSUMER, limit=limit):
                outcome = jpki.notify_identity_change(event)
                result.jpki_revoked += outcome.revoked
                delivered.append(event.event_id)
        except Unavailable:
            pass  # 公的個人認証 is down: what was delivered is acknowledged, the rest waits for the next run
        residents_service.acknowledge(session, consumer=JPKI_CONSUMER, event_ids=delivered)
        result.jpki = len(delivered)
    return result


def relay(runtime: Runtime, lg_code: str, *, limit: int = 1000, max_rounds: int = 1000) -> RelayResult:
    """Relay until every consumer has caught up (or nothing moves any more)."""
    total = RelayResult()
    for _ in range(max_rounds):
        step = relay_once(runtime, lg_code, limit=limit)
        total += step
        if not (step.addressee or step.signs_acquired or step.signs_removed or step.jpki):
            break
    return total


class RelayLoop:
    """Relays every municipality's outbox every `interval` seconds in a background thread (served UIs use it, so
    a 異動 made on a page reaches the 統合宛名, the 中間サーバー and JPKI without anyone running a command)."""

    def __init__(self, runtime: Runtime, *, interval: float = 2.0) -> None:
        self.runtime = runtime
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="renkei-relay", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for lg_code in self.runtime.municipalities():
                try:
                    relay(self.runtime, lg_code)
                except RenkeiError as error:  # a peer down or a bad event: log it and try again next round
                    log.warning("relay for %s stopped: %s", lg_code, error)
