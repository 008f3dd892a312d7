"""異動 from the residents' outbox: the 署名用 certificate falls with a 4情報 change, both on death, idempotently."""

from __future__ import annotations

from renkei.jpki import service
from renkei.protocol.jpki import JpkiClient
from renkei.runtime import Runtime
from tests.jpki.builders import LG_A, LG_B, event, issue, person


def _statuses(runtime: Runtime, lg_code: str = LG_A, resident_id: int = 1) -> list[tuple[str, str]]:
    with runtime.session("jpki") as session:
        status = service.holder_status(session, lg_code=lg_code, resident_id=resident_id)
    return [(c.kind, c.status) for card in status.cards for c in card.certificates]


def test_an_address_change_revokes_only_the_signing_certificate(runtime: Runtime) -> None:
    issue(runtime)
    client = JpkiClient(runtime.transport)
    outcome = client.notify_identity_change(
        event("address_change", who=person(address="東京都千代田区丸の内1丁目"))
    )
    assert outcome.outcome == "revoked_sign" and len(outcome.revoked) == 1
    assert sorted(_statuses(runtime)) == [("auth", "good"), ("sign", "revoked")]
    with runtime.session("jpki") as session:
        card = service.holder_status(session, lg_code=LG_A, resident_id=1).cards[0]
    assert [c.reason for c in card.certificates if c.kind == "sign"] == [3]  # affiliationChanged


def test_a_name_change_with_the_same_four_items_revokes_nothing(runtime: Runtime) -> None:
    issue(runtime)
    outcome = JpkiClient(runtime.transport).notify_identity_change(event("name_change"))
    assert outcome.outcome == "no_change"
    assert sorted(_statuses(runtime)) == [("auth", "good"), ("sign", "good")]


def test_the_same_event_twice_is_applied_once(runtime: Runtime) -> None:
    issue(runtime)
    client = JpkiClient(runtime.transport)
    first = client.notify_identity_change(event("name_change", who=person(name="鈴木 太郎"), event_id="e-1"))
    again = client.notify_identity_change(event("name_change", who=person(name="鈴木 太郎"), event_id="e-1"))
    assert first.outcome == "revoked_sign" and again.outcome == "duplicate"
    assert again.revoked == first.revoked


def test_death_revokes_both_certificates_and_closes_the_card(runtime: Runtime) -> None:
    issue(runtime)
    outcome = JpkiClient(runtime.transport).notify_identity_change(event("death"))
    assert outcome.outcome == "revoked_all" and len(outcome.revoked) == 2
    with runtime.session("jpki") as session:
        card = service.holder_status(session, lg_code=LG_A, resident_id=1).cards[0]
    assert card.status == "closed"
    assert {(c.status, c.reason) for c in card.certificates} == {("revoked", 5)}


def test_an_event_for_a_person_with_no_card_is_recorded_as_a_no_op(runtime: Runtime) -> None:
    client = JpkiClient(runtime.transport)
    assert client.notify_identity_change(event("move_out", 99)).outcome == "no_card"
    assert client.notify_identity_change(event("birth", 100)).outcome == "no_card"


def test_a_move_revokes_the_signing_certificate_and_relinks_the_holder(runtime: Runtime) -> None:
    issue(runtime, 7)
    client = JpkiClient(runtime.transport)
    out = client.notify_identity_change(event("move_out", 7))
    assert out.outcome == "revoked_sign"
    moved = person(address="東京都世田谷区世田谷4丁目21番27号")
    arrived = client.notify_identity_change(
        event("move_in", 501, lg_code=LG_B, who=moved, previous=(LG_A, 7))
    )
    assert arrived.relinked and arrived.outcome == "no_change"
    assert sorted(_statuses(runtime, LG_B, 501)) == [("auth", "good"), ("sign", "revoked")]
    assert _statuses(runtime, LG_A, 7) == []


def test_the_client_accepts_a_residents_event_object(runtime: Runtime) -> None:
    from renkei.residents.schemas import ResidentEvent

    issue(runtime)
    source = event("address_change", who=person(address="東京都千代田区永田町1丁目"))
    resident_event = ResidentEvent(
        **source.model_dump(), name_kana="ヤマダ タロウ", effective_on=source.occurred_at.date()
    )
    assert JpkiClient(runtime.transport).notify_identity_change(resident_event).outcome == "revoked_sign"
