"""Who holds a certificate: the register's (団体コード, 住民ID) and the card, for the portal's 利用者登録 and for
証明書交付センター (コンビニ交付); nobody learns the 基本4情報 from it (decisions 0086, 0090).

For a 利用者証明用 certificate only a good one of a living holder is answered (a kiosk or a login must not go on
with another); a 署名用 certificate is answered whatever its status now, since a document signed while it was
valid stays attributable after a later revocation (its status at signing time is checked by OCSP).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Forbidden, Invalid, NotFound
from renkei.jpki.models import Card, Certificate, Holder
from renkei.protocol.portal import CertificateHolder


def certificate_holder(session: Session, *, serial: str, kind: str = "auth") -> CertificateHolder:
    """(団体コード, resident id, card) of the holder of the certificate `serial` (hex) of `kind`."""
    try:
        number = int(serial, 16)
    except ValueError as exc:
        raise Invalid("シリアル番号は16進数です", record=serial, field="serial") from exc
    label = "利用者証明用" if kind == "auth" else "署名用"
    if number >= 2**63:  # no certificate of renkei's has a serial that large (the column is a BIGINT)
        raise NotFound(f"{label}電子証明書が見つかりません", record=serial, field="serial")
    row = session.execute(
        sa.select(Holder, Certificate.status, Card.card_number)
        .join(Certificate, Certificate.holder_id == Holder.id)
        .join(Card, Card.id == Certificate.card_id)
        .where(Certificate.serial == number, Certificate.kind == kind)
    ).first()
    if row is None:
        raise NotFound(f"{label}電子証明書が見つかりません", record=serial, field="serial")
    holder, status, card_number = row
    if kind == "auth":
        if status != "good":
            raise Forbidden("有効な利用者証明用電子証明書ではありません", record=serial, field="status")
        if holder.deceased:
            raise Forbidden("名義人の記録がありません", record=serial, field="holder")
    return CertificateHolder(
        lg_code=holder.lg_code, resident_id=int(holder.resident_id), card_number=card_number
    )
