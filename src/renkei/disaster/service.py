"""被災者支援 use cases (services flush, callers commit): declare, build the 台帳, assess, shelter, support, certify."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.disaster import pdf
from renkei.disaster.models import (
    DisasterCertificate,
    DisasterDisaster,
    DisasterHouse,
    DisasterShelter,
    DisasterStay,
    DisasterSupport,
    DisasterVictim,
)
from renkei.disaster.schemas import (
    CARE_REASONS,
    ELDERLY_AGE,
    INFANT_AGE,
    KINDS,
    STRUCTURES,
    SUPPORT_KINDS,
    UNSURVEYED,
    CertificateView,
    Declaration,
    DisasterView,
    HouseView,
    ShelterView,
    StayView,
    Summary,
    SupportView,
    VictimView,
    age_on,
    damage_level,
)
from renkei.residents import service as residents


def _get(session: Session, model: type, key: int, label: str, field: str) -> object:
    found = session.get(model, key)
    if found is None:
        raise NotFound(f"{label}が見つかりません", record=str(key), field=field)
    return found


def disaster(session: Session, *, disaster_id: int) -> DisasterView:
    return DisasterView.model_validate(_get(session, DisasterDisaster, disaster_id, "災害", "disaster_id"))


def disasters(session: Session) -> list[DisasterView]:
    rows = session.scalars(sa.select(DisasterDisaster).order_by(DisasterDisaster.occurred_on.desc()))
    return [DisasterView.model_validate(r) for r in rows]


def declare(session: Session, *, lg_code: str, declaration: Declaration, by: str) -> DisasterView:
    """Declare a disaster for an area (address prefixes); the same declaration again returns the first one."""
    lg_code = ids.validate_lg_code(lg_code)
    declaration = declaration.model_copy(update={"name": declaration.name.strip()})
    if not 1 <= len(declaration.name) <= 100:
        raise Invalid("災害名は1〜100文字で入力してください", record=declaration.name, field="名称")
    if declaration.kind not in KINDS:
        raise Invalid(
            f"災害の種別は {'・'.join(KINDS)} のいずれかです", record=declaration.name, field="種別"
        )
    areas = sorted({a.strip() for a in declaration.areas if a.strip()})
    if not areas:
        raise Invalid(
            "被災地域（住所の前方一致）を1つ以上指定してください", record=declaration.name, field="地域"
        )
    if declaration.occurred_on > clock.today():
        raise Invalid("発生日が未来の日付です", record=declaration.name, field="発生日")
    existing = session.scalar(
        sa.select(DisasterDisaster).where(
            DisasterDisaster.lg_code == lg_code, DisasterDisaster.name == declaration.name
        )
    )
    if existing is not None:
        if (existing.kind, existing.occurred_on, sorted(existing.areas)) != (
            declaration.kind,
            declaration.occurred_on,
            areas,
        ):
            raise Conflict("同じ名称の災害が別の内容で登録済みです", record=declaration.name, field="名称")
        return DisasterView.model_validate(existing)
    row = DisasterDisaster(
        lg_code=lg_code,
        name=declaration.name,
        kind=declaration.kind,
        occurred_on=declaration.occurred_on,
        areas=areas,
        declared_by=by,
        declared_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return DisasterView.model_validate(row)


def _age_reasons(born: dt.date, on: dt.date) -> list[str]:
    age = age_on(born, on)
    return ["高齢者"] if age >= ELDERLY_AGE else (["乳幼児"] if age < INFANT_AGE else [])


def build_ledger(session: Session, *, disaster_id: int) -> tuple[int, int]:
    """被災者台帳 from the register: everyone living in the area on it, one 住家 per address; answers (added
    persons, added houses). Running it again adds only people registered since (a safe retry)."""
    found = disaster(session, disaster_id=disaster_id)
    people = residents.residents_at(session, address_prefixes=found.areas)
    houses = {
        h.address: h.id
        for h in session.scalars(sa.select(DisasterHouse).where(DisasterHouse.disaster_id == disaster_id))
    }
    known = set(
        session.scalars(
            sa.select(DisasterVictim.resident_id).where(DisasterVictim.disaster_id == disaster_id)
        )
    )
    added_houses = 0
    for address in sorted({p.address for p in people} - set(houses)):
        house = DisasterHouse(disaster_id=disaster_id, address=address, damage_level=UNSURVEYED)
        session.add(house)
        session.flush()
        houses[address] = house.id
        added_houses += 1
    now = clock.now()
    added = [p for p in people if p.id not in known]
    for person in added:
        session.add(
            DisasterVictim(
                disaster_id=disaster_id,
                resident_id=person.id,
                house_id=houses[person.address],
                household_number=person.household_number,
                relationship=person.relationship,
                name=person.name,
                name_kana=person.name_kana,
                birth_date=person.birth_date,
                sex=person.sex,
                address=person.address,
                residence=None,
                phone=None,
                care_reasons=_age_reasons(person.birth_date, found.occurred_on),
                added_at=now,
            )
        )
    session.flush()
    return len(added), added_houses


def victims(session: Session, *, disaster_id: int, cared_only: bool = False) -> list[VictimView]:
    rows = session.scalars(
        sa.select(DisasterVictim)
        .where(DisasterVictim.disaster_id == disaster_id)
        .order_by(DisasterVictim.household_number, DisasterVictim.id)
    )
    views = [VictimView.model_validate(r) for r in rows]
    return [v for v in views if v.care_reasons] if cared_only else views


def victim(session: Session, *, victim_id: int) -> VictimView:
    return VictimView.model_validate(_get(session, DisasterVictim, victim_id, "被災者", "victim_id"))


def update_victim(
    session: Session,
    *,
    victim_id: int,
    care_reasons: list[str],
    phone: str | None = None,
    residence: str | None = None,
) -> VictimView:
    """要配慮者の事由, 電話番号 and 居所 (where the person actually stays) as the office learns them."""
    row = _get(session, DisasterVictim, victim_id, "被災者", "victim_id")
    assert isinstance(row, DisasterVictim)
    unknown = [r for r in care_reasons if r not in CARE_REASONS]
    if unknown:
        raise Invalid(
            f"要配慮者の事由は {'・'.join(CARE_REASONS)} から選んでください: {unknown[0]}",
            record=row.name,
            field="要配慮者に該当する事由",
        )
    if phone and not all(c.isdigit() or c == "-" for c in phone.strip()):
        raise Invalid("電話番号は数字とハイフンで書いてください", record=row.name, field="電話番号")
    row.care_reasons = [r for r in CARE_REASONS if r in care_reasons]
    row.phone = (phone or "").strip() or None
    row.residence = (residence or "").strip() or None
    session.flush()
    return VictimView.model_validate(row)


# --- 被災住家等台帳 --------------------------------------------------------------------------------------
def houses(session: Session, *, disaster_id: int) -> list[HouseView]:
    rows = session.scalars(
        sa.select(DisasterHouse)
        .where(DisasterHouse.disaster_id == disaster_id)
        .order_by(DisasterHouse.address)
    )
    return [HouseView.model_validate(r) for r in rows]


def assess(
    session: Session,
    *,
    house_id: int,
    structure: str,
    damage_ratio: int,
    surveyed_on: dt.date,
    surveyor: str,
    note: str | None = None,
) -> HouseView:
    """被害認定調査: the 損害割合 decides the 被害の程度; a second survey (再調査) replaces the first."""
    row = _get(session, DisasterHouse, house_id, "住家", "house_id")
    assert isinstance(row, DisasterHouse)
    if structure not in STRUCTURES:
        raise Invalid("構造は 木造 か 非木造 です", record=row.address, field="構造")
    if not 0 <= damage_ratio <= 100:
        raise Invalid("損害割合は0〜100（%）です", record=row.address, field="損害割合")
    if not surveyor.strip():
        raise Invalid("調査員を記入してください", record=row.address, field="調査員")
    if surveyed_on > clock.today():
        raise Invalid("調査日が未来の日付です", record=row.address, field="調査日")
    row.structure = structure
    row.damage_ratio = damage_ratio
    row.damage_level = damage_level(damage_ratio)
    row.surveyed_on = surveyed_on
    row.surveyor = surveyor.strip()
    row.note = (note or "").strip() or None
    session.flush()
    return HouseView.model_validate(row)


# --- shelters -------------------------------------------------------------------------------------------
def _present(session: Session, shelter_id: int) -> int:
    found = session.scalar(
        sa.select(sa.func.count())
        .select_from(DisasterStay)
        .where(DisasterStay.shelter_id == shelter_id, DisasterStay.left_at.is_(None))
    )
    return int(found or 0)


def open_shelter(
    session: Session, *, disaster_id: int, name: str, address: str, capacity: int
) -> ShelterView:
    disaster(session, disaster_id=disaster_id)
    if not name.strip():
        raise Invalid("避難所名を記入してください", field="避難所名")
    if capacity < 1:
        raise Invalid("収容人数は1以上です", record=name, field="収容人数")
    existing = session.scalar(
        sa.select(DisasterShelter).where(
            DisasterShelter.disaster_id == disaster_id, DisasterShelter.name == name
        )
    )
    if existing is None:
        existing = DisasterShelter(
            disaster_id=disaster_id,
            name=name.strip(),
            address=address.strip(),
            capacity=capacity,
            opened_at=clock.now(),
        )
        session.add(existing)
        session.flush()
    return ShelterView.model_validate(existing).model_copy(update={"present": _present(session, existing.id)})


def shelters(session: Session, *, disaster_id: int) -> list[ShelterView]:
    rows = session.scalars(
        sa.select(DisasterShelter)
        .where(DisasterShelter.disaster_id == disaster_id)
        .order_by(DisasterShelter.id)
    )
    return [
        ShelterView.model_validate(r).model_copy(update={"present": _present(session, r.id)}) for r in rows
    ]


def _current_stay(session: Session, victim_id: int) -> DisasterStay | None:
    return session.scalar(
        sa.select(DisasterStay).where(DisasterStay.victim_id == victim_id, DisasterStay.left_at.is_(None))
    )


def arrive(session: Session, *, shelter_id: int, victim_id: int) -> StayView:
    """入所: the person arrives; arriving again where they already are is a no-op, elsewhere is refused."""
    shelter = _get(session, DisasterShelter, shelter_id, "避難所", "shelter_id")
    person = _get(session, DisasterVictim, victim_id, "被災者", "victim_id")
    assert isinstance(shelter, DisasterShelter) and isinstance(person, DisasterVictim)
    if person.disaster_id != shelter.disaster_id:
        raise Invalid("この災害の被災者台帳にない方です", record=person.name, field="victim_id")
    if shelter.closed_at is not None:
        raise Conflict("閉鎖された避難所です", record=shelter.name, field="shelter_id")
    current = _current_stay(session, victim_id)
    if current is not None:
        if current.shelter_id == shelter_id:
            return StayView.model_validate(current)
        raise Conflict(
            "別の避難所に入所中です。先に退所を記録してください", record=person.name, field="shelter_id"
        )
    if _present(session, shelter_id) >= shelter.capacity:
        raise Conflict(
            f"避難所が満員です（収容人数 {shelter.capacity}人）", record=shelter.name, field="収容人数"
        )
    stay = DisasterStay(shelter_id=shelter_id, victim_id=victim_id, arrived_at=clock.now())
    session.add(stay)
    session.flush()
    return StayView.model_validate(stay)


def depart(session: Session, *, victim_id: int) -> StayView:
    """退所; a person not in any shelter is refused (nothing to record)."""
    current = _current_stay(session, victim_id)
    if current is None:
        raise Conflict("避難所に入所していない方です", record=str(victim_id), field="victim_id")
    current.left_at = clock.now()
    session.flush()
    return StayView.model_validate(current)


def where_sheltered(session: Session, *, disaster_id: int) -> dict[int, str]:
    """victim id → the shelter they are in now."""
    rows = session.execute(
        sa.select(DisasterStay.victim_id, DisasterShelter.name)
        .join(DisasterShelter, DisasterShelter.id == DisasterStay.shelter_id)
        .where(DisasterShelter.disaster_id == disaster_id, DisasterStay.left_at.is_(None))
    )
    return {int(v): str(n) for v, n in rows}


# --- 援護 -----------------------------------------------------------------------------------------------
def give_support(
    session: Session,
    *,
    victim_id: int,
    kind: str,
    item: str,
    quantity: int,
    given_on: dt.date,
    by: str,
    request_key: str,
) -> SupportView:
    """Record relief handed out, a 仮設住宅 allotted, money paid; the same request key again is a no-op."""
    person = _get(session, DisasterVictim, victim_id, "被災者", "victim_id")
    assert isinstance(person, DisasterVictim)
    if kind not in SUPPORT_KINDS:
        raise Invalid(
            f"援護の種類は {'・'.join(SUPPORT_KINDS.values())} です", record=person.name, field="種類"
        )
    if not item.strip():
        raise Invalid("品目・内容を記入してください", record=person.name, field="品目")
    if quantity < 1:
        raise Invalid("数量は1以上です", record=person.name, field="数量")
    key = request_key.strip() or hashlib.sha256(f"{victim_id}|{kind}|{item}|{given_on}".encode()).hexdigest()
    existing = session.scalar(sa.select(DisasterSupport).where(DisasterSupport.request_key == key))
    if existing is not None:
        return SupportView.model_validate(existing)
    row = DisasterSupport(
        disaster_id=person.disaster_id,
        victim_id=victim_id,
        kind=kind,
        item=item.strip(),
        quantity=quantity,
        request_key=key,
        given_on=given_on,
        given_by=by,
    )
    session.add(row)
    session.flush()
    return SupportView.model_validate(row)


def supports(session: Session, *, disaster_id: int) -> list[SupportView]:
    rows = session.scalars(
        sa.select(DisasterSupport)
        .where(DisasterSupport.disaster_id == disaster_id)
        .order_by(DisasterSupport.id)
    )
    return [SupportView.model_validate(r) for r in rows]


# --- 罹災証明書 -----------------------------------------------------------------------------------------
def issue_certificate(
    session: Session, *, victim_id: int, by: str, municipality: str
) -> tuple[CertificateView, bytes]:
    """罹災証明書 for a person of the 台帳, certifying the 被害の程度 of their 住家; needs a finished survey."""
    person = victim(session, victim_id=victim_id)
    house = _get(session, DisasterHouse, person.house_id, "住家", "house_id")
    assert isinstance(house, DisasterHouse)
    if house.damage_level == UNSURVEYED:
        raise Conflict(
            "住家の被害認定調査が済んでいないため罹災証明書を交付できません",
            record=house.address,
            field="被害の程度",
        )
    found = disaster(session, disaster_id=person.disaster_id)
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(DisasterCertificate)
        .where(DisasterCertificate.disaster_id == found.id)
    )
    number = f"D{found.id:03d}-{int(count or 0) + 1:06d}"
    today = clock.today()
    document = pdf.risai_certificate(
        number=number,
        disaster=found,
        victim=person,
        house=HouseView.model_validate(house),
        issued_on=today,
        municipality=municipality,
    )
    row = DisasterCertificate(
        disaster_id=found.id,
        number=number,
        victim_id=victim_id,
        house_id=house.id,
        damage_level=house.damage_level,
        issued_on=today,
        issued_by=by,
        pdf_sha256=hashlib.sha256(document).hexdigest(),
    )
    session.add(row)
    session.flush()
    return CertificateView.model_validate(row), document


def certificates(session: Session, *, disaster_id: int) -> list[CertificateView]:
    rows = session.scalars(
        sa.select(DisasterCertificate)
        .where(DisasterCertificate.disaster_id == disaster_id)
        .order_by(DisasterCertificate.id)
    )
    return [CertificateView.model_validate(r) for r in rows]


def summary(session: Session, *, disaster_id: int) -> Summary:
    found = disaster(session, disaster_id=disaster_id)
    people = victims(session, disaster_id=disaster_id)
    levels = Counter(h.damage_level for h in houses(session, disaster_id=disaster_id))
    return Summary(
        disaster=found,
        victims=len(people),
        households=len({p.household_number for p in people}),
        cared=sum(1 for p in people if p.care_reasons),
        houses_by_level=dict(levels),
        sheltered=len(where_sheltered(session, disaster_id=disaster_id)),
        certificates=len(certificates(session, disaster_id=disaster_id)),
    )
