"""住基ネット全国サーバ use cases: municipalities, 住民票コード pools, 付番, 本人確認情報 and 取得番号.

Every operation takes a whole batch, checks it completely before writing, and is safe to retry: registering
a 住民票コード that is already registered returns the number issued the first time.
"""

from __future__ import annotations

import os
import secrets
import struct
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.bulk import insert_rows, select_in
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.jukinet.models import (
    JukinetAcquisitionNumber,
    JukinetCodePool,
    JukinetIdentityChange,
    JukinetIssuedMynumber,
    JukinetJuminhyoCode,
    JukinetMunicipality,
    JukinetPerson,
)
from renkei.jukinet.numbering import NumberingKeys, derive_mynumber, mynumber_hash
from renkei.jukinet.places import municipality_names
from renkei.protocol.jukinet import Identity, IdentityChange, Municipality, Person
from renkei.protocol.jukinet_bulk import PersonRow

MAX_BATCH = 10_000
_CODES: sa.Table = JukinetJuminhyoCode.__table__  # type: ignore[assignment]
_PERSONS: sa.Table = JukinetPerson.__table__  # type: ignore[assignment]
_ISSUED: sa.Table = JukinetIssuedMynumber.__table__  # type: ignore[assignment]
_PERSON_COLUMNS = (
    "juminhyo_code",
    "lg_code",
    "request_key",
    "mynumber_sealed",
    "mynumber_hash",
    "name",
    "name_kana",
    "former_surname",
    "birth_date",
    "sex",
    "address",
    "status",
    "updated_at",
)
# SQLite allows 32,766 bound parameters per statement; IN lists are cut well below that.
_IN_CHUNK = 5_000
_STATUS_AFTER = {
    "move_out": "moving_out",
    "move_in": "active",
    "name_change": "active",
    "address_change": "active",
    "death": "deceased",
}


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]


# Largest multiple of 10**10 below 2**64: a draw at or above it is discarded, so every body is equally likely.
_BODY_LIMIT = (2**64 // 10**10) * 10**10


def _random_bodies(count: int) -> list[str]:
    """Up to `count` uniformly random 10-digit bodies from one read of the system CSPRNG (one syscall a batch,
    where `secrets.randbelow` made one per code)."""
    draws = struct.unpack(f"<{count}Q", os.urandom(8 * count))
    return [f"{d % 10**10:010d}" for d in draws if d < _BODY_LIMIT]


def _check_batch(size: int, field: str) -> None:
    if size > MAX_BATCH:
        raise Invalid(f"一度に扱える件数は{MAX_BATCH}件までです（{size}件）", field=field)


# --- municipalities --------------------------------------------------------------------------------
def register_municipality(session: Session, *, lg_code: str) -> Municipality:
    """Connect a municipality (its name comes from the national code list); registering again is a no-op."""
    lg_code = ids.validate_lg_code(lg_code)
    existing = session.get(JukinetMunicipality, lg_code)
    if existing is None:
        names = municipality_names().get(lg_code)
        if names is None:
            raise NotFound(f"全国地方公共団体コードに該当がありません: {lg_code}", field="地方公共団体コード")
        # Two first commands may register the same municipality at once: the second insert is a no-op.
        values = {"lg_code": lg_code, "prefecture": names[0], "city": names[1], "registered_at": clock.now()}
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(JukinetMunicipality).values(**values).on_conflict_do_nothing())
        existing = session.get(JukinetMunicipality, lg_code, populate_existing=True)
        assert existing is not None
    return Municipality(lg_code=existing.lg_code, prefecture=existing.prefecture, city=existing.city)


def municipality(session: Session, *, lg_code: str) -> Municipality:
    lg_code = ids.validate_lg_code(lg_code)
    found = session.get(JukinetMunicipality, lg_code)
    if found is None:
        raise NotFound(f"住基ネットに未登録の地方公共団体です: {lg_code}", field="地方公共団体コード")
    return Municipality(lg_code=found.lg_code, prefecture=found.prefecture, city=found.city)


