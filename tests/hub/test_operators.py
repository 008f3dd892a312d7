"""Operator actions: the registry and the permission table change only by an enrolled operator's signed request,
each change recorded in the hub's records log with who, what, before, after and why (decision 0037)."""

from __future__ import annotations

import datetime as dt

import pytest

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid
from renkei.hub import console, operators, service
from renkei.hub.models import RECORDS, HubRecord
from renkei.hub.signs import hub_keys
from renkei.protocol import signing
from renkei.protocol.hub import HubClient
from renkei.protocol.keys import NodeKeys
from renkei.protocol.messages import AgencyRegistration
from renkei.protocol.operator import (
    AgencyChange,
    AgencyEnrolment,
    AgencyKeyRotation,
    AgencyRetirement,
    OperatorAction,
    OperatorClient,
    PermissionAddition,
    PermissionEnd,
    PermissionKey,
    PermissionRemoval,
)
from renkei.runtime import Runtime
from tests.hub.builders import (
    CHILD_ALLOWANCE,
    LG_A,
    LG_B,
    NINTEI,
    TAX,
    Node,
    acquire,
    mount_provider,
    poll_request,
    query,
    register,
    residents,
)
from tests.hub.operators import Operator, enrol

MINISTER = (
    "0030001000011700"  # a 厚生労働大臣-like body the operator vouches for (kind chosen by the operator)
)
ROW = PermissionKey(
    requester="市町村長", jimu_code=CHILD_ALLOWANCE, procedure_code=NINTEI, provider="市町村長", tm_code=TAX
)


def _ask(runtime: Runtime, requester: Node, provider: Node, sign: str) -> str:
    hub = HubClient(runtime.transport)
    accepted = hub.submit_query(query(requester, provider, sign))
    result = hub.poll(poll_request(requester, accepted.processing_number))
    return result.status if result.status != "refused" else f"refused: {result.refusal_reason}"


def _exchange(runtime: Runtime) -> tuple[Node, Node, str, str]:
    """千代田区 (a provider with one person's tax copy) and 世田谷区, each with its 符号 for that person."""
    a, b = register(runtime, LG_A), register(runtime, LG_B)
    person = residents(runtime, LG_A, 1)
    sign_a, sign_b = acquire(runtime, a, LG_A, person)[0], acquire(runtime, b, LG_A, person)[0]
    mount_provider(runtime, a).copies[sign_a] = {"TK00000200000310": 3500}
    return a, b, sign_a, sign_b


def _entry(runtime: Runtime, seq: int) -> dict[str, object]:
    with runtime.session("hub") as session:
        entry = session.get(HubRecord, seq)
        assert entry is not None
        return dict(entry.body)


def test_an_operator_changes_the_registry_and_every_change_is_signed_and_recorded(runtime: Runtime) -> None:
    op = enrol(runtime)
    client = OperatorClient(runtime.transport)
    minister_keys = NodeKeys.generate()
    registered = client.register_agency(
        op.sign(
            AgencyEnrolment,
            agency_code=MINISTER,
            name="試験省",
            kind="厚生労働大臣",
            endpoint="minister",
            signing_public_key=minister_keys.signing_public_pem,
            sealing_public_key=minister_keys.sealing_public_pem,
            reason="主務省令の改正による機関の追加",
        )
    )
    assert registered.action == OperatorAction.AGENCY_REGISTERED and registered.before is None
    assert HubClient(runtime.transport).agency(MINISTER).kind == "厚生労働大臣"

    changed = client.change_agency(op.sign(AgencyChange, agency_code=MINISTER, kind="都道府県知事"))
    assert changed.before["kind"] == "厚生労働大臣" and changed.after["kind"] == "都道府県知事"

    # The body in the log holds the signed request, so anyone can check later that the operator asked for this.
    body = _entry(runtime, changed.record_seq)
    assert body["operator_action"] == "agency_changed" and body["reason"] == "試験のための変更"
    assert body["operator_name"] == "山田 運用" and body["via"] == {"role": "embedded"}
    signing.verify(op.key.public_key(), body["request"], str(body["signature"]))  # type: ignore[arg-type]

    # A retry of the same action answers the recorded action; the same action id with other content is refused.
    again = op.sign(AgencyChange, agency_code=MINISTER, name="試験省（改）")
    first = client.change_agency(again)
    assert client.change_agency(again) == first
    other = again.model_copy(update={"name": "別の名称"}).signed(op.key)
    with pytest.raises(Conflict):
        client.change_agency(other)

    with runtime.session("hub") as session:
        actions = operators.list_actions(session)
        assert [a.action for a in actions[:3]] == ["agency_changed", "agency_changed", "agency_registered"]
        assert [a.action for a in actions][-1] == "operator_enrolled"
        assert RECORDS.verify(session, public_key=hub_keys(runtime.settings).signing.public_key()).ok
        # Exchanges and operator actions share the log, but the exchange listings show exchanges only.
        assert service.list_records(session) == []
        assert console.traffic(session).by_tm == {}


