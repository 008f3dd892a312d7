"""Demo of the J-LIS services (issue 13), for the lead to call from `renkei demo` after `jpki.setup`.

`setup(runtime, lg_code=…)` runs, through the same protocol clients and service functions as the CLI and pages:
a 本人確認情報 provision to 日本年金機構 and the person's disclosure; a small disaster with its 台帳, a shelter stay,
a damage assessment and a 罹災証明書; a コンビニ交付 住民票の写し for the first card holder (PDF sealed and verified);
an LGWAN-ASP service registered; the 印鑑登録証 number written in the card's free space. Safe to re-run.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from renkei.certificates import seal
from renkei.certificates import service as certificates
from renkei.core import clock
from renkei.core.errors import Conflict
from renkei.core.wareki import both
from renkei.disaster import exports
from renkei.disaster import service as disaster
from renkei.disaster.schemas import Declaration
from renkei.kiosk import service as kiosk
from renkei.protocol.card_apps import AppRegistration, CardAppClient
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.kiosk import CertificateOrder
from renkei.protocol.lgwan import CHECKLIST, Application, LgwanRegistry
from renkei.protocol.provision import (
    METHOD_LABELS,
    IdentityQuery,
    ProvisionClient,
    ProvisionRequest,
    RecipientRegistration,
)
from renkei.residents import service as residents
from renkei.runtime import Runtime

DEMO_AUTH_PIN = "1234"  # the PIN demo.jpki gives every demo card
PENSION = "NENKIN01"


def _out(runtime: Runtime) -> Path:
    path = runtime.settings.data_dir / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


def provision(runtime: Runtime, *, lg_code: str) -> list[str]:
    """日本年金機構 asks for the first resident's 本人確認情報 by 基本4情報; the person's disclosure follows."""
    client = ProvisionClient(runtime.transport)
    client.register_recipient(RecipientRegistration(code=PENSION, name="日本年金機構"))
    with runtime.municipal_session(lg_code) as session:
        person = residents.list_residents(session, limit=1)[0]
    answer = client.provide(
        ProvisionRequest(
            recipient_code=PENSION,
            affair_code="B1-001",
            queries=[
                IdentityQuery(ref="DEMO-1", name=person.name, birth_date=person.birth_date, sex=person.sex)
            ],  # type: ignore[arg-type]
        )
    )
    with runtime.municipal_session(lg_code) as session:
        shown = residents.provision_disclosure(
            session, resident_id=person.id, provision=client, settings=runtime.settings
        )
    last = shown.entries[-1]
    return [
        f"本人確認情報の提供: 日本年金機構へ {person.name} の本人確認情報（{answer.message}）",
        f"  提供状況の開示: {len(shown.entries)}件、最新 {both(last.provided_at.date())} {METHOD_LABELS[last.method]}"
        f" {last.affair_name}（{'・'.join(last.items)}）",
    ]


def small_disaster(runtime: Runtime, *, lg_code: str) -> list[str]:
    """A flood over the first resident's block: 台帳, a shelter stay, an assessment, a 罹災証明書."""
    name = JukinetClient(runtime.transport).municipality(lg_code).name
    with runtime.municipal_session(lg_code) as session:
        person = residents.list_residents(session, limit=1)[0]
        area = re.split(r"[0-9０-９]", person.address, maxsplit=1)[0]
        found = disaster.declare(
            session,
            lg_code=lg_code,
            declaration=Declaration(name="デモ豪雨", kind="風水害", occurred_on=clock.today(), areas=[area]),
            by="renkei demo",
        )
        disaster.build_ledger(session, disaster_id=found.id)
        people = disaster.victims(session, disaster_id=found.id)
        shelter = disaster.open_shelter(
            session, disaster_id=found.id, name="デモ小学校体育館", address=area, capacity=100
        )
        stay_for = people[0]
        with contextlib.suppress(Conflict):  # already in a shelter from an earlier run
            disaster.arrive(session, shelter_id=shelter.id, victim_id=stay_for.id)
        disaster.assess(
            session,
            house_id=stay_for.house_id,
            structure="木造",
            damage_ratio=35,
            surveyed_on=clock.today(),
            surveyor="renkei demo",
        )
        issued, pdf = disaster.issue_certificate(
            session, victim_id=stay_for.id, by="renkei demo", municipality=name
        )
        _, csv = exports.export(session, disaster_id=found.id, ledger="victims", fmt="csv")
        summary = disaster.summary(session, disaster_id=found.id)
    out = _out(runtime)
    (out / f"risai-{issued.number}.pdf").write_bytes(pdf)
    (out / f"被災者台帳-{found.id}.csv").write_bytes(csv)
    return [
        f"被災者支援: 「{found.name}」（{area}） 被災者 {summary.victims}人・{summary.households}世帯（要配慮者 {summary.cared}人）、"
        f"避難中 {summary.sheltered}人",
        f"  罹災証明書 第{issued.number}号（{issued.damage_level}） → {out / f'risai-{issued.number}.pdf'}",
    ]


