"""Putting people on the register: bulk registration (imports) and births, with 付番 through 住基ネット."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.bulk import insert_rows, select_in
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.jukinet_bulk import PersonRow
from renkei.residents import rules, sealing
from renkei.residents.models import ResidentsChange, ResidentsHousehold, ResidentsResident
from renkei.residents.schemas import Registered, ResidentRow, ResidentView
from renkei.residents.service.history import record_change, view

_IN_CHUNK = 5_000
_RESIDENTS: sa.Table = ResidentsResident.__table__  # type: ignore[assignment]
_HOUSEHOLDS: sa.Table = ResidentsHousehold.__table__  # type: ignore[assignment]
_RESIDENT_COLUMNS = (
    "lg_code",
    "atena_number",
    "household_id",
    "relationship",
    "surname",
    "given_name",
    "surname_kana",
    "given_name_kana",
    "birth_date",
    "sex",
    "postal_code",
    "address",
    "status",
    "resident_since",
    "juminhyo_sealed",
    "mynumber_sealed",
    "updated_at",
)


def _ids_of(session: Session, atenas: list[str]) -> dict[str, int]:
    return dict(select_in(session, _RESIDENTS, ("atena_number", "id"), "atena_number", atenas))  # type: ignore[arg-type]


def full_name(surname: str, given_name: str) -> str:
    """氏名 as the 住民票 prints it: 氏 and 名 separated by a full-width space."""
    return f"{surname}　{given_name}"


def ensure_households(session: Session, rows: Sequence[ResidentRow]) -> dict[str, int]:
    """世帯番号 → household id, creating the households not yet on the register (address of the first member)."""
    wanted: dict[str, str] = {}
    for row in rows:
        wanted.setdefault(row.household_number, row.address)
    numbers = list(wanted)
    found: dict[str, int] = dict(
        select_in(session, _HOUSEHOLDS, ("household_number", "id"), "household_number", numbers)  # type: ignore[arg-type]
    )
    missing = [n for n in numbers if n not in found]
    if missing:
        # One executemany and one lookup: INSERT … RETURNING in parameter order ran a statement per household.
        insert_rows(session, _HOUSEHOLDS, ("household_number", "address"), [(n, wanted[n]) for n in missing])
        found.update(select_in(session, _HOUSEHOLDS, ("household_number", "id"), "household_number", missing))  # type: ignore[arg-type]
    return found


def register_residents(
    session: Session,
    *,
    lg_code: str,
    rows: Sequence[ResidentRow],
    jukinet: JukinetClient,
    settings: Settings,
) -> list[Registered]:
    """Register a batch: 住民票コード from a fresh pool, My Numbers from 住基ネット, then the register rows.

    Rows whose 宛名番号 is already on the register are skipped, so importing the same file twice changes
    nothing. Returns the newly registered, each with its My Number, for the addressee to take in memory.
    """
    lg_code = ids.validate_lg_code(lg_code)
    new = not_yet_registered(session, rows)
    if not new:
        return []
    return store_numbered(
        session, lg_code=lg_code, numbered=request_numbers(lg_code, new, jukinet), settings=settings
    )


@dataclass(frozen=True, slots=True)
class NumberedRows:
    """Rows of a batch with the 住民票コード and My Number 住基ネット answered for each (same order)."""

    rows: list[ResidentRow]
    codes: list[str]
    mynumbers: list[str]


def not_yet_registered(session: Session, rows: Sequence[ResidentRow]) -> list[ResidentRow]:
    """The rows whose 宛名番号 is not on the register yet (a batch must not repeat a 宛名番号)."""
    atenas = [r.atena_number for r in rows]
    if len(set(atenas)) != len(atenas):
        raise Invalid("同じ宛名番号が重複しています", field="宛名番号")
    existing = set(_ids_of(session, atenas))
    return [r for r in rows if r.atena_number not in existing]


def request_numbers(lg_code: str, rows: Sequence[ResidentRow], jukinet: JukinetClient) -> NumberedRows:
    """付番 for a batch not yet on the register: a fresh 住民票コード pool, then one compact 付番 call.

    Touches no municipal table, so an import can run it for the next chunk while this one is stored. A retry
    (same 宛名番号, hence the same request key) gets the first attempt's code and number back."""
    new = list(rows)
    codes = jukinet.issue_juminhyo_codes(lg_code, len(new))
    numbered = jukinet.register_person_rows(
        lg_code,
        [
            PersonRow(
                code,
                f"{r.surname}　{r.given_name}",
                f"{r.surname_kana}　{r.given_name_kana}",
                None,
                r.birth_date,
                r.sex,  # type: ignore[arg-type]
                r.address,
                f"{lg_code}:{r.atena_number}",
            )
            for r, code in zip(new, codes, strict=True)
        ],
    )
    return NumberedRows(new, [c for c, _ in numbered], [n for _, n in numbered])


def store_numbered(
    session: Session, *, lg_code: str, numbered: NumberedRows, settings: Settings
) -> list[Registered]:
    """Write numbered rows onto the register (households first) in the session's transaction."""
    new, codes, mynumbers = numbered.rows, numbered.codes, numbered.mynumbers
    if not new:
        return []
    households = ensure_households(session, new)
    sealer = sealing.sealer(settings)
    aad = sealing.associated_data
    now = clock.now()
    insert_rows(
        session,
        _RESIDENTS,
        _RESIDENT_COLUMNS,
        [
            (
                lg_code,
                r.atena_number,
                households[r.household_number],
                r.relationship,
                r.surname,
                r.given_name,
                r.surname_kana,
                r.given_name_kana,
                r.birth_date,
                r.sex,
                r.postal_code,
                r.address,
                "active",
                r.resident_since,
                sealer.encrypt(code.encode(), aad(lg_code, r.atena_number, "juminhyo")),
                sealer.encrypt(number.encode(), aad(lg_code, r.atena_number, "mynumber")),
                now,
            )
            for r, code, number in zip(new, codes, mynumbers, strict=True)
        ],
    )
    ids_by_atena = _ids_of(session, [r.atena_number for r in new])
    return [
        Registered(
            resident_id=ids_by_atena[r.atena_number],
            atena_number=r.atena_number,
            name=f"{r.surname}　{r.given_name}",
            name_kana=f"{r.surname_kana}　{r.given_name_kana}",
            birth_date=r.birth_date,
            sex=r.sex,
            address=r.address,
            mynumber=number,
        )
        for r, number in zip(new, mynumbers, strict=True)
    ]


