"""The node's records, witnessed: publish checkpoints to the hub and a peer node; witness the hub's (and peers').

The node's log origin is ``renkei.test/<機関コード>/records`` signed with the node's signing key. As witness it
trusts the hub's key from the hub's own information and any other agency's key from the hub's registry (the
hub is the registry of agency keys already), and cosigns with its signing key. docs/decisions/0100.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from renkei.core.errors import NotFound, RenkeiError
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateNode, IntermediateWitnessHead, IntermediateWitnessSeen
from renkei.intermediate.service.node import node_keys
from renkei.intermediate.service.records import RECORDS
from renkei.protocol import signing, tlog
from renkei.protocol.hub import HubClient
from renkei.protocol.ledger import PublishResult, Report, Witness, WitnessedHead, WitnessTarget
from renkei.protocol.transport import Transport

WITNESS: Witness[IntermediateWitnessHead, IntermediateWitnessSeen] = Witness(
    IntermediateWitnessHead, IntermediateWitnessSeen
)


def _node(session: Session, lg_code: str) -> IntermediateNode:
    node = session.get(IntermediateNode, lg_code)
    if node is None:
        raise NotFound(f"団体コード {lg_code} の機関が登録されていません", record=lg_code)
    return node


def origin(session: Session, *, lg_code: str) -> str:
    return tlog.log_origin(_node(session, lg_code).agency_code)


def witness_name(session: Session, *, lg_code: str) -> str:
    return tlog.witness_name(_node(session, lg_code).agency_code)


def _agency_key(hub: HubClient, agency_code: str) -> Ed25519PublicKey | None:
    info = hub.info()
    if agency_code == info.agency_code:
        return signing.load_signing_public_key(info.signing_public_key)
    try:
        return signing.load_signing_public_key(hub.agency(agency_code).signing_public_key)
    except NotFound:
        return None


def add_checkpoint(
    session: Session, *, lg_code: str, settings: Settings, hub: HubClient, request: tlog.AddCheckpointRequest
) -> tlog.AddCheckpointResponse:
    """tlog-witness add-checkpoint for the hub's or a peer node's log (checked and stored in one transaction)."""
    own = _node(session, lg_code).agency_code

    def trusted(found: str) -> Sequence[Ed25519PublicKey] | None:
        code = tlog.origin_agency(found)
        if code is None or code == own:
            return None
        key = _agency_key(hub, code)
        return None if key is None else [key]

    keys = node_keys(session, lg_code=lg_code, settings=settings)
    return WITNESS.add_checkpoint(
        session, request.body, trusted=trusted, name=tlog.witness_name(own), key=keys.signing_key
    )


def witnessed(session: Session, *, lg_code: str, request: tlog.WitnessedRequest) -> tlog.WitnessedCheckpoints:
    return WITNESS.checkpoints(session, origin=request.origin, witness=witness_name(session, lg_code=lg_code))


def witness_targets(hub: HubClient, peers: Sequence[tuple[str, str]]) -> list[WitnessTarget]:
    """The hub, then each peer given as (service, 機関コード), with keys from the hub's registry."""
    info = hub.info()
    targets = [
        WitnessTarget(
            service="hub",
            name=tlog.witness_name(info.agency_code),
            public_key=signing.load_signing_public_key(info.signing_public_key),
        )
    ]
    for service, agency_code in peers:
        key = _agency_key(hub, agency_code)
        if key is not None:
            targets.append(WitnessTarget(service, tlog.witness_name(agency_code), key))
    return targets


def publish(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    transport: Transport,
    targets: Sequence[WitnessTarget],
    quorum: int,
) -> PublishResult:
    """Sign the node's head if entries are unsigned and collect its witnesses' cosignatures."""
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    return RECORDS.publish(
        session,
        origin=tlog.log_origin(keys.agency_code),
        key=keys.signing_key,
        witnesses=targets,
        client=tlog.WitnessClient(transport),
        quorum=quorum,
    )


def held_heads(
    transport: Transport, *, origin: str, targets: Sequence[WitnessTarget]
) -> tuple[list[WitnessedHead], list[str]]:
    """What the witnesses hold for `origin` (and what they refused: a fork is named there)."""
    heads: list[WitnessedHead] = []
    notes: list[str] = []
    client = tlog.WitnessClient(transport)
    for target in targets:
        try:
            answer = client.checkpoints(target.service, origin)
        except RenkeiError as exc:  # an unreachable witness is reported, the others still checked
            notes.append(f"証人 {target.name} に問い合わせできません: {exc.message}")
            continue
        heads += [
            WitnessedHead(target.name, c.tree_size, bytes.fromhex(c.root_hash)) for c in answer.checkpoints
        ]
        notes += [f"証人 {target.name} が拒否したチェックポイント: {r}" for r in answer.refused]
    return heads, notes


def verify(session: Session, *, lg_code: str, witnessed_heads: Sequence[WitnessedHead]) -> Report:
    """The log checked with this municipality's key and against the heads its witnesses hold."""
    return RECORDS.verify(
        session, public_key=_node(session, lg_code).signing_public_pem, witnessed=witnessed_heads
    )
