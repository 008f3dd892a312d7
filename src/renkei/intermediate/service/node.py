"""The municipality as an agency: its 機関コード, key pairs sealed at rest, and registration with the hub."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.crypto import Sealer, derive_key
from renkei.core.errors import NotFound
from renkei.core.ids import municipality_agency_code, validate_lg_code
from renkei.core.settings import Settings
from renkei.intermediate.models import IntermediateNode
from renkei.protocol import sealing, signing
from renkei.protocol.hub import HubClient
from renkei.protocol.messages import AgencyInfo, AgencyRegistration

AGENCY_KIND = "市町村長"


@dataclass(frozen=True)
class NodeKeys:
    """A node's identity as the protocol needs it; private keys only ever in memory."""

    lg_code: str
    agency_code: str
    name: str
    signing_key: signing.Ed25519PrivateKey
    sealing_key: sealing.X25519PrivateKey


def _sealer(settings: Settings) -> Sealer:
    # The municipal at-rest key, narrowed to this one purpose (docs/decisions/0043-node-keys.md).
    return Sealer(derive_key(settings.secret("mynumber_key"), "renkei intermediate node private keys v1"))


def ensure_node(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    name: str | None = None,
    endpoint: str | None = None,
) -> IntermediateNode:
    """The municipality's node row, made once with fresh signing (Ed25519) and sealing (X25519) key pairs."""
    lg_code = validate_lg_code(lg_code)
    node = session.get(IntermediateNode, lg_code)
    if node is not None:
        if endpoint and node.endpoint != endpoint:
            node.endpoint = endpoint
            node.registered_at = None
            session.flush()
        return node
    signing_key = signing.generate_signing_key()
    sealing_key = sealing.generate_sealing_key()
    sealer = _sealer(settings)
    node = IntermediateNode(
        lg_code=lg_code,
        agency_code=municipality_agency_code(lg_code),
        name=name or f"団体コード{lg_code}",
        signing_public_pem=signing.public_key_pem(signing_key),
        signing_private_sealed=sealer.encrypt(
            signing.private_key_pem(signing_key).encode(), f"{lg_code}|signing".encode()
        ),
        sealing_public_pem=sealing.sealing_public_key_pem(sealing_key),
        sealing_private_sealed=sealer.encrypt(
            sealing.sealing_private_key_pem(sealing_key).encode(), f"{lg_code}|sealing".encode()
        ),
        endpoint=endpoint or "lg" + lg_code,
        created_at=clock.now(),
    )
    session.add(node)
    session.flush()
    return node


def is_registered(session: Session, *, lg_code: str) -> bool:
    """Whether this municipality's 中間サーバー has its node keys (and so has joined the hub)."""
    return session.get(IntermediateNode, lg_code) is not None


_KEYS: dict[tuple[str, bytes, bytes], NodeKeys] = {}  # opened keys by (団体コード, sealed private keys)


def node_keys(session: Session, *, lg_code: str, settings: Settings) -> NodeKeys:
    """The node's keys, opened once per process (parsing PEM and unsealing on every call cost ~1 ms)."""
    node = session.get(IntermediateNode, lg_code)
    if node is None:
        raise NotFound(
            f"中間サーバーに団体コード {lg_code} の機関が登録されていません（renkei query … の前に機関登録が必要です）",
            record=lg_code,
        )
    cache_key = (node.lg_code, bytes(node.signing_private_sealed), bytes(node.sealing_private_sealed))
    cached = _KEYS.get(cache_key)
    if cached is not None and cached.agency_code == node.agency_code and cached.name == node.name:
        return cached
    sealer = _sealer(settings)
    keys = NodeKeys(
        lg_code=node.lg_code,
        agency_code=node.agency_code,
        name=node.name,
        signing_key=signing.load_signing_private_key(
            sealer.decrypt(node.signing_private_sealed, f"{lg_code}|signing".encode())
        ),
        sealing_key=sealing.load_sealing_private_key(
            sealer.decrypt(node.sealing_private_sealed, f"{lg_code}|sealing".encode())
        ),
    )
    _KEYS[cache_key] = keys
    return keys


def register_with_hub(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    hub: HubClient,
    name: str | None = None,
    endpoint: str | None = None,
) -> AgencyInfo:
    """Make the node if needed and register it (機関コード, endpoint, public keys) with the hub; idempotent."""
    node = ensure_node(session, lg_code=lg_code, settings=settings, name=name, endpoint=endpoint)
    keys = node_keys(session, lg_code=node.lg_code, settings=settings)
    registration = AgencyRegistration(
        agency_code=node.agency_code,
        name=node.name,
        kind=AGENCY_KIND,
        endpoint=node.endpoint,
        signing_public_key=node.signing_public_pem,
        sealing_public_key=node.sealing_public_pem,
    ).signed(keys.signing_key)
    info = hub.register_agency(registration)
    node.registered_at = clock.now()
    session.flush()
    return info
