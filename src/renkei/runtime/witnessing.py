"""Publishing and checking witnessed records for every node of a process (docs/decisions/0100).

`publish_all` signs each log's head if entries are unsigned and collects its witnesses' cosignatures: the hub's
log goes to every registered municipal node, each node's log to the hub and to its peers (the settings'
`record_witness_peers`, or else the next municipality of this process). `Publisher` does it once a minute in a
background thread; `renkei records publish` does it once. `witnessed_report` is what `renkei records verify` runs.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from renkei.core.errors import RenkeiError
from renkei.hub import witness as hub_witness
from renkei.intermediate import service as intermediate
from renkei.intermediate.service import witness as node_witness
from renkei.protocol.hub import HubClient
from renkei.protocol.ledger import PublishResult, Report, WitnessTarget
from renkei.runtime import Runtime, municipality_node

log = logging.getLogger(__name__)


def _peers(runtime: Runtime, lg_code: str) -> list[str]:
    configured = [p.removeprefix("lg") for p in runtime.settings.record_witness_peers]
    if configured:
        return [p for p in configured if p != lg_code]
    codes = sorted(runtime.municipalities())
    if len(codes) < 2 or lg_code not in codes:
        return []
    return [codes[(codes.index(lg_code) + 1) % len(codes)]]


def node_targets(runtime: Runtime, lg_code: str) -> list[WitnessTarget]:
    """The hub and the peer nodes that witness a municipality's log."""
    peers: list[tuple[str, str]] = []
    for peer in _peers(runtime, lg_code):
        if peer not in runtime.municipalities():
            continue
        with runtime.municipal_session(peer) as session:
            if not intermediate.is_registered(session, lg_code=peer):
                continue
            code = intermediate.node_keys(session, lg_code=peer, settings=runtime.settings).agency_code
        runtime.mount_municipality(peer)
        peers.append((municipality_node(peer), code))
    return node_witness.witness_targets(HubClient(runtime.transport), peers)


def _mount_all(runtime: Runtime) -> list[str]:
    codes = runtime.municipalities()
    for code in codes:
        runtime.mount_municipality(code)
    return codes


def publish_all(runtime: Runtime) -> list[tuple[str, PublishResult]]:
    """Publish every log of this process to its witnesses; one result per node."""
    quorum = runtime.settings.witness_quorum
    codes = _mount_all(runtime)
    results: list[tuple[str, PublishResult]] = []
    if "hub" in runtime.databases.existing_nodes():
        with runtime.session("hub") as session:
            results.append(
                (
                    "hub",
                    hub_witness.publish(
                        session, settings=runtime.settings, transport=runtime.transport, quorum=quorum
                    ),
                )
            )
    for code in codes:
        with runtime.municipal_session(code) as session:
            if not intermediate.is_registered(session, lg_code=code):
                continue
        targets = node_targets(runtime, code)
        with runtime.municipal_session(code) as session:
            results.append(
                (
                    municipality_node(code),
                    node_witness.publish(
                        session,
                        lg_code=code,
                        settings=runtime.settings,
                        transport=runtime.transport,
                        targets=targets,
                        quorum=quorum,
                    ),
                )
            )
    return results


@dataclass
class WitnessedReport:
    node: str
    report: Report
    notes: list[str] = field(default_factory=list)


def hub_report(runtime: Runtime) -> WitnessedReport:
    _mount_all(runtime)
    with runtime.session("hub") as session:
        targets = [target for _endpoint, target in hub_witness.witnesses(session)]
    heads, notes = hub_witness.held_heads(runtime.transport, targets)
    with runtime.session("hub") as session:
        report = hub_witness.verify(session, settings=runtime.settings, witnessed_heads=heads)
    return WitnessedReport("hub", report, notes)


def node_report(runtime: Runtime, lg_code: str) -> WitnessedReport | None:
    """The municipality's log against its witnesses' heads (None when the node is not registered yet)."""
    _mount_all(runtime)
    with runtime.municipal_session(lg_code) as session:
        if not intermediate.is_registered(session, lg_code=lg_code):
            return None
        origin = node_witness.origin(session, lg_code=lg_code)
    targets = node_targets(runtime, lg_code)
    heads, notes = node_witness.held_heads(runtime.transport, origin=origin, targets=targets)
    with runtime.municipal_session(lg_code) as session:
        report = node_witness.verify(session, lg_code=lg_code, witnessed_heads=heads)
    return WitnessedReport(municipality_node(lg_code), report, notes)


class Publisher:
    """Publishes every log at least once a minute while the process runs (a daemon thread)."""

    def __init__(self, runtime: Runtime, *, interval: float = 60.0) -> None:
        self.runtime = runtime
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="renkei-witness", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                publish_all(self.runtime)
            except RenkeiError as exc:  # a witness down must not stop the loop; the next round retries
                log.warning("records publication failed: %s", exc.message)
            except Exception as exc:  # a database failure: name its class only (its text may carry data)
                log.warning("records publication failed: %s", type(exc).__name__)
