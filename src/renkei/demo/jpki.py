"""Demo JPKI: cards for part of a municipality's population, and each holder's certificates as summary lines.

The lead's demo then moves one holder; the residents' outbox relay tells jpki, and `status_lines` shows the
署名用 certificate revoked (affiliationChanged) while the 利用者証明用 one stays valid.
"""

from __future__ import annotations

from renkei.core.errors import Conflict
from renkei.core.wareki import both
from renkei.jpki import service as jpki
from renkei.protocol.jpki import Basic4, CardApplication, IdentityCheck, JpkiClient
from renkei.residents import service as residents
from renkei.runtime import Runtime

DEMO_AUTH_PIN = "1234"
DEMO_SIGN_PIN = "RENKEI2026"  # published on purpose: demo cards only
STATUS = {"good": "有効", "hold": "一時停止", "revoked": "失効"}


def setup(runtime: Runtime, *, lg_code: str, holders: int) -> list[str]:
    """Issue cards at the window to the first `holders` residents (by 宛名番号) who have none yet."""
    with runtime.session("jpki") as session:
        authorities = jpki.init_hierarchy(session, settings=runtime.settings)
    with runtime.municipal_session(lg_code) as session:
        people = residents.list_residents(session, status="active", limit=max(holders, 1))
    client = JpkiClient(runtime.transport)
    issued = signing = children = 0
    for person in people[:holders]:
        registered = Basic4(
            name=person.name,
            address=person.address,
            birth_date=person.birth_date,
            sex=person.sex,
            former_surname=person.former_surname,
        )
        check = IdentityCheck(
            lg_code=lg_code,
            resident_id=person.id,
            registered=registered,
            identity_document="運転免許証（デモ）",
        )
        try:
            card = client.issue_card(
                CardApplication(
                    check=check, declared=registered, auth_pin=DEMO_AUTH_PIN, sign_pin=DEMO_SIGN_PIN
                )
            )
        except Conflict:
            continue  # a card from an earlier demo run
        issued += 1
        if card.sign_serial:
            signing += 1
        else:
            children += 1
    names = "、".join(a["subject"] for a in authorities if a["role"] != "root")
    return [
        f"公的個人認証（{lg_code}）: マイナンバーカードを{issued}枚交付（署名用電子証明書 {signing}件、"
        f"15歳未満のため利用者証明用のみ {children}件） / {issued} cards issued",
        f"  認証局（renkei 試験用）: {names}",
        f"  デモ用PIN: 利用者証明用 {DEMO_AUTH_PIN}、署名用 {DEMO_SIGN_PIN}",
        "  CRL・OCSP: renkei serve jpki の /crl/sign.crl・/ocsp（openssl ocsp で問い合わせできます）",
    ]


def status_lines(runtime: Runtime, *, lg_code: str, resident_id: int) -> list[str]:
    """A holder's cards and certificates, one line each (what the demo prints after a move)."""
    status = JpkiClient(runtime.transport).holder_status(lg_code=lg_code, resident_id=resident_id)
    if not status.cards:
        return [f"公的個人認証: 住民 {resident_id}（{lg_code}）にカードの交付はありません"]
    lines = []
    for card in status.cards:
        lines.append(
            f"カード {card.card_number}（{lg_code} 住民 {resident_id}）: 有効期限 {both(card.expires_on)}"
        )
        for c in card.certificates:
            kind = "署名用" if c.kind == "sign" else "利用者証明用"
            reason = f"（{c.reason_label}）" if c.reason_label else ""
            lines.append(f"  {kind}電子証明書 {c.serial}: {STATUS[c.status]}{reason}")
    return lines
