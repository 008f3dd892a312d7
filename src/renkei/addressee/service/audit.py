"""名寄せ duplicate candidates, and the one way to display a My Number: recorded with who, when and why."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.addressee import keys
from renkei.addressee.models import AddresseeAccessLog, AddresseePerson
from renkei.addressee.schemas import DuplicateGroup
from renkei.addressee.service.basis import require_basis
from renkei.addressee.service.people import _person
from renkei.core import clock
from renkei.core.errors import Invalid, NotFound
from renkei.core.settings import Settings


def duplicate_candidates(session: Session, *, limit: int = 1000) -> list[DuplicateGroup]:
    """名寄せ report: 統合宛名番号 that may be one person.

    Two rules: the same My Number on more than one number (certain duplicate), and the same kana name, birth
    date and sex on more than one number still in use (candidate to check by hand).
    """
    groups: list[DuplicateGroup] = []
    p = AddresseePerson
    same_number = (
        sa.select(p.mynumber_index)
        .where(p.mynumber_index.is_not(None))
        .group_by(p.mynumber_index)
        .having(sa.func.count() > 1)
        .limit(limit)
    )
    for index in session.scalars(same_number):
        rows = session.scalars(
            sa.select(p).where(p.mynumber_index == index).order_by(p.integrated_number)
        ).all()
        groups.append(
            DuplicateGroup(
                reason="同一個人番号",
                integrated_numbers=[r.integrated_number for r in rows],
                name_kana=rows[0].name_kana,
                birth_date=rows[0].birth_date,
            )
        )
    same_person = (
        sa.select(p.name_kana, p.birth_date, p.sex)
        .where(p.status == "active")
        .group_by(p.name_kana, p.birth_date, p.sex)
        .having(sa.func.count() > 1)
        .order_by(p.name_kana, p.birth_date)
        .limit(limit)
    )
    for kana, birth, sex in session.execute(same_person):
        numbers = session.scalars(
            sa.select(p.integrated_number)
            .where(p.status == "active", p.name_kana == kana, p.birth_date == birth, p.sex == sex)
            .order_by(p.integrated_number)
        ).all()
        groups.append(
            DuplicateGroup(
                reason="カナ氏名・生年月日・性別が一致",
                integrated_numbers=list(numbers),
                name_kana=kana,
                birth_date=birth,
            )
        )
    return groups


def reveal_mynumber(
    session: Session,
    *,
    integrated_number: str,
    staff_id: str,
    staff_name: str,
    reason: str,
    jimu_code: str,
    settings: Settings,
) -> str:
    """Open the sealed My Number for display, writing the access log (who, when, why) in the same transaction.

    `jimu_code` names the 事務 the number is shown for; without a basis on that day (別表第一 or a 条例 in force)
    the refusal is written to the log and raised as `Refused` (docs/decisions/0130).
    """
    if not reason.strip():
        raise Invalid("表示する理由を入力してください", field="理由")
    if len(reason.strip()) > 400:
        raise Invalid(
            f"表示する理由は400文字以内で入力してください（{len(reason.strip())}文字）",
            record=integrated_number,
            field="理由",
        )
    if not str(staff_id).strip():
        raise Invalid("職員が特定できません", field="staff_id")
    person = _person(session, integrated_number)
    require_basis(
        session,
        integrated_number=person.integrated_number,
        action="reveal_mynumber",
        jimu_code=jimu_code,
        system=None,
        staff_id=str(staff_id),
        staff_name=staff_name,
        reason=reason,
    )
    if person.mynumber_sealed is None:
        raise NotFound("個人番号が登録されていません", record=person.integrated_number, field="個人番号")
    number = keys.sealer(settings).decrypt(
        person.mynumber_sealed, keys.associated_data(person.integrated_number)
    )
    session.add(
        AddresseeAccessLog(
            integrated_number=person.integrated_number,
            action="reveal_mynumber",
            staff_id=str(staff_id),
            staff_name=staff_name,
            reason=reason.strip(),
            accessed_at=clock.now(),
        )
    )
    session.flush()
    return number.decode()


def access_log(
    session: Session, *, integrated_number: str | None = None, limit: int = 100
) -> list[AddresseeAccessLog]:
    stmt = sa.select(AddresseeAccessLog).order_by(AddresseeAccessLog.id.desc()).limit(limit)
    if integrated_number:
        stmt = stmt.where(AddresseeAccessLog.integrated_number == integrated_number)
    return list(session.scalars(stmt))
