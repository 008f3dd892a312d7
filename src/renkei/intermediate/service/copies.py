"""副本登録: copies validated against the data standard layout, stored by 統合宛名番号, idempotent on record id.

An entry whose レコード識別番号 is already stored with the same content changes nothing (a retried file is safe);
with different content it is refused with the real message 「「レコード識別番号」が既に存在しています。」.
Entries are handled in chunks with set-based reads and bulk writes, so memory stays flat in the file size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.bulk import insert_rows, select_in, sparse_collections
from renkei.core.errors import BatchRejected, Conflict, Invalid, NotFound, RenkeiError
from renkei.intermediate.models import IntermediateCopy
from renkei.intermediate.schemas import SEGMENT_DELETE, CopyInput, RegistrationSummary
from renkei.intermediate.service import people
from renkei.intermediate.service.layout import validate_copy
from renkei.protocol.signing import canonical_json

DUPLICATE_RECORD_ID = "「レコード識別番号」が既に存在しています。"
OnError = Literal["abort", "skip"]
CHUNK = 2000
COPY = sa.table("intermediate_copy", *[sa.column(c.name, c.type) for c in IntermediateCopy.__table__.columns])
MAX_ERRORS_KEPT = 1000


@dataclass(slots=True)
class _Prepared:
    entry: CopyInput
    integrated_number: str
    data: dict[str, Any] | None
    content_hash: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        e = self.entry
        return (self.integrated_number, e.tm_code, e.dataset_no, e.dataset_record_key)


def register_copies(
    session: Session,
    *,
    lg_code: str,
    entries: Iterable[CopyInput | Invalid],
    on_error: OnError = "abort",
    chunk_size: int = CHUNK,
) -> RegistrationSummary:
    """Register (or delete) copies in bulk. `abort`: any bad entry refuses the whole batch (BatchRejected, nothing
    kept — the caller's transaction rolls back); `skip`: bad entries are listed and the rest are kept."""
    summary = RegistrationSummary()
    errors: list[Invalid] = []
    error_count = 0
    iterator: Iterator[CopyInput | Invalid] = iter(entries)
    with sparse_collections():
        while chunk := list(islice(iterator, chunk_size)):
            for error in _register_chunk(session, lg_code, chunk, summary):
                error_count += 1
                if len(errors) < MAX_ERRORS_KEPT:
                    errors.append(error)
    if error_count and on_error == "abort":
        raise BatchRejected(f"副本登録: {error_count} 件の誤りがあります", errors)
    summary.errors = [str(e) for e in errors]
    if error_count > len(errors):
        summary.errors.append(f"… ほか {error_count - len(errors)} 件")
    return summary


def register_copy(session: Session, *, lg_code: str, entry: CopyInput) -> RegistrationSummary:
    """One 副本 at a time (the on-line path); a bad entry raises its own error."""
    summary = RegistrationSummary()
    for error in _register_chunk(session, lg_code, [entry], summary):
        raise error
    return summary


def _register_chunk(
    session: Session, lg_code: str, chunk: list[CopyInput | Invalid], summary: RegistrationSummary
) -> Iterator[Invalid]:
    inputs = [e for e in chunk if isinstance(e, CopyInput)]
    yield from (e for e in chunk if isinstance(e, Invalid))
    resolved = people.resolve_integrated_numbers(session, lg_code=lg_code, entries=inputs)
    prepared: list[_Prepared] = []
    now = clock.now()
    today = clock.today()  # once per chunk: the 版 valid today, as for each copy before
    for entry in inputs:
        try:
            integrated = resolved.get(id(entry))
            if isinstance(integrated, RenkeiError):
                raise integrated
            assert integrated is not None
            data = None if entry.segment == SEGMENT_DELETE else validate_copy(entry, on=today)
            prepared.append(_Prepared(entry, integrated, data, _hash(entry, integrated, data)))
        except BatchRejected as rejected:  # several bad items in one copy: each is named
            for error in rejected.errors:
                yield _named(error, entry)
        except RenkeiError as error:
            yield _named(error, entry)
    if not prepared:
        return
    table = _COPY_TABLE
    # Set-based reads with one array parameter (PostgreSQL) or padded IN lists (SQLite), not expanded binds.
    known: dict[str, str] = dict(
        select_in(  # type: ignore[arg-type]
            session,
            table,
            ("record_id", "content_hash"),
            "record_id",
            list({p.entry.record_id for p in prepared}),
            equal={"lg_code": lg_code},
        )
    )
    current: dict[tuple[str, str, str, str], int] = {
        (number, tm, dataset, key): row_id
        for row_id, number, tm, dataset, key in select_in(
            session,
            table,
            ("id", "integrated_number", "tm_code", "dataset_no", "dataset_record_key"),
            "integrated_number",
            list({p.integrated_number for p in prepared}),
            equal={"lg_code": lg_code},
            null=("superseded_at",),
        )
    }
    rows: list[list[Any]] = []
    closed: list[int] = []
    pending: dict[tuple[str, str, str, str], int] = {}  # keys written earlier in this chunk → row index
    for item in prepared:
        record_id = item.entry.record_id
        if record_id in known:
            if known[record_id] == item.content_hash:
                summary.unchanged += 1
            else:
                yield _named(Conflict(DUPLICATE_RECORD_ID, field="レコード識別番号"), item.entry)
            continue
        known[record_id] = item.content_hash
        key = item.key
        earlier = pending.pop(key, None)
        if earlier is not None:
            rows[earlier][_SUPERSEDED] = now
            had_copy = rows[earlier][_SEGMENT] != SEGMENT_DELETE
        elif key in current:
            closed.append(current.pop(key))
            had_copy = True
        else:
            had_copy = False
        if item.entry.segment == SEGMENT_DELETE:
            if not had_copy:
                yield _named(
                    NotFound("削除する副本がありません", field="データセットレコードキー"), item.entry
                )
                known.pop(record_id)
                continue
            summary.deleted += 1
        elif had_copy:
            summary.replaced += 1
        else:
            summary.created += 1
        rows.append(_row(lg_code, item, now))
        if item.entry.segment != SEGMENT_DELETE:
            pending[key] = len(rows) - 1
        else:
            rows[-1][_SUPERSEDED] = now
    if closed:
        session.execute(sa.update(table).where(table.c.id.in_(closed)).values(superseded_at=now))
    if rows:
        # Driver-ready tuples through one executemany (COPY on PostgreSQL), the data column serialised once by
        # orjson: SQLAlchemy's per-row parameter processing and json.dumps were a quarter of the path (0112).
        insert_rows(
            session,
            _COPY_TABLE,
            _COLUMNS,
            rows,
        )


_COPY_TABLE: sa.Table = IntermediateCopy.__table__  # type: ignore[assignment]
_COLUMNS = (
    "lg_code",
    "record_id",
    "segment",
    "integrated_number",
    "tm_code",
    "dataset_no",
    "dataset_record_key",
    "version",
    "data",
    "content_hash",
    "published_from",
    "published_to",
    "registered_at",
    "superseded_at",
)
_SEGMENT, _SUPERSEDED = _COLUMNS.index("segment"), _COLUMNS.index("superseded_at")


def _row(lg_code: str, item: _Prepared, now: dt.datetime) -> list[Any]:
    """A row in `_COLUMNS` order, the data serialised once by orjson (superseded_at may be set afterwards)."""
    e = item.entry
    return [
        lg_code,
        e.record_id,
        e.segment,
        item.integrated_number,
        e.tm_code,
        e.dataset_no,
        e.dataset_record_key,
        e.version,
        orjson.dumps(item.data).decode(),
        item.content_hash,
        e.published_from,
        e.published_to,
        now,
        None,
    ]


def _hash(entry: CopyInput, integrated: str, data: dict[str, Any] | None) -> str:
    material = [
        entry.segment,
        integrated,
        entry.tm_code,
        entry.dataset_no,
        entry.dataset_record_key,
        entry.version,
        entry.published_from,
        entry.published_to,
        data,
    ]
    return hashlib.sha256(canonical_bytes(material)).hexdigest()


_ORJSON_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _date_text(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def canonical_bytes(material: Any) -> bytes:
    """`protocol.signing.canonical_json`'s exact bytes for copy-hash material, by orjson (several times faster).

    The material is what a validated copy holds: strings, integers, None, dates, lists and dicts with string keys
    (no floats: the layout check gives integers or text). orjson writes those exactly as the json module does
    with sorted keys, compact separators and ensure_ascii=False (tests compare the two over that domain);
    anything orjson refuses (integers beyond 64 bits, non-string keys) goes to canonical_json itself."""
    try:
        return orjson.dumps(material, default=_date_text, option=_ORJSON_CANONICAL)
    except (orjson.JSONEncodeError, TypeError):
        return canonical_json(material)


def _named(error: RenkeiError, entry: CopyInput) -> Invalid:
    """Every refused entry as an Invalid that names where it came from (line or element) and the field."""
    record = entry.source or f"レコード識別番号 {entry.record_id}"
    if error.record and error.record not in record:
        record = f"{record} ({error.record})"
    named = Invalid(error.message, record=record, field=error.field)
    named.code = error.code
    return named


def current_copies(
    session: Session,
    *,
    lg_code: str,
    integrated_number: str,
    tm_code: str | None = None,
    on: dt.date | None = None,
) -> list[IntermediateCopy]:
    """The copies in force for a person (optionally of one 特定個人情報名), published on `on` (default today)."""
    day = on or clock.today()
    query = sa.select(IntermediateCopy).where(
        IntermediateCopy.lg_code == lg_code,
        IntermediateCopy.integrated_number == integrated_number,
        IntermediateCopy.superseded_at.is_(None),
        sa.or_(IntermediateCopy.published_from.is_(None), IntermediateCopy.published_from <= day),
        sa.or_(IntermediateCopy.published_to.is_(None), IntermediateCopy.published_to >= day),
    )
    if tm_code is not None:
        query = query.where(IntermediateCopy.tm_code == tm_code)
    return list(session.scalars(query.order_by(IntermediateCopy.tm_code, IntermediateCopy.dataset_no)))


def copy_statistics(session: Session, *, lg_code: str) -> list[tuple[str, str, int]]:
    """Copies in force per (特定個人情報名, データセット): what the 副本 status page shows."""
    table = COPY
    rows = session.execute(
        sa.select(table.c.tm_code, table.c.dataset_no, sa.func.count())
        .where(table.c.lg_code == lg_code, table.c.superseded_at.is_(None))
        .group_by(table.c.tm_code, table.c.dataset_no)
        .order_by(table.c.tm_code, table.c.dataset_no)
    ).all()
    return [(r[0], r[1], int(r[2])) for r in rows]
