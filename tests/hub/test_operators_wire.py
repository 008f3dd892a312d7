"""Operator actions on a served hub over mutual TLS: only an operator's certificate with an enrolled operator's
signature changes anything; a municipality's certificate is refused every operation, and each refusal recorded."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from renkei.cli import cli
from renkei.core.errors import Forbidden
from renkei.hub import rpc as hub_rpc
from renkei.hub.models import HubRecord
from renkei.protocol import orgca, signing
from renkei.protocol.http import service_app
from renkei.protocol.keys import NodeKeys
from renkei.protocol.operator import (
    AgencyChange,
    AgencyEnrolment,
    AgencyKeyRotation,
    AgencyRetirement,
    OperatorClient,
    PermissionAddition,
    PermissionEnd,
    PermissionKey,
    PermissionRemoval,
)
from renkei.protocol.tls import client_ssl_context
from renkei.protocol.transport import HttpTransport
from renkei.runtime import Runtime
from renkei.runtime.wire import Wire, ensure_certificate
from tests.hub.builders import CHILD_ALLOWANCE, LG_A, LG_B, NINTEI, TAX, register
from tests.hub.operators import Operator, enrol
from tests.jpki.serving import serving

ROW = PermissionKey(
    requester="市町村長", jimu_code=CHILD_ALLOWANCE, procedure_code=NINTEI, provider="市町村長", tm_code=TAX
)


@dataclass
class ServedHub:
    url: str
    ca: Path
    refusals: Path
    transports: list[HttpTransport]

    def client(self, node: str) -> OperatorClient:
        transport = HttpTransport({"hub": self.url}, tls=client_ssl_context(self.ca, node))
        self.transports.append(transport)
        return OperatorClient(transport)


@pytest.fixture
def served_hub(runtime: Runtime, tmp_path: Path) -> Iterator[ServedHub]:
    ca = runtime.settings.data_dir / "orgca"
    orgca.init_ca(ca)
    for node in ("hub", "operator", f"lg{LG_A}"):
        ensure_certificate(ca, node)
    refusals = tmp_path / "wire-refusals.jsonl"
    wire = Wire.mutual_tls(ca, "hub", refusals=refusals)
    api = hub_rpc.api(runtime.databases, runtime.settings, runtime.transport)
    app = service_app("hub", [api], authenticate=wire.authenticate, on_refusal=wire.on_refusal)
    with serving(app, **wire.server) as url:
        served = ServedHub(url, ca, refusals, [])
        yield served
        for transport in served.transports:
            transport.close()


def test_a_municipalitys_certificate_is_refused_every_operator_action(
    runtime: Runtime, served_hub: ServedHub
) -> None:
    op = enrol(runtime)
    b = register(runtime, LG_B)
    keys = NodeKeys.generate()
    # Even carrying requests an operator really signed (captured on the way), 千代田区's certificate gets nothing.
    signed = {
        "register_agency": op.sign(
            AgencyEnrolment,
            agency_code="0030001000011700",
            name="試験省",
            kind="厚生労働大臣",
            endpoint="x",
            signing_public_key=keys.signing_public_pem,
            sealing_public_key=keys.sealing_public_pem,
        ),
        "change_agency": op.sign(AgencyChange, agency_code=b.agency_code, kind="厚生労働大臣"),
        "rotate_agency_keys": op.sign(
            AgencyKeyRotation,
            agency_code=b.agency_code,
            signing_public_key=keys.signing_public_pem,
            sealing_public_key=keys.sealing_public_pem,
        ),
        "retire_agency": op.sign(AgencyRetirement, agency_code=b.agency_code),
        "add_permissions": op.sign(
            PermissionAddition,
            source="x",
            rows=[
                {
                    **ROW.model_dump(),
                    "jimu_code": "JM09000000000001",
                    "item": "x",
                    "jimu_name": "x",
                    "tm_name": "x",
                }
            ],
        ),
        "end_permission": op.sign(PermissionEnd, key=ROW, last_day="2020-01-01"),
        "remove_permission": op.sign(PermissionRemoval, key=ROW),
    }
    attacker = served_hub.client(f"lg{LG_A}")
    for method, request in signed.items():
        with pytest.raises(Forbidden):
            getattr(attacker, method)(request)
    with pytest.raises(Forbidden):
        attacker.actions()
    refused = [json.loads(line) for line in served_hub.refusals.read_text(encoding="utf-8").splitlines()]
    assert [r["operation"] for r in refused] == [f"operator_{m}" for m in signed] + ["operator_actions"]
    assert {(r["caller"]["role"], r["caller"]["lg_code"], r["error"]) for r in refused} == {
        ("municipality", LG_A, "forbidden")
    }
    with runtime.session("hub") as session:
        assert session.get(HubRecord, 2) is None  # only the enrolment was recorded: nothing changed

    # The same requests from the operator's certificate are the operator's actions.
    operator = served_hub.client("operator")
    done = operator.change_agency(signed["change_agency"])
    assert done.after["kind"] == "厚生労働大臣"
    with runtime.session("hub") as session:
        entry = session.get(HubRecord, done.record_seq)
        assert entry is not None
        via = entry.body["via"]
    assert (via["role"], via["node"], via["agency_code"]) == ("operator", "operator", "0030099000091700")
    # An operator's certificate without an enrolled operator's signature is refused, and recorded as well.
    with pytest.raises(Forbidden):
        operator.retire_agency(
            Operator("nobody", signing.generate_signing_key()).sign(
                AgencyRetirement, agency_code=b.agency_code
            )
        )
    assert (
        json.loads(served_hub.refusals.read_text(encoding="utf-8").splitlines()[-1])["caller"]["role"]
        == "operator"
    )


def test_the_cli_acts_on_a_served_hub_with_the_operators_certificate(
    runtime: Runtime, served_hub: ServedHub, cli_env: dict[str, str], tmp_path: Path
) -> None:
    op = enrol(runtime, "sato", "佐藤 運用")
    b = register(runtime, LG_B)
    key = tmp_path / "sato.key"
    key.write_text(signing.private_key_pem(op.key), encoding="ascii")
    common = [
        "--operator",
        "sato",
        "--key",
        str(key),
        "--hub-url",
        served_hub.url,
        "--tls-dir",
        str(served_hub.ca),
    ]

    change = [
        "hub",
        "agency",
        "change",
        "--code",
        b.agency_code,
        "--name",
        "世田谷区",
        "--reason",
        "名称の訂正",
    ]
    os.chmod(key, 0o644)
    result = CliRunner().invoke(cli, [*change, *common], env=cli_env)
    assert result.exit_code == 1 and "アクセス権が広すぎます" in result.output
    os.chmod(key, 0o600)
    result = CliRunner().invoke(cli, [*change, *common], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "機関の変更 (agency_changed)" in result.output and "運用者 sato" in result.output
    listed = CliRunner().invoke(
        cli,
        ["hub", "operator", "actions", "--hub-url", served_hub.url, "--tls-dir", str(served_hub.ca)],
        env=cli_env,
    )
    assert listed.exit_code == 0 and listed.output.index("agency_changed") < listed.output.index(
        "operator_enrolled"
    )