def municipalities(session: Session) -> list[Municipality]:
    rows = session.scalars(sa.select(JukinetMunicipality).order_by(JukinetMunicipality.lg_code))
    return [Municipality(lg_code=m.lg_code, prefecture=m.prefecture, city=m.city) for m in rows]


# --- 住民票コード pools ----------------------------------------------------------------------------------
def issue_juminhyo_codes(session: Session, *, lg_code: str, count: int) -> list[str]:
    """Hand a municipality a pool of `count` fresh 住民票コード (10 random digits + 検査数字), recorded forever."""
    lg_code = municipality(session, lg_code=lg_code).lg_code
    if count < 1:
        raise Invalid("件数は1以上にしてください", field="count")
    _check_batch(count, "count")
    codes: set[str] = set()
    while len(codes) < count:
        fresh: set[str] = set()
        while len(fresh) < count - len(codes):
            for body in _random_bodies(count - len(codes) - len(fresh)):
                code = body + str(ids.juminhyo_check_digit(body))
                if code not in codes:
                    fresh.add(code)
        taken = {r[0] for r in select_in(session, _CODES, ("code",), "code", sorted(fresh))}
        codes |= fresh - taken
    pool = JukinetCodePool(lg_code=lg_code, size=count, issued_at=clock.now())
    session.add(pool)
    session.flush()
    ordered = sorted(codes)
    insert_rows(
        session,
        _CODES,
        ("code", "pool_id", "lg_code"),
        [(c, pool.id, lg_code) for c in ordered],
    )
    return ordered


# --- 付番 and 本人確認情報 --------------------------------------------------------------------------------
def register_persons(
    session: Session, *, lg_code: str, persons: Sequence[Person | PersonRow], keys: NumberingKeys
) -> list[tuple[str, str]]:
    """付番: issue a My Number for each person and record their 本人確認情報; answer (住民票コード, My Number) in order.

    Each 住民票コード must come from a pool handed to this municipality. A retry answers what was issued the
    first time: found by the 住民票コード, or by the request key when the municipality, having lost its side
    of the first attempt, asks again with a fresh code (that code then stays unused in its pool).
    """
    lg_code = municipality(session, lg_code=lg_code).lg_code
    _check_batch(len(persons), "persons")
    codes = [p.juminhyo_code for p in persons]
    if len(set(codes)) != len(codes):
        raise Invalid("同じ住民票コードが一つの依頼に重複しています", field="住民票コード")
    handed: dict[str, str] = dict(select_in(session, _CODES, ("code", "lg_code"), "code", codes))  # type: ignore[arg-type]
    registered: dict[str, bytes] = {
        code: bytes(blob)
        for code, blob in select_in(
            session, _PERSONS, ("juminhyo_code", "mynumber_sealed"), "juminhyo_code", codes
        )
    }
    for code in codes:
        if handed.get(code) != lg_code:
            raise Invalid(
                f"この団体に払い出されていない住民票コードです: {code}", record=code, field="住民票コード"
            )
    request_keys = [p.request_key for p in persons if p.request_key]
    if len(set(request_keys)) != len(request_keys):
        raise Invalid("同じ依頼キーが一つの依頼に重複しています", field="request_key")
    earlier: dict[str, tuple[str, bytes]] = {}
    for key, code, blob, owner in select_in(
        session,
        _PERSONS,
        ("request_key", "juminhyo_code", "mynumber_sealed", "lg_code"),
        "request_key",
        request_keys,
    ):
        if owner != lg_code:
            raise Conflict("依頼キーが他の団体の登録と重複しています", record=key, field="request_key")
        earlier[key] = (code, bytes(blob))
    sealer = keys.sealer()
    answers: dict[str, tuple[str, str]] = {
        code: (code, sealer.decrypt(blob, code.encode()).decode()) for code, blob in registered.items()
    }
    for person in persons:
        if person.request_key in earlier and person.juminhyo_code not in answers:
            code, blob = earlier[person.request_key]
            answers[person.juminhyo_code] = (code, sealer.decrypt(blob, code.encode()).decode())
    new = [p for p in persons if p.juminhyo_code not in answers]
    issued = _issue_numbers(session, [p.juminhyo_code for p in new], keys)
    now = clock.now()
    person_rows = []
    for person in new:
        code = person.juminhyo_code
        number, digest, _counter = issued[code]
        answers[code] = (code, number)
        person_rows.append(
            (
                code,
                lg_code,
                person.request_key,
                sealer.encrypt(number.encode(), code.encode()),
                digest,
                person.name,
                person.name_kana,
                person.former_surname,
                person.birth_date,
                person.sex,
                person.address,
                "active",
                now,
            )
        )
    insert_rows(
        session,
        _ISSUED,
        ("mynumber_hash", "juminhyo_code", "counter"),
        [(d, c, k) for c, (_n, d, k) in issued.items()],
    )
    insert_rows(session, _PERSONS, _PERSON_COLUMNS, person_rows)
    return [answers[c] for c in codes]


