"""統合宛名番号 assignment, links to business systems' 宛名番号, 住登外者, and lookups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.addressee import keys
from renkei.addressee.models import AddresseeLink, AddresseePerson
from renkei.addressee.schemas import SYSTEMS, AddresseeView, LinkView
from renkei.addressee.service.basis import REGISTER_SYSTEM, require_system_basis
from renkei.addressee.service.series import allocate, check_system
from renkei.core import clock, ids
from renkei.core.bulk import insert_rows, select_in
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.residents.schemas import Registered

INTEGRATED = "integrated"
_PEOPLE: sa.Table = AddresseePerson.__table__  # type: ignore[assignment]
_LINKS: sa.Table = AddresseeLink.__table__  # type: ignore[assignment]


def register_residents(session: Session, *, registered: Sequence[Registered], settings: Settings) -> int:
    """付番依頼 in bulk: a 統合宛名番号, the sealed My Number, its blind index and the 住基 link per resident.

    Residents already holding a 統合宛名番号 are skipped (safe to retry). Returns how many were assigned.
    """
    if not registered:
        return 0
    resident_ids = [r.resident_id for r in registered]
    known = {r[0] for r in select_in(session, _PEOPLE, ("resident_id",), "resident_id", resident_ids)}
    new = [r for r in registered if r.resident_id not in known]
    if not new:
        return 0
    numbers = [ids.format_atena(n) for n in allocate(session, INTEGRATED, len(new))]
    sealer = keys.sealer(settings)
    index_key = settings.secret("blind_index_key")
    now = clock.now()
    insert_rows(
        session,
        _PEOPLE,
        (
            "integrated_number",
            "resident_id",
            "kind",
            "name",
            "name_kana",
            "birth_date",
            "sex",
            "address",
            "mynumber_sealed",
            "mynumber_index",
            "status",
            "updated_at",
        ),
        [
            (
                number,
                r.resident_id,
                "resident",
                r.name,
                r.name_kana,
                r.birth_date,
                r.sex,
                r.address,
                sealer.encrypt(r.mynumber.encode(), keys.associated_data(number)),
                keys.fast_index(index_key, r.mynumber),
                "active",
                now,
            )
            for number, r in zip(numbers, new, strict=True)
        ],
    )
    insert_rows(
        session,
        _LINKS,
        ("system", "atena_number", "integrated_number"),
        [("juki", r.atena_number, number) for number, r in zip(numbers, new, strict=True)],
    )
    return len(new)


def register_non_resident(
    session: Session,
    *,
    system: str,
    name: str,
    name_kana: str,
    birth_date: dt.date,
    sex: str,
    address: str,
    mynumber: str | None = None,
    atena_number: str | None = None,
    jimu_code: str | None = None,
    settings: Settings,
) -> AddresseeView:
    """住登外者: someone a business system knows who is not on this register (e.g. taxed here, living elsewhere)."""
    check_system(system)
    if system == "juki":
        raise Invalid("住基の宛名番号は住民記録から付番されます", field="業務システム")
    for value, field in ((name, "氏名"), (name_kana, "氏名カナ"), (address, "住所")):
        if not value.strip():
            raise Invalid(f"{field}がありません", field=field)
    if sex not in ("1", "2"):
        raise Invalid("性別は 1（男）または 2（女）です", field="性別")
    # The system's use of the number needs a basis; checked (and a refusal kept) before anything is written.
    require_system_basis(session, integrated_number="", system=system, jimu_code=jimu_code)
    (number,) = [ids.format_atena(n) for n in allocate(session, INTEGRATED, 1)]
    person = AddresseePerson(
        integrated_number=number,
        resident_id=None,
        kind="non_resident",
        name=name.strip(),
        name_kana=name_kana.strip(),
        birth_date=birth_date,
        sex=sex,
        address=address.strip(),
        status="active",
        updated_at=clock.now(),
    )
    if mynumber:
        person.mynumber_sealed = keys.sealer(settings).encrypt(
            ids.validate_mynumber(mynumber).encode(), keys.associated_data(number)
        )
        person.mynumber_index = keys.index_of(settings, mynumber)
    session.add(person)
    session.flush()
    link_system(
        session, integrated_number=number, system=system, atena_number=atena_number, jimu_code=jimu_code
    )
    return get(session, integrated_number=number)


def link_system(
    session: Session,
    *,
    integrated_number: str,
    system: str,
    atena_number: str | None = None,
    jimu_code: str | None = None,
) -> str:
    """Link a business system's 宛名番号 (allocated from its series when not given); returns the 宛名番号.

    The system must run a 事務 with a legal basis today (`jimu_code`, or any of its 事務): otherwise the refusal is
    recorded and raised (番号法第9条; docs/decisions/0130).
    """
    check_system(system)
    person = _person(session, integrated_number)
    if system != REGISTER_SYSTEM:
        require_system_basis(
            session, integrated_number=person.integrated_number, system=system, jimu_code=jimu_code
        )
    if atena_number is None:
        if system == "juki":
            raise Invalid("住基の宛名番号は指定してください", field="宛名番号")
        (value,) = allocate(session, f"atena:{system}", 1)
        atena_number = ids.format_atena(value)
    atena = ids.validate_atena(atena_number)
    existing = session.scalar(
        sa.select(AddresseeLink).where(AddresseeLink.system == system, AddresseeLink.atena_number == atena)
    )
    if existing is not None:
        if existing.integrated_number != person.integrated_number:
            raise Conflict(
                f"{SYSTEMS[system]}の宛名番号 {atena} は別の統合宛名番号に紐付いています",
                record=atena,
                field="宛名番号",
            )
        return atena
    session.add(AddresseeLink(system=system, atena_number=atena, integrated_number=person.integrated_number))
    session.flush()
    return atena


def _person(session: Session, integrated_number: str) -> AddresseePerson:
    number = ids.validate_atena(integrated_number, field="統合宛名番号")
    person = session.get(AddresseePerson, number)
    if person is None:
        raise NotFound("統合宛名番号が見つかりません", record=number, field="統合宛名番号")
    return person


def _view(session: Session, person: AddresseePerson) -> AddresseeView:
    links = session.scalars(
        sa.select(AddresseeLink)
        .where(AddresseeLink.integrated_number == person.integrated_number)
        .order_by(AddresseeLink.id)
    )
    return AddresseeView(
        integrated_number=person.integrated_number,
        resident_id=person.resident_id,
        kind=person.kind,
        name=person.name,
        name_kana=person.name_kana,
        birth_date=person.birth_date,
        sex=person.sex,
        address=person.address,
        status=person.status,
        has_mynumber=person.mynumber_sealed is not None,
        links=[LinkView.model_validate(link) for link in links],
    )


def get(session: Session, *, integrated_number: str) -> AddresseeView:
    return _view(session, _person(session, integrated_number))


def find_by_atena(session: Session, *, system: str, atena: str) -> AddresseeView:
    """The person behind a business system's 宛名番号."""
    check_system(system)
    number = ids.validate_atena(atena)
    link = session.scalar(
        sa.select(AddresseeLink).where(AddresseeLink.system == system, AddresseeLink.atena_number == number)
    )
    if link is None:
        raise NotFound(f"{SYSTEMS[system]}の宛名番号に該当がありません", record=number, field="宛名番号")
    return get(session, integrated_number=link.integrated_number)


