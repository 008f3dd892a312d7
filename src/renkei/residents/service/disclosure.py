"""本人確認情報の提供状況の開示 at the window: the 住民票コード goes from the register to 住基ネット and no further."""

from __future__ import annotations

from sqlalchemy.orm import Session

from renkei.core.errors import NotFound
from renkei.core.settings import Settings
from renkei.protocol.provision import Disclosure, ProvisionClient
from renkei.residents.models import ResidentsResident
from renkei.residents.service.changes import juminhyo_code_of


def provision_disclosure(
    session: Session, *, resident_id: int, provision: ProvisionClient, settings: Settings
) -> Disclosure:
    """Who received this resident's 本人確認情報 (a person who moved away or died may still ask)."""
    resident = session.get(ResidentsResident, resident_id)
    if resident is None:
        raise NotFound("住民が見つかりません", record=str(resident_id), field="resident_id")
    return provision.disclosure(juminhyo_code_of(resident, settings))
