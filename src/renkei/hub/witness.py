"""The hub as witness of every node's records, and the hub's own records published to the nodes that witness it.

Origins and key names are ``renkei.test/<機関コード>/records`` and ``renkei.test/<機関コード>/witness``; the hub
trusts a node's checkpoint signature under the signing key that node registered (the same key its queries are
verified with), and cosigns with its own signing key (cosignature/v1 is domain-separated from every other message
that key signs). docs/decisions/0100-witnessed-record-logs.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid, RenkeiError
from renkei.core.settings import Settings
from renkei.hub import signs
from renkei.hub.delivery import route
from renkei.hub.models import RECORDS, HubAgency, HubWitnessHead, HubWitnessSeen
from renkei.protocol import signing, tlog
from renkei.protocol.ledger import PublishResult, Report, Witness, WitnessedHead, WitnessTarget
from renkei.protocol.transport import Transport

WITNESS: Witness[HubWitnessHead, HubWitnessSeen] = Witness(HubWitnessHead, HubWitnessSeen)
ORIGIN = tlog.log_origin(signs.HUB_AGENCY_CODE)
NAME = tlog.witness_name(signs.HUB_AGENCY_CODE)
_NODE = re.compile(r"^lg[0-9]{6}$")


def _node_service(endpoint: str) -> str | None:
    service = endpoint.rstrip("/").rpartition("/rpc/")[2] if "/rpc/" in endpoint else endpoint
    return service if _NODE.match(service) else None


def add_checkpoint(
    session: Session, *, request: tlog.AddCheckpointRequest, settings: Settings
) -> tlog.AddCheckpointResponse:
    """tlog-witness add-checkpoint for a node's records log (checked and stored in the caller's transaction)."""

    def trusted(origin: str) -> Sequence[Ed25519PublicKey] | None:
        code = tlog.origin_agency(origin)
        agency = session.get(HubAgency, code) if code is not None else None
        if agency is None:
            return None
        return [signing.load_signing_public_key(agency.signing_public_key)]

    return WITNESS.add_checkpoint(
        session, request.body, trusted=trusted, name=NAME, key=signs.hub_keys(settings).signing
    )


def witnessed(session: Session, *, request: tlog.WitnessedRequest) -> tlog.WitnessedCheckpoints:
    return WITNESS.checkpoints(session, origin=request.origin, witness=NAME)


def witnesses(session: Session) -> list[tuple[str, WitnessTarget]]:
    """The nodes that witness the hub: every registered municipal node, by its endpoint (endpoint, target)."""
    found: list[tuple[str, WitnessTarget]] = []
    for agency in session.scalars(sa.select(HubAgency).order_by(HubAgency.agency_code)):
        service = _node_service(agency.endpoint)
        if service is None:
            continue
        target = WitnessTarget(
            service=service,
            name=tlog.witness_name(agency.agency_code),
            public_key=signing.load_signing_public_key(agency.signing_public_key),
        )
        found.append((agency.endpoint, target))
    return found


def publish(session: Session, *, settings: Settings, transport: Transport, quorum: int) -> PublishResult:
    """Sign the hub's head if entries are unsigned and collect the witnessing nodes' cosignatures."""
    key = signs.hub_keys(settings).signing
    result = RECORDS.publish(
        session, origin=ORIGIN, key=key, witnesses=[], client=tlog.WitnessClient(transport), quorum=quorum
    )
    for endpoint, target in witnesses(session):
        try:
            via, service = route(endpoint, transport)
        except Invalid as exc:
            result.failures.append((target.name, exc.message))
            continue
        part = RECORDS.publish(
            session,
            origin=ORIGIN,
            key=key,
            witnesses=[WitnessTarget(service, target.name, target.public_key)],
            client=tlog.WitnessClient(via),
            quorum=quorum,
        )
        result.cosigned_by += part.cosigned_by
        result.failures += part.failures
    return result


def held_heads(
    transport: Transport, targets: Sequence[WitnessTarget]
) -> tuple[list[WitnessedHead], list[str]]:
    """The heads of the hub's log that its witnesses hold (and the refusals they recorded, forks among them)."""
    heads: list[WitnessedHead] = []
    notes: list[str] = []
    client = tlog.WitnessClient(transport)
    for target in targets:
        try:
            answer = client.checkpoints(target.service, ORIGIN)
        except RenkeiError as exc:  # an unreachable witness is reported, the others still checked
            notes.append(f"証人 {target.name} に問い合わせできません: {exc.message}")
            continue
        heads += [
            WitnessedHead(target.name, c.tree_size, bytes.fromhex(c.root_hash)) for c in answer.checkpoints
        ]
        notes += [f"証人 {target.name} が拒否したチェックポイント: {r}" for r in answer.refused]
    return heads, notes


def verify(session: Session, *, settings: Settings, witnessed_heads: Sequence[WitnessedHead]) -> Report:
    return RECORDS.verify(
        session, public_key=signs.hub_keys(settings).signing.public_key(), witnessed=witnessed_heads
    )
