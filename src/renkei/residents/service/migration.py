"""Moving the register between vendors: every resident and household out, and back in with the same numbers.

Used by the 中間標準レイアウト migration in `renkei.connectors.migration` (decision 0074). The My Number and
住民票コード leave this module only in memory, for the caller to seal at once for the migration file; restoring seals
them again under this node's own key, bound to the row as every other resident is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.errors import Conflict, Invalid
from renkei.core.settings import Settings
from renkei.residents import sealing
from renkei.residents.models import ResidentsChange, ResidentsHousehold, ResidentsResident
from renkei.residents.schemas import REASON_CODES, STATUS_LABELS

STATUSES = tuple(STATUS_LABELS)


@dataclasses.dataclass(frozen=True)
class MigrationResident:
    """One register row as the migration carries it (numbers in clear, in memory only)."""

    atena_number: str
    household_number: str
    household_address: str
    relationship: str
    surname: str
    given_name: str
    surname_kana: str
    given_name_kana: str
    former_surname: str
    birth_date: dt.date
    sex: str
    postal_code: str
    address: str
    status: str
    resident_since: dt.date
    removed_on: dt.date | None
    previous_lg_code: str
    mynumber: str
    juminhyo_code: str
    resident_id: int = 0  # this node's row id (export only: it joins the 統合宛名 to the 宛名番号)


def export_residents(session: Session, *, settings: Settings) -> list[MigrationResident]:
    """Every row of the register (current and removed), in 宛名番号 order."""
    households = {h.id: h for h in session.scalars(sa.select(ResidentsHousehold))}
    sealer = sealing.sealer(settings)
    out = []
    for r in session.scalars(sa.select(ResidentsResident).order_by(ResidentsResident.atena_number)):
        household = households[r.household_id]

        def opened(field: str, blob: bytes, r: ResidentsResident = r) -> str:
            return sealer.decrypt(blob, sealing.associated_data(r.lg_code, r.atena_number, field)).decode()

        out.append(
            MigrationResident(
                atena_number=r.atena_number, household_number=household.household_number,
                household_address=household.address, relationship=r.relationship, surname=r.surname,
                given_name=r.given_name, surname_kana=r.surname_kana, given_name_kana=r.given_name_kana,
                former_surname=r.former_surname or "", birth_date=r.birth_date, sex=r.sex, postal_code=r.postal_code,
                address=r.address, status=r.status, resident_since=r.resident_since, removed_on=r.removed_on,
                previous_lg_code=r.previous_lg_code or "", mynumber=opened("mynumber", r.mynumber_sealed),
                juminhyo_code=opened("juminhyo", r.juminhyo_sealed), resident_id=r.id,
            )
        )  # fmt: skip
    return out


def restore_residents(
    session: Session, *, lg_code: str, rows: Sequence[MigrationResident], settings: Settings
) -> dict[str, int]:
    """Insert the rows into an empty register with their own 宛名番号, 世帯番号 and numbers; returns 宛名番号 → id.

    Refuses a register that already holds anyone (a migration starts from a fresh node), and any row whose My Number
    or 住民票コード fails its check digit.
    """
    lg_code = ids.validate_lg_code(lg_code)
    if session.scalar(sa.select(sa.func.count()).select_from(ResidentsResident)):
        raise Conflict("移行先の住民記録が空ではありません（移行は新しいノードに行います）", field="住民記録")
    sealer = sealing.sealer(settings)
    households: dict[str, ResidentsHousehold] = {}
    now = clock.now()
    created = []
    for row in rows:
        record = f"住民 {row.atena_number}"
        ids.validate_mynumber(row.mynumber)
        ids.validate_juminhyo_code(row.juminhyo_code)
        if row.status not in STATUSES:
            raise Invalid(
                f"状態は {' / '.join(STATUSES)} です（入力値: {row.status!r}）", record=record, field="状態"
            )
        household = households.get(row.household_number)
        if household is None:
            household = ResidentsHousehold(
                household_number=row.household_number, address=row.household_address
            )
            session.add(household)
            households[row.household_number] = household

        def sealed(field: str, value: str, row: MigrationResident = row) -> bytes:
            return sealer.encrypt(value.encode(), sealing.associated_data(lg_code, row.atena_number, field))

        resident = ResidentsResident(
            lg_code=lg_code, atena_number=row.atena_number, relationship=row.relationship, surname=row.surname,
            given_name=row.given_name, surname_kana=row.surname_kana, given_name_kana=row.given_name_kana,
            former_surname=row.former_surname or None, birth_date=row.birth_date, sex=row.sex,
            postal_code=row.postal_code, address=row.address, status=row.status, resident_since=row.resident_since,
            removed_on=row.removed_on, juminhyo_sealed=sealed("juminhyo", row.juminhyo_code),
            mynumber_sealed=sealed("mynumber", row.mynumber), previous_lg_code=row.previous_lg_code or None,
            updated_at=now,
        )  # fmt: skip
        resident.household_id = 0  # set below once the household has its id
        created.append((resident, household))
    session.flush()
    for resident, household in created:
        resident.household_id = household.id
        session.add(resident)
    session.flush()
    return {resident.atena_number: resident.id for resident, _ in created}


@dataclasses.dataclass(frozen=True)
class MigrationChange:
    """One 異動 of the history as the migration carries it (no number is ever part of a change)."""

    atena_number: str
    kind: str
    reason_code: str  # 異動事由コード (decision 0013)
    notified_on: dt.date
    effective_on: dt.date
    before: dict[str, Any] | None
    after: dict[str, Any]
    recorded_at: dt.datetime


def export_changes(session: Session) -> list[MigrationChange]:
    """The whole 異動 history, oldest first."""
    rows = session.execute(
        sa.select(ResidentsChange, ResidentsResident.atena_number)
        .join(ResidentsResident, ResidentsResident.id == ResidentsChange.resident_id)
        .order_by(ResidentsChange.id)
    )
    return [
        MigrationChange(
            atena_number=atena,
            kind=c.kind,
            reason_code=c.reason_code,
            notified_on=c.notified_on,
            effective_on=c.effective_on,
            before=c.before,
            after=c.after,
            recorded_at=c.recorded_at,
        )
        for c, atena in rows
    ]


def restore_changes(
    session: Session, *, rows: Sequence[MigrationChange], resident_ids: Mapping[str, int]
) -> int:
    """Put the history back beside the restored register, as it was (no 異動 is announced again: the consumers
    were restored from the same package)."""
    for row in rows:
        record = f"異動 {row.atena_number}"
        if row.atena_number not in resident_ids:
            raise Invalid("住民記録にない宛名番号の異動です", record=record, field="宛名番号")
        if REASON_CODES.get(row.kind) != row.reason_code:
            raise Invalid(
                f"異動事由コード {row.reason_code!r} は異動の種類 {row.kind!r} と一致しません",
                record=record,
                field="異動事由コード",
            )
        session.add(
            ResidentsChange(
                resident_id=resident_ids[row.atena_number],
                kind=row.kind,
                reason_code=row.reason_code,
                notified_on=row.notified_on,
                effective_on=row.effective_on,
                before=row.before,
                after=row.after,
                recorded_at=row.recorded_at,
            )
        )
    session.flush()
    return len(rows)
