"""異動 after registration: move out and in (転出・転入), name change with 旧氏, 転居, death.

Each is reported to 住基ネット (本人確認情報), kept as history and announced through the outbox, all within the
caller's transaction on the municipal side; jukinet's own transaction makes a retried report a no-op.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.protocol.jukinet import ChangeKind, IdentityChange, JukinetClient
from renkei.residents import rules, sealing
from renkei.residents.models import ResidentsHousehold, ResidentsResident
from renkei.residents.schemas import ResidentView, TransferCertificate
from renkei.residents.service.history import kana_of, name_of, record_change, snapshot, view
from renkei.residents.service.registration import next_atena_number


def active_resident(session: Session, resident_id: int) -> ResidentsResident:
    resident = session.get(ResidentsResident, resident_id)
    if resident is None:
        raise NotFound("住民が見つかりません", record=str(resident_id), field="resident_id")
    if resident.status != "active":
        raise Conflict(
            f"この方は住民ではありません（{resident.status}）", record=str(resident_id), field="resident_id"
        )
    return resident


def juminhyo_code_of(resident: ResidentsResident, settings: Settings) -> str:
    aad = sealing.associated_data(resident.lg_code, resident.atena_number, "juminhyo")
    return sealing.sealer(settings).decrypt(resident.juminhyo_sealed, aad).decode()


def _report(
    resident: ResidentsResident,
    kind: ChangeKind,
    effective_on: dt.date,
    jukinet: JukinetClient,
    settings: Settings,
) -> None:
    jukinet.report_changes(
        [
            IdentityChange(
                juminhyo_code=juminhyo_code_of(resident, settings),
                kind=kind,
                lg_code=resident.lg_code,
                effective_on=effective_on,
                name=name_of(resident),
                name_kana=kana_of(resident),
                former_surname=resident.former_surname,
                address=resident.address,
            )
        ]
    )


def _dates(
    notified_on: dt.date | None,
    effective_on: dt.date | None,
    *,
    planned: bool = False,
    what: str = "異動日",
    record: str | None = None,
) -> tuple[dt.date, dt.date]:
    """(届出日, 異動日) checked against today: a 転出 is planned ahead (`planned`), every other 異動 has happened."""
    today = clock.today()
    notified = notified_on or today
    effective = effective_on or notified
    rules.happened(notified, today=today, what="届出日", field="届出日", record=record)
    if planned:
        rules.planned_move_out(effective, today=today, record=record)
    else:
        field = "死亡日" if what == "死亡日" else "異動日"
        rules.happened(effective, today=today, what=what, field=field, record=record)
        if effective > notified:
            raise Invalid(
                f"{what}（{effective.isoformat()}）が届出日（{notified.isoformat()}）より後です",
                record=record,
                field=field,
            )
    return notified, effective


def move_out(
    session: Session,
    *,
    resident_id: int,
    destination_lg_code: str,
    notified_on: dt.date | None = None,
    effective_on: dt.date | None = None,
    jukinet: JukinetClient,
    settings: Settings,
) -> TransferCertificate:
    """転出届: remove the resident from this register and hand back the 転出証明 for the destination."""
    destination = ids.validate_lg_code(destination_lg_code, field="転出先団体コード")
    resident = active_resident(session, resident_id)
    if destination == resident.lg_code:
        raise Invalid("転出先が同じ団体です（転居として届け出てください）", field="転出先団体コード")
    jukinet.municipality(destination)
    notified, effective = _dates(notified_on, effective_on, planned=True, record=resident.atena_number)
    before = snapshot(resident)
    resident.status = "moved_out"
    resident.removed_on = effective
    _report(resident, "move_out", effective, jukinet, settings)
    record_change(
        session, resident, kind="move_out", notified_on=notified, effective_on=effective, before=before
    )
    aad = sealing.associated_data(resident.lg_code, resident.atena_number, "mynumber")
    return TransferCertificate(
        lg_code=resident.lg_code,
        resident_id=resident.id,
        juminhyo_code=juminhyo_code_of(resident, settings),
        mynumber=sealing.sealer(settings).decrypt(resident.mynumber_sealed, aad).decode(),
        surname=resident.surname,
        given_name=resident.given_name,
        surname_kana=resident.surname_kana,
        given_name_kana=resident.given_name_kana,
        former_surname=resident.former_surname,
        birth_date=resident.birth_date,
        sex=resident.sex,
        destination_lg_code=destination,
        moved_out_on=effective,
    )


def move_in(
    session: Session,
    *,
    lg_code: str,
    certificate: TransferCertificate,
    postal_code: str,
    address: str,
    household_number: str | None = None,
    relationship: str = "世帯主",
    notified_on: dt.date | None = None,
    effective_on: dt.date | None = None,
    jukinet: JukinetClient,
    settings: Settings,
) -> ResidentView:
    """転入届 with the 転出証明: the same 住民票コード and My Number continue here (a new 宛名番号, a new row).

    Without `household_number` the person forms a new household as its 世帯主. Presenting the same
    certificate again returns the resident already registered.
    """
    lg_code = ids.validate_lg_code(lg_code)
    if certificate.destination_lg_code != lg_code:
        raise Invalid("転出証明の転出先がこの団体ではありません", field="転出先団体コード")
    if not address.strip():
        raise Invalid("住所がありません", field="住所")
    postal_code = rules.check_in_municipality(postal_code, address, lg_code=lg_code)
    already = session.scalar(
        sa.select(ResidentsResident).where(
            ResidentsResident.previous_lg_code == certificate.lg_code,
            ResidentsResident.previous_resident_id == certificate.resident_id,
        )
    )
    if already is not None:
        return view(session, already)
    notified, effective = _dates(notified_on, effective_on)
    atena = next_atena_number(session)
    if household_number is None:
        highest = session.scalar(sa.select(sa.func.max(ResidentsHousehold.household_number)))
        household_number = f"{int(highest or 0) + 1:010d}"
        relationship = "世帯主"
    household = session.scalar(
        sa.select(ResidentsHousehold).where(ResidentsHousehold.household_number == household_number)
    )
    if household is None:
        household = ResidentsHousehold(household_number=household_number, address=address.strip())
        session.add(household)
        session.flush()
    sealer = sealing.sealer(settings)
    resident = ResidentsResident(
        lg_code=lg_code,
        atena_number=atena,
        household_id=household.id,
        relationship=relationship,
        surname=certificate.surname,
        given_name=certificate.given_name,
        surname_kana=certificate.surname_kana,
        given_name_kana=certificate.given_name_kana,
        former_surname=certificate.former_surname,
        birth_date=certificate.birth_date,
        sex=certificate.sex,
        postal_code=postal_code,
        address=address.strip(),
        status="active",
        resident_since=effective,
        removed_on=None,
        juminhyo_sealed=sealer.encrypt(
            certificate.juminhyo_code.encode(), sealing.associated_data(lg_code, atena, "juminhyo")
        ),
        mynumber_sealed=sealer.encrypt(
            certificate.mynumber.encode(), sealing.associated_data(lg_code, atena, "mynumber")
        ),
        previous_lg_code=certificate.lg_code,
        previous_resident_id=certificate.resident_id,
        updated_at=clock.now(),
    )
    session.add(resident)
    session.flush()
    _report(resident, "move_in", effective, jukinet, settings)
    record_change(
        session, resident, kind="move_in", notified_on=notified, effective_on=effective, before=None
    )
    return view(session, resident)


def change_name(
    session: Session,
    *,
    resident_id: int,
    surname: str,
    surname_kana: str,
    keep_former_surname: bool = True,
    notified_on: dt.date | None = None,
    effective_on: dt.date | None = None,
    jukinet: JukinetClient,
    settings: Settings,
) -> ResidentView:
    """氏の変更 (marriage, divorce …); with `keep_former_surname` the old 氏 is recorded as 旧氏."""
    resident = active_resident(session, resident_id)
    if not surname.strip() or not surname_kana.strip():
        raise Invalid("新しい氏と氏カナを入力してください", field="氏")
    if surname.strip() == resident.surname:
        raise Invalid("氏が変わっていません", field="氏")
    notified, effective = _dates(notified_on, effective_on, record=resident.atena_number)
    before = snapshot(resident)
    if keep_former_surname:
        resident.former_surname = resident.surname
    resident.surname = surname.strip()
    resident.surname_kana = surname_kana.strip()
    _report(resident, "name_change", effective, jukinet, settings)
    record_change(
        session, resident, kind="name_change", notified_on=notified, effective_on=effective, before=before
    )
    return view(session, resident)


def change_address(
    session: Session,
    *,
    resident_id: int,
    postal_code: str,
    address: str,
    notified_on: dt.date | None = None,
    effective_on: dt.date | None = None,
    jukinet: JukinetClient,
    settings: Settings,
) -> ResidentView:
    """転居 within the municipality: the new address must be inside it (another municipality is a 転出)."""
    resident = active_resident(session, resident_id)
    if not address.strip():
        raise Invalid("住所がありません", field="住所")
    postal_code = rules.check_in_municipality(
        postal_code, address, lg_code=resident.lg_code, record=resident.atena_number
    )
    notified, effective = _dates(notified_on, effective_on, record=resident.atena_number)
    before = snapshot(resident)
    resident.address = address.strip()
    resident.postal_code = postal_code
    _report(resident, "address_change", effective, jukinet, settings)
    record_change(
        session, resident, kind="address_change", notified_on=notified, effective_on=effective, before=before
    )
    return view(session, resident)


def record_death(
    session: Session,
    *,
    resident_id: int,
    died_on: dt.date,
    notified_on: dt.date | None = None,
    jukinet: JukinetClient,
    settings: Settings,
) -> ResidentView:
    """死亡届: the resident is removed (消除) as of the date of death."""
    resident = active_resident(session, resident_id)
    notified, effective = _dates(notified_on, died_on, what="死亡日", record=resident.atena_number)
    if died_on < resident.birth_date:
        raise Invalid("死亡日が生年月日より前です", field="死亡日")
    before = snapshot(resident)
    resident.status = "deceased"
    resident.removed_on = died_on
    _report(resident, "death", died_on, jukinet, settings)
    record_change(
        session, resident, kind="death", notified_on=notified, effective_on=effective, before=before
    )
    return view(session, resident)