def _issue_numbers(
    session: Session, codes: list[str], keys: NumberingKeys
) -> dict[str, tuple[str, bytes, int]]:
    """Derive a number for each code that collides with nothing ever issued nor with each other."""
    result: dict[str, tuple[str, bytes, int]] = {}
    pending = dict.fromkeys(codes, 0)
    seen: set[bytes] = set()
    while pending:
        candidates = {}
        for code, counter in pending.items():
            number = derive_mynumber(keys.generation, code, counter)
            candidates[code] = (number, mynumber_hash(keys.hashing, number), counter)
        hashes = [c[1] for c in candidates.values()]
        taken = {
            bytes(r[0]) for r in select_in(session, _ISSUED, ("mynumber_hash",), "mynumber_hash", hashes)
        }
        retry: dict[str, int] = {}
        for code, (number, digest, counter) in candidates.items():
            if digest in taken or digest in seen:
                retry[code] = counter + 1
            else:
                seen.add(digest)
                result[code] = (number, digest, counter)
        pending = retry
    return result


def report_changes(session: Session, *, changes: Sequence[IdentityChange]) -> None:
    """Apply 異動 to 本人確認情報 and keep each as history; the same change reported twice is recorded once."""
    _check_batch(len(changes), "changes")
    now = clock.now()
    for change in changes:
        person = session.get(JukinetPerson, change.juminhyo_code)
        if person is None:
            raise NotFound(
                "住基ネットに登録のない住民票コードです", record=change.juminhyo_code, field="住民票コード"
            )
        lg_code = municipality(session, lg_code=change.lg_code).lg_code
        if change.kind != "move_in" and person.lg_code != lg_code:
            raise Conflict(
                "この団体の住民ではありません", record=change.juminhyo_code, field="地方公共団体コード"
            )
        status = _STATUS_AFTER[change.kind]
        if person.status == "deceased":
            raise Conflict("死亡により消除された方です", record=change.juminhyo_code)
        duplicate = session.scalar(
            sa.select(JukinetIdentityChange.id).where(
                JukinetIdentityChange.juminhyo_code == change.juminhyo_code,
                JukinetIdentityChange.kind == change.kind,
                JukinetIdentityChange.lg_code == lg_code,
                JukinetIdentityChange.effective_on == change.effective_on,
                JukinetIdentityChange.name == change.name,
                JukinetIdentityChange.address == change.address,
            )
        )
        if duplicate is not None:
            continue
        person.lg_code = lg_code
        person.name = change.name
        person.name_kana = change.name_kana
        person.former_surname = change.former_surname
        person.address = change.address
        person.status = status
        person.updated_at = now
        session.add(
            JukinetIdentityChange(
                juminhyo_code=change.juminhyo_code,
                kind=change.kind,
                lg_code=lg_code,
                effective_on=change.effective_on,
                name=change.name,
                name_kana=change.name_kana,
                former_surname=change.former_surname,
                address=change.address,
                status=status,
                recorded_at=now,
            )
        )
    session.flush()