def test_requests_that_are_not_an_enrolled_operators_are_refused(runtime: Runtime) -> None:
    op = enrol(runtime)
    client = OperatorClient(runtime.transport)
    b = register(runtime, LG_B)
    stranger = Operator("stranger", signing.generate_signing_key())
    with pytest.raises(Forbidden) as caught:
        client.change_agency(stranger.sign(AgencyChange, agency_code=b.agency_code, kind="厚生労働大臣"))
    assert caught.value.field == "operator_id"
    forged = Operator(op.operator_id, signing.generate_signing_key())  # yamada's id, someone else's key
    with pytest.raises(Forbidden) as caught:
        client.change_agency(forged.sign(AgencyChange, agency_code=b.agency_code, kind="厚生労働大臣"))
    assert caught.value.field == "signature"
    stale = op.sign(AgencyChange, agency_code=b.agency_code, kind="厚生労働大臣").model_copy(
        update={"requested_at": clock.now() - dt.timedelta(minutes=30)}
    )
    with pytest.raises(Forbidden) as caught:
        client.change_agency(stale.signed(op.key))
    assert caught.value.field == "requested_at"
    blank = op.sign(AgencyChange, agency_code=b.agency_code, kind="x").model_dump(mode="json")
    with pytest.raises(Invalid) as caught:  # a reason is required, and checked before anything else
        runtime.transport.call("hub", "operator_change_agency", {**blank, "reason": " "})
    assert caught.value.field == "reason"
    with runtime.session("hub") as session:
        operators.retire_operator(
            session, operator_id=op.operator_id, reason="異動", retired_by="test", settings=runtime.settings
        )
    with pytest.raises(Forbidden):
        client.change_agency(op.sign(AgencyChange, agency_code=b.agency_code, kind="厚生労働大臣"))
    assert HubClient(runtime.transport).agency(b.agency_code).kind == "市町村長"


def test_a_lost_key_is_replaced_and_a_retired_agency_neither_asks_nor_is_asked(runtime: Runtime) -> None:
    op = enrol(runtime)
    client = OperatorClient(runtime.transport)
    a, b, sign_a, sign_b = _exchange(runtime)
    assert _ask(runtime, b, a, sign_b) == "answered"

    # 世田谷区 lost its signing key: the operator installs its new keys; the old key signs nothing any more.
    lost, renewed = b.keys, NodeKeys.generate()
    rotated = client.rotate_agency_keys(
        op.sign(
            AgencyKeyRotation,
            agency_code=b.agency_code,
            signing_public_key=renewed.signing_public_pem,
            sealing_public_key=renewed.sealing_public_pem,
            reason="署名鍵の紛失（世田谷区からの届出）",
        )
    )
    assert rotated.before["signing_key_id"] == signing.key_id(lost.signing)
    assert rotated.after["signing_key_id"] == signing.key_id(renewed.signing)
    with pytest.raises(Invalid) as caught:
        _ask(runtime, b, a, sign_b)
    assert caught.value.field == "signature"
    b.keys = renewed
    assert _ask(runtime, b, a, sign_b) == "answered"

    retired = client.retire_agency(op.sign(AgencyRetirement, agency_code=a.agency_code, reason="団体の廃止"))
    assert retired.before["retired_at"] is None and retired.after["retired_at"] is not None
    assert _ask(runtime, b, a, sign_b).startswith("refused: 情報提供者の機関コード")  # refused and recorded
    with pytest.raises(Forbidden):  # nor may it register itself back
        HubClient(runtime.transport).register_agency(
            AgencyRegistration(
                agency_code=a.agency_code,
                name=a.name,
                kind="市町村長",
                endpoint=a.endpoint,
                signing_public_key=a.keys.signing_public_pem,
                sealing_public_key=a.keys.sealing_public_pem,
            ).signed(a.keys.signing)
        )
    with pytest.raises(Forbidden):  # nor ask
        _ask(runtime, a, b, sign_a)
    with pytest.raises(Conflict):  # a retired agency is not changed again
        client.change_agency(op.sign(AgencyChange, agency_code=a.agency_code, name="x"))


def test_permission_rows_are_ended_removed_and_added_by_operators_only(runtime: Runtime) -> None:
    op = enrol(runtime)
    client = OperatorClient(runtime.transport)
    a, b, _sign_a, sign_b = _exchange(runtime)

    today = clock.today()
    ended = client.end_permission(op.sign(PermissionEnd, key=ROW, last_day=today))
    assert ended.before["valid_to"] is None and ended.after["valid_to"] == today.isoformat()
    assert _ask(runtime, b, a, sign_b) == "answered"  # the last day still admits
    client.end_permission(op.sign(PermissionEnd, key=ROW, last_day=today - dt.timedelta(days=1)))
    assert "許可されていません" in _ask(runtime, b, a, sign_b)

    removed = client.remove_permission(op.sign(PermissionRemoval, key=ROW, reason="誤登録"))
    assert removed.after is None and removed.before["item"] == "七十四"
    with runtime.session("hub") as session:
        assert all(r.key != ROW.key for r in service.list_permissions(session))

    row = {**removed.before, "valid_to": None}
    added = client.add_permissions(
        op.sign(PermissionAddition, source="令和8年主務省令改正", rows=[row, row], reason="改正")
    )
    assert len(added.after["added"]) == 1 and added.after["kept"] == 1
    assert _ask(runtime, b, a, sign_b) == "answered"
    body = op.sign(PermissionAddition, source="x", rows=[row]).model_dump(mode="json")
    with pytest.raises(Invalid) as caught:  # a bad row names itself
        runtime.transport.call(
            "hub", "operator_add_permissions", {**body, "rows": [{**row, "jimu_code": "JM1"}]}
        )
    assert caught.value.field == "rows" and caught.value.record == "rows.0.jimu_code"
