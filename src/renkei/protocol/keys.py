"""A node's two key pairs (Ed25519 to sign, X25519 to be sealed to), derived from one configured secret."""

from __future__ import annotations

from dataclasses import dataclass

from renkei.core.crypto import derive_key
from renkei.protocol import sealing, signing


@dataclass(frozen=True)
class NodeKeys:
    signing: signing.Ed25519PrivateKey
    sealing: sealing.X25519PrivateKey

    @classmethod
    def generate(cls) -> NodeKeys:
        return cls(signing.generate_signing_key(), sealing.generate_sealing_key())

    @classmethod
    def derive(cls, master: bytes, node: str) -> NodeKeys:
        """Deterministic keys for `node` (e.g. "hub", "lg131016") from a 32-byte secret, so no key file is needed."""
        return cls(
            signing.signing_key_from_seed(derive_key(master, f"renkei node signing key|{node}")),
            sealing.sealing_key_from_seed(derive_key(master, f"renkei node sealing key|{node}")),
        )

    @property
    def signing_public_pem(self) -> str:
        return signing.public_key_pem(self.signing)

    @property
    def sealing_public_pem(self) -> str:
        return sealing.sealing_public_key_pem(self.sealing)