def identity(session: Session, *, juminhyo_code: str) -> Identity:
    """本人確認情報 of one person with its change history (never the My Number)."""
    code = ids.validate_juminhyo_code(juminhyo_code)
    person = session.get(JukinetPerson, code)
    if person is None:
        raise NotFound("住基ネットに登録のない住民票コードです", record=code, field="住民票コード")
    history = session.scalars(
        sa.select(JukinetIdentityChange)
        .where(JukinetIdentityChange.juminhyo_code == code)
        .order_by(JukinetIdentityChange.id)
    )
    return Identity(
        juminhyo_code=person.juminhyo_code,
        lg_code=person.lg_code,
        name=person.name,
        name_kana=person.name_kana,
        former_surname=person.former_surname,
        birth_date=person.birth_date,
        sex=person.sex,  # type: ignore[arg-type]
        address=person.address,
        status=person.status,  # type: ignore[arg-type]
        history=[
            IdentityChange(
                juminhyo_code=h.juminhyo_code,
                kind=h.kind,  # type: ignore[arg-type]
                lg_code=h.lg_code,
                effective_on=h.effective_on,
                name=h.name,
                name_kana=h.name_kana,
                former_surname=h.former_surname,
                address=h.address,
            )
            for h in history
        ],
    )


# --- 取得番号 -------------------------------------------------------------------------------------------
def issue_acquisition_numbers(session: Session, *, lg_code: str, juminhyo_codes: Sequence[str]) -> list[str]:
    """One single-use 取得番号 per 住民票コード of this municipality's residents, same order."""
    lg_code = municipality(session, lg_code=lg_code).lg_code
    _check_batch(len(juminhyo_codes), "juminhyo_codes")
    owners: dict[str, str] = {}
    for part in _chunks(list(juminhyo_codes)):
        owners.update(
            session.execute(
                sa.select(JukinetPerson.juminhyo_code, JukinetPerson.lg_code).where(
                    JukinetPerson.juminhyo_code.in_(part)
                )
            ).all()
        )
    for code in juminhyo_codes:
        if owners.get(code) != lg_code:
            raise Invalid("この団体の住民として登録のない住民票コードです", record=code, field="住民票コード")
    now = clock.now()
    numbers = [secrets.token_hex(12).upper() for _ in juminhyo_codes]
    if numbers:
        session.connection().execute(
            sa.insert(JukinetAcquisitionNumber),
            [
                {"number": n, "juminhyo_code": c, "lg_code": lg_code, "issued_at": now}
                for n, c in zip(numbers, juminhyo_codes, strict=True)
            ],
        )
    return numbers


def resolve_acquisition_numbers(session: Session, *, acquisition_numbers: Sequence[str]) -> list[str]:
    """The 住民票コード behind each 取得番号, same order; each number works once."""
    _check_batch(len(acquisition_numbers), "acquisition_numbers")
    found: dict[str, JukinetAcquisitionNumber] = {}
    for part in _chunks(list(acquisition_numbers)):
        for row in session.scalars(
            sa.select(JukinetAcquisitionNumber).where(JukinetAcquisitionNumber.number.in_(part))
        ):
            found[row.number] = row
    for number in acquisition_numbers:
        hit = found.get(number)
        if hit is None:
            raise NotFound("取得番号が見つかりません", record=number, field="取得番号")
        if hit.used_at is not None:
            raise Conflict("この取得番号は使用済みです", record=number, field="取得番号")
    if len(set(acquisition_numbers)) != len(acquisition_numbers):
        raise Invalid("同じ取得番号が重複しています", field="取得番号")
    now = clock.now()
    for number in acquisition_numbers:
        found[number].used_at = now
    session.flush()
    return [found[n].juminhyo_code for n in acquisition_numbers]
