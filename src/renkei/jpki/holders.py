"""Who holds a certificate: the answer the portal needs for its 利用者登録 (decision 0090)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid, NotFound
from renkei.jpki.models import Card, Certificate, Holder
from renkei.protocol.portal import CertificateHolder


def certificate_holder(session: Session, *, serial: str, kind: str = "auth") -> CertificateHolder:
    """(団体コード, resident id, card) of the holder of the certificate `serial` (hex) of `kind`."""
    try:
        number = int(serial, 16)
    except ValueError as exc:
        raise Invalid("シリアル番号は16進数です", record=serial, field="serial") from exc
    row = session.execute(
        sa.select(Holder.lg_code, Holder.resident_id, Card.card_number)
        .join(Certificate, Certificate.holder_id == Holder.id)
        .join(Card, Card.id == Certificate.card_id)
        .where(Certificate.serial == number, Certificate.kind == kind)
    ).first()
    if row is None:
        label = "利用者証明用" if kind == "auth" else "署名用"
        raise NotFound(f"{label}電子証明書が見つかりません", record=serial, field="serial")
    return CertificateHolder(lg_code=row[0], resident_id=int(row[1]), card_number=row[2])