def kiosk_issuance(runtime: Runtime, *, lg_code: str) -> list[str]:
    """The first card holder gets a 住民票の写し at a convenience store; the seal is verified."""
    with runtime.municipal_session(lg_code) as session:
        people = residents.list_residents(session, limit=50)
    jpki = JpkiClient(runtime.transport)
    holder = next(
        (
            p
            for p in people
            if any(c.status == "active" for c in jpki.holder_status(lg_code=lg_code, resident_id=p.id).cards)
        ),
        None,
    )
    if holder is None:
        return ["コンビニ交付: カードを持つ住民がいません（demo.jpki.setup を先に）"]
    card = next(
        c for c in jpki.holder_status(lg_code=lg_code, resident_id=holder.id).cards if c.status == "active"
    )
    with runtime.municipal_session(lg_code) as session:
        registered = residents.register_seal(session, resident_id=holder.id, impression=holder.surname[:8])
    runtime.mount_municipality(lg_code)
    outcome = kiosk.issue(
        runtime.transport,
        lambda: runtime.session("kiosk"),
        kiosk_id="DEMO-STORE-01",
        card_number=card.card_number,
        pin=DEMO_AUTH_PIN,
        order=CertificateOrder(kind="juminhyo", household=True),
    )
    if not outcome.issued or outcome.document is None:
        return [f"コンビニ交付: 交付できません（{outcome.message}）"]
    path = _out(runtime) / f"{outcome.document.number}.pdf"
    path.write_bytes(outcome.pdf())
    with runtime.municipal_session(lg_code) as session:
        root = certificates.seal_root(session, lg_code=lg_code)
    check = seal.verify_pdf(outcome.pdf(), root_der=root)
    apps = CardAppClient(runtime.transport)
    app = apps.register(
        AppRegistration(lg_code=lg_code, name="印鑑登録証", purpose="印鑑登録証としてカードを使う")
    )
    with contextlib.suppress(Conflict):  # written by an earlier run
        apps.write(
            lg_code=lg_code,
            card_number=card.card_number,
            app_code=app.code,
            pin=DEMO_AUTH_PIN,
            data={"登録番号": registered.number},
        )
    return [
        f"コンビニ交付: {holder.name} に住民票の写し（世帯全員） 第{outcome.document.number}号、手数料 {outcome.document.fee}円"
        f" → {path}",
        f"  証明書確認番号 {outcome.document.verification_code}、電子公印 {'有効' if check.ok else '無効'}（{check.signer}）",
        f"  カードの空き領域: 印鑑登録証（登録番号 {registered.number}）",
        f"  キオスク画面 /kiosk でカード番号 {card.card_number}・暗証番号 {DEMO_AUTH_PIN} を入れると証明書を取得できます",
    ]


def lgwan_service(runtime: Runtime) -> list[str]:
    registry = LgwanRegistry(runtime.transport)
    applied = registry.apply(
        Application(
            provider="renkei デモ電子申請株式会社",
            provider_kind="民間事業者",
            name="デモ電子申請サービス",
            category="アプリケーション及びコンテンツサービス",
            connection_form="LGWAN-ASP接続セグメントに直接接続",
        )
    )
    if applied.status != "登録":
        registry.start_review(applied.id)
        for code in CHECKLIST:
            registry.check(applied.id, code, "適合")
        applied = registry.register(applied.id)
    return [f"LGWAN-ASP: 「{applied.name}」を登録（{applied.registration_number}）"]


def setup(runtime: Runtime, *, lg_code: str) -> list[str]:
    return (
        provision(runtime, lg_code=lg_code)
        + small_disaster(runtime, lg_code=lg_code)
        + kiosk_issuance(runtime, lg_code=lg_code)
        + lgwan_service(runtime)
    )