# What makes two rows the same person: a 宛名番号 already on the register with other identity data is a
# different person (or an unapplied change), never "already registered".
IDENTITY_FIELDS = (
    ("surname", "氏"),
    ("given_name", "名"),
    ("surname_kana", "氏カナ"),
    ("given_name_kana", "名カナ"),
    ("birth_date", "生年月日"),
    ("sex", "性別"),
    ("address", "住所"),
)


def identity_text(person: ResidentRow | ResidentsResident) -> str:
    """One person's identity data as a clerk reads it: 山田　太郎（ヤマダ　タロウ） 1980-04-01 男 東京都…."""
    sex = {"1": "男", "2": "女"}.get(person.sex, person.sex)
    name = full_name(person.surname, person.given_name)
    kana = full_name(person.surname_kana, person.given_name_kana)
    return f"{name}（{kana}） {person.birth_date.isoformat()} {sex} {person.address}"


def find_conflicts(session: Session, rows: Sequence[ResidentRow]) -> dict[str, tuple[list[str], str]]:
    """宛名番号 → (the fields that differ, the register's version) for rows already registered differently."""
    existing = list(_ids_of(session, [r.atena_number for r in rows]).values())
    if not existing:  # the usual case of a first import: one cheap look-up, nothing to compare
        return {}
    stored = {
        row.atena_number: row
        for row in session.scalars(sa.select(ResidentsResident).where(ResidentsResident.id.in_(existing)))
    }
    found: dict[str, tuple[list[str], str]] = {}
    for r in rows:
        old = stored.get(r.atena_number)
        if old is None:
            continue
        differ = [label for f, label in IDENTITY_FIELDS if getattr(old, f) != getattr(r, f)]
        if differ and not _was_once(session, old, r):
            found[r.atena_number] = (differ, identity_text(old))
    return found


def _was_once(session: Session, resident: ResidentsResident, row: ResidentRow) -> bool:
    """The row is the resident as registered before a recorded 異動 (an old file imported again)."""
    wanted = {
        "name": full_name(row.surname, row.given_name),
        "name_kana": full_name(row.surname_kana, row.given_name_kana),
        "birth_date": row.birth_date.isoformat(),
        "sex": row.sex,
        "address": row.address,
    }
    befores = session.scalars(
        sa.select(ResidentsChange.before).where(ResidentsChange.resident_id == resident.id)
    )
    return any(b and all(b.get(k) == v for k, v in wanted.items()) for b in befores)


def next_atena_number(session: Session) -> str:
    """The next 住基 宛名番号 for someone registered here for the first time (birth, move-in)."""
    highest = session.scalar(sa.select(sa.func.max(ResidentsResident.atena_number)))
    return ids.format_atena(int(highest or 0) + 1)


def record_birth(
    session: Session,
    *,
    parent_id: int,
    given_name: str,
    given_name_kana: str,
    birth_date: dt.date,
    sex: str,
    notified_on: dt.date | None = None,
    jukinet: JukinetClient,
    settings: Settings,
) -> ResidentView:
    """出生届: the child joins the parent's household as 子, takes the parent's 氏, and gets a My Number."""
    parent = session.get(ResidentsResident, parent_id)
    if parent is None:
        raise NotFound("親の住民が見つかりません", record=str(parent_id), field="parent_id")
    if parent.status != "active":
        raise Conflict("親が住民ではありません（転出または死亡）", record=str(parent_id), field="parent_id")
    if sex not in ("1", "2"):
        raise Invalid("性別は 1（男）または 2（女）です", field="性別")
    today = clock.today()
    rules.happened(birth_date, today=today, what="生年月日", field="生年月日", record=parent.atena_number)
    if notified_on is not None:
        rules.happened(notified_on, today=today, what="届出日", field="届出日", record=parent.atena_number)
        if birth_date > notified_on:
            raise Invalid("生年月日が届出日より後です", record=parent.atena_number, field="生年月日")
    if birth_date <= parent.birth_date:
        raise Invalid("生年月日が親の生年月日より前です", record=parent.atena_number, field="生年月日")
    household = session.get(ResidentsHousehold, parent.household_id)
    assert household is not None
    row = ResidentRow(
        atena_number=next_atena_number(session),
        household_number=household.household_number,
        relationship="子",
        surname=parent.surname,
        given_name=given_name.strip(),
        surname_kana=parent.surname_kana,
        given_name_kana=given_name_kana.strip(),
        birth_date=birth_date,
        sex=sex,
        postal_code=parent.postal_code,
        address=parent.address,
        resident_since=birth_date,
    )
    (registered,) = register_residents(
        session, lg_code=parent.lg_code, rows=[row], jukinet=jukinet, settings=settings
    )
    child = session.get(ResidentsResident, registered.resident_id)
    assert child is not None
    record_change(
        session,
        child,
        kind="birth",
        notified_on=notified_on or clock.today(),
        effective_on=birth_date,
        before=None,
    )
    return view(session, child)