def integrated_numbers(
    session: Session, *, wanted: Sequence[tuple[str | None, str | None, str | None]]
) -> dict[tuple[str | None, str | None, str | None], str | Invalid | NotFound]:
    """`find_by_atena` and `get` for many people at once, with one query per business system and one for the
    統合宛名番号 named directly: for each (統合宛名番号, 業務システム, 宛名番号) its 統合宛名番号, or the error the
    single lookups would raise."""
    out: dict[tuple[str | None, str | None, str | None], str | Invalid | NotFound] = {}
    direct: dict[str, list[tuple[str | None, str | None, str | None]]] = {}
    by_system: dict[str, dict[str, list[tuple[str | None, str | None, str | None]]]] = {}
    for key in dict.fromkeys(wanted):
        integrated, system, atena = key
        try:
            if integrated:
                direct.setdefault(ids.validate_atena(integrated, field="統合宛名番号"), []).append(key)
                continue
            if not atena:
                raise Invalid("宛名番号か統合宛名番号を指定してください", field="宛名番号")
            if not system:
                raise Invalid("宛名番号の業務システムを指定してください", field="業務システム")
            check_system(system)
            by_system.setdefault(system, {}).setdefault(ids.validate_atena(atena), []).append(key)
        except Invalid as error:
            out[key] = error
    if direct:
        found = {
            r[0]
            for r in select_in(session, _PEOPLE, ("integrated_number",), "integrated_number", list(direct))
        }
        for number, keys_ in direct.items():
            for key in keys_:
                out[key] = (
                    number
                    if number in found
                    else NotFound("統合宛名番号が見つかりません", record=number, field="統合宛名番号")
                )
    for system, atenas in by_system.items():
        links = dict(
            select_in(
                session,
                _LINKS,
                ("atena_number", "integrated_number"),
                "atena_number",
                list(atenas),
                equal={"system": system},
            )
        )
        for atena, keys_ in atenas.items():
            for key in keys_:
                out[key] = links.get(atena) or NotFound(
                    f"{SYSTEMS[system]}の宛名番号に該当がありません", record=atena, field="宛名番号"
                )
    return out


def find_by_mynumber(session: Session, *, mynumber: str, settings: Settings) -> list[AddresseeView]:
    """People holding this My Number, found through the blind index (more than one is a 名寄せ case)."""
    index = keys.index_of(settings, mynumber)
    rows = session.scalars(
        sa.select(AddresseePerson)
        .where(AddresseePerson.mynumber_index == index)
        .order_by(AddresseePerson.integrated_number)
    )
    return [_view(session, p) for p in rows]


def integrated_number_of_resident(session: Session, *, resident_id: int) -> str:
    number = session.scalar(
        sa.select(AddresseePerson.integrated_number).where(AddresseePerson.resident_id == resident_id)
    )
    if number is None:
        raise NotFound("統合宛名番号が未付番の住民です", record=str(resident_id), field="resident_id")
    return number


def search(session: Session, *, query: str, limit: int = 50) -> list[AddresseeView]:
    """By name or kana (substring, spaces ignored), for the clerk's search box."""
    q = f"%{query.replace(' ', '').replace('　', '')}%"
    rows = session.scalars(
        sa.select(AddresseePerson)
        .where(
            sa.or_(
                sa.func.replace(AddresseePerson.name, "　", "").like(q),
                sa.func.replace(AddresseePerson.name_kana, "　", "").like(q),
            )
        )
        .order_by(AddresseePerson.integrated_number)
        .limit(min(max(limit, 1), 500))
    )
    return [_view(session, p) for p in rows]


def counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(AddresseePerson.kind, AddresseePerson.status, sa.func.count()).group_by(
            AddresseePerson.kind, AddresseePerson.status
        )
    )
    result = {"total": 0, "active_residents": 0, "non_residents": 0}
    for kind, status, n in rows:
        result["total"] += n
        if kind == "resident" and status == "active":
            result["active_residents"] += n
        if kind == "non_resident":
            result["non_residents"] += n
    return result
