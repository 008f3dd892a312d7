"""The JPKI window's identity check: who stands at the window, from this municipality's register only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from renkei.core.errors import Forbidden
from renkei.protocol.jpki import Basic4, IdentityCheck
from renkei.residents.service.queries import get_resident


def identity_check(session: Session, *, lg_code: str, resident_id: int, document: str) -> IdentityCheck:
    """The 基本4情報 the register holds for a resident (a resident no longer here fails), and the document seen."""
    resident = get_resident(session, resident_id=resident_id)
    if resident.status != "active":
        raise Forbidden(
            "住民票に記載のある方ではありません（転出・死亡）", record=str(resident_id), field="status"
        )
    registered = Basic4(
        name=resident.name,
        address=resident.address,
        birth_date=resident.birth_date,
        sex=resident.sex,
        former_surname=resident.former_surname,
    )
    return IdentityCheck(
        lg_code=lg_code, resident_id=resident_id, registered=registered, identity_document=document
    )
