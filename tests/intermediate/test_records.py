"""The municipality's records: one record can be proven to be in the log against a signed head."""

from __future__ import annotations

import pytest

from renkei.core.errors import Invalid
from renkei.intermediate import service
from renkei.intermediate.models import IntermediateNode
from renkei.intermediate.rpc import api as dispatcher
from renkei.protocol import sealing
from renkei.protocol.ledger import verify_inclusion_proof
from renkei.runtime import Runtime
from tests.intermediate.test_provide import forwarded, provider_with_copy
from tests.linkage.builders import CHIYODA


def test_a_record_has_an_inclusion_proof_that_checks_against_the_node_key_and_fails_when_altered(
    runtime: Runtime,
) -> None:
    sign = provider_with_copy(runtime)
    provide = dispatcher(CHIYODA, runtime.databases, runtime.settings, runtime.transport)
    provide("provide_batch", forwarded(runtime, sign, sealing.generate_sealing_key()).model_dump(mode="json"))
    with runtime.municipal_session(CHIYODA) as session:
        [record] = service.list_records(session, lg_code=CHIYODA)
        keys = service.node_keys(session, lg_code=CHIYODA, settings=runtime.settings)
        proof = service.inclusion_proof(session, seq=record.seq, key=keys.signing_key)
        public = session.get(IntermediateNode, CHIYODA).signing_public_pem  # type: ignore[union-attr]
    verify_inclusion_proof(proof, public_key=public)
    altered = type(proof).from_dict({**proof.as_dict(), "body": {**proof.body, "result": "not_found"}})
    with pytest.raises(Invalid):
        verify_inclusion_proof(altered, public_key=public)
