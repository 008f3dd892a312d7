"""Who holds a 利用者証明用 certificate, for 証明書交付センター (コンビニ交付): the register's (団体コード, 住民ID).

Only a good 利用者証明用 certificate of a living holder is answered; the center learns nothing of the 基本4情報.
Decision 0086.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Forbidden, Invalid, NotFound
from renkei.jpki.models import Certificate, Holder
from renkei.protocol.kiosk import CertificateHolder


def certificate_holder(session: Session, *, serial: str) -> CertificateHolder:
    try:
        number = int(serial, 16)
    except ValueError:
        raise Invalid("シリアル番号は16進数です", record=serial, field="serial") from None
    certificate = (
        session.scalar(sa.select(Certificate).where(Certificate.serial == number, Certificate.kind == "auth"))
        if number < 2**63
        else None
    )
    if certificate is None or certificate.holder_id is None:
        raise NotFound("利用者証明用電子証明書の発行記録がありません", record=serial, field="serial")
    if certificate.status != "good":
        raise Forbidden("有効な利用者証明用電子証明書ではありません", record=serial, field="status")
    holder = session.get(Holder, certificate.holder_id)
    if holder is None or holder.deceased:
        raise Forbidden("名義人の記録がありません", record=serial, field="holder")
    return CertificateHolder(lg_code=holder.lg_code, resident_id=holder.resident_id)
