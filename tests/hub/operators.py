"""Builders for operator-action tests: an enrolled operator with its key, and signed requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from renkei.hub import operators
from renkei.protocol import signing
from renkei.protocol.operator import new_action
from renkei.runtime import Runtime


@dataclass
class Operator:
    operator_id: str
    key: signing.Ed25519PrivateKey

    def sign(self, model: type[Any], reason: str = "試験のための変更", **fields: Any) -> Any:
        return model(**new_action(self.operator_id, reason), **fields).signed(self.key)


def enrol(runtime: Runtime, operator_id: str = "yamada", name: str = "山田 運用") -> Operator:
    key = signing.generate_signing_key()
    with runtime.session("hub") as session:
        operators.enrol_operator(
            session,
            operator_id=operator_id,
            name=name,
            public_key=signing.public_key_pem(key),
            enrolled_by="test",
            settings=runtime.settings,
        )
    return Operator(operator_id, key)
