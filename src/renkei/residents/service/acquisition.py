"""取得番号 for the hub's 符号 issue: the 住民票コード goes to jukinet and no further (ARCHITECTURE §2)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import sealing
from renkei.residents.models import ResidentsResident
from renkei.residents.service.changes import juminhyo_code_of


def issue_acquisition_numbers(
    session: Session, *, resident_ids: Sequence[int], jukinet: JukinetClient, settings: Settings
) -> dict[int, str]:
    """Resident id → a single-use 取得番号 from 住基ネット, for active residents of one municipality."""
    wanted = list(dict.fromkeys(resident_ids))
    if not wanted:
        return {}
    rows = {
        r.id: r for r in session.scalars(sa.select(ResidentsResident).where(ResidentsResident.id.in_(wanted)))
    }
    for rid in wanted:
        resident = rows.get(rid)
        if resident is None:
            raise NotFound("住民が見つかりません", record=str(rid), field="resident_id")
        if resident.status != "active":
            raise Conflict("住民ではない方の取得番号は発行できません", record=str(rid), field="resident_id")
    lg_codes = {r.lg_code for r in rows.values()}
    if len(lg_codes) != 1:
        raise Invalid("複数の団体の住民が混在しています", field="resident_ids")
    codes = [juminhyo_code_of(rows[rid], settings) for rid in wanted]
    numbers = jukinet.issue_acquisition_numbers(lg_codes.pop(), codes)
    return dict(zip(wanted, numbers, strict=True))


def mynumber_of(session: Session, *, resident_id: int, settings: Settings) -> str:
    """The My Number of a resident, for the 付番依頼 to the addressee system (in memory, never logged)."""
    resident = session.get(ResidentsResident, resident_id)
    if resident is None:
        raise NotFound("住民が見つかりません", record=str(resident_id), field="resident_id")
    aad = sealing.associated_data(resident.lg_code, resident.atena_number, "mynumber")
    return sealing.sealer(settings).decrypt(resident.mynumber_sealed, aad).decode()
