"""コンビニ交付: card + PIN + OCSP at the kiosk, a sealed PDF from the municipality, refusals as a kiosk shows them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader, PdfWriter

from renkei.certificates import seal
from renkei.certificates import service as certificates
from renkei.core import clock
from renkei.kiosk import service as kiosk
from renkei.protocol.jpki import JpkiClient
from renkei.protocol.kiosk import CertificateOrder, CertificateServer
from renkei.runtime import Runtime
from tests.kiosk.builders import AUTH_PIN, card_holder
from tests.web.builders import CITY_A

STORE = "STORE-0001"


def use(runtime: Runtime, card: str, pin: str = AUTH_PIN, **order: object) -> kiosk.Outcome:
    return kiosk.issue(
        runtime.transport,
        lambda: runtime.session("kiosk"),
        kiosk_id=STORE,
        card_number=card,
        pin=pin,
        order=CertificateOrder(**order),  # type: ignore[arg-type]
    )


def root(runtime: Runtime) -> bytes:
    with runtime.municipal_session(CITY_A) as s:
        return certificates.seal_root(s, lg_code=CITY_A)


def test_a_kiosk_issues_a_sealed_juminhyo_that_verifies_and_fails_when_altered(runtime: Runtime) -> None:
    holder = card_holder(runtime)
    outcome = use(runtime, holder.card_number, kind="juminhyo", household=True)
    assert outcome.issued, outcome.message
    assert outcome.document is not None and outcome.document.fee == 200
    pdf = outcome.pdf()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "住民票の写し" in text and "山田　花子" in text and outcome.document.verification_code in text
    check = seal.verify_pdf(pdf, root_der=root(runtime))
    assert check.ok and "千代田区長" in check.signer
    # An edit saved over the signed file (as a forger's PDF editor does) shows at once.
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.add_metadata({"/Title": "住民票の写し（改ざん）"})
    altered = io.BytesIO()
    writer.write(altered)
    assert not seal.verify_pdf(altered.getvalue(), root_der=root(runtime)).ok
    flipped = bytearray(pdf)
    at = pdf.index(b"stream") + 40
    flipped[at] ^= 0x01
    assert not seal.verify_pdf(bytes(flipped), root_der=root(runtime)).ok
    # The code printed on the paper is answered by the municipality's 証明書確認 service.
    answer = CertificateServer(runtime.transport, CITY_A).check_code(outcome.document.verification_code)
    assert answer.found and answer.number == outcome.document.number and answer.name == "山田　太郎"
    assert not CertificateServer(runtime.transport, CITY_A).check_code("AAAA-BBBB-CCCC-DDDD").found
    with runtime.municipal_session(CITY_A) as s:
        (record,) = certificates.history(s, resident_id=holder.resident_id)
        assert (record.kind, record.kiosk_id, record.channel) == ("juminhyo", STORE, "kiosk")


def test_seal_and_tax_certificates_need_what_they_certify(runtime: Runtime) -> None:
    holder = card_holder(runtime, seal=False)
    refused = use(runtime, holder.card_number, kind="inkan")
    assert not refused.issued and "印鑑登録がありません" in refused.message
    assert not use(runtime, holder.card_number, kind="kazei", fiscal_year=2019).issued
    tax = use(runtime, holder.card_number, kind="kazei", fiscal_year=2025)
    assert tax.issued
    text = PdfReader(io.BytesIO(tax.pdf())).pages[0].extract_text()
    assert "課税証明書" in text and "3,200,000円" in text and "205,700円" in text


def test_wrong_pins_are_counted_by_the_card_and_a_locked_card_is_refused(runtime: Runtime) -> None:
    holder = card_holder(runtime)
    first = use(runtime, holder.card_number, pin="0000", kind="juminhyo")
    assert not first.issued and "あと2回" in first.message
    use(runtime, holder.card_number, pin="0000", kind="juminhyo")
    third = use(runtime, holder.card_number, pin="0000", kind="juminhyo")
    assert "ロックされました" in third.message
    locked = use(runtime, holder.card_number, kind="juminhyo")
    assert not locked.issued and "ロックされています" in locked.message and "窓口" in locked.message
    with runtime.session("kiosk") as s:
        assert [t.outcome for t in kiosk.transactions(s)] == ["refused"] * 4


def test_revoked_suspended_and_expired_certificates_are_refused(runtime: Runtime) -> None:
    holder = card_holder(runtime)
    jpki = JpkiClient(runtime.transport)
    with clock.frozen(clock.now() + dt.timedelta(days=365 * 12)):
        expired = use(runtime, holder.card_number, kind="juminhyo")
    assert not expired.issued and "有効期限が切れています" in expired.message
    jpki.suspend(card_number=holder.card_number)
    suspended = use(runtime, holder.card_number, kind="juminhyo")
    assert not suspended.issued and "一時停止中" in suspended.message
    jpki.resume(card_number=holder.card_number, check=holder.check)
    jpki.revoke(card_number=holder.card_number, kind="auth", reason="key-compromise", check=holder.check)
    revoked = use(runtime, holder.card_number, kind="juminhyo")
    assert not revoked.issued and revoked.stage == "ocsp" and "失効しています" in revoked.message


def test_fees_are_set_per_municipality_and_settled_monthly(runtime: Runtime) -> None:
    holder = card_holder(runtime)
    with runtime.municipal_session(CITY_A) as s:
        certificates.set_fee(s, lg_code=CITY_A, kind="juminhyo", amount=150)
    use(runtime, holder.card_number, kind="juminhyo", copies=2)
    use(runtime, holder.card_number, kind="inkan")
    use(runtime, holder.card_number, pin="9999", kind="inkan")  # refused: not settled
    month = clock.today().strftime("%Y-%m")
    with runtime.session("kiosk") as s:
        lines = kiosk.settlement(s, month=month)
    assert [(x.lg_code, x.kind_label, x.count, x.copies, x.fees) for x in lines] == [
        (CITY_A, "印鑑登録証明書", 1, 1, 200),
        (CITY_A, "住民票の写し", 1, 2, 300),
    ]
    with runtime.municipal_session(CITY_A) as s, pytest.raises(Exception, match="手数料"):
        certificates.set_fee(s, lg_code=CITY_A, kind="juminhyo", amount=-1)
