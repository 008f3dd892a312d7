"""`renkei residents import`: stream a population CSV (UTF-8 or CP932) onto the register in chunks.

Every bad row is named by line, field and reason. `abort` (the default) reads the whole file first and keeps
none of it if any row is bad; `skip` keeps the good rows and writes the bad ones, with the reason, to a rejects
file. Rows whose 宛名番号 is already on the register are left alone, so importing a file twice changes nothing.
Memory stays flat: the file is read line by line and registered a chunk (one transaction) at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import gc
import re
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.errors import BatchRejected, Conflict, Invalid
from renkei.core.gaiji import GaijiTable, clean_field
from renkei.core.settings import Settings
from renkei.protocol.jukinet import JukinetClient
from renkei.residents.population import ENCODINGS, HEADINGS
from renkei.residents.schemas import RELATIONSHIPS, Registered, ResidentRow
from renkei.residents.service.registration import register_residents

OnError = Literal["abort", "skip"]
CHUNK = 5_000
KEEP_ERRORS = 1_000
_SEX = {"男": "1", "女": "2", "1": "1", "2": "2"}
_KANA = re.compile(r"[ァ-ヶー・ヽヾ　 ]+")
_DIGITS = re.compile(r"[0-9]{1,15}")
_POSTAL = re.compile(r"[0-9]{3}-?[0-9]{4}")
_RELATIONSHIPS = frozenset(RELATIONSHIPS)
_EARLIEST = dt.date(1873, 1, 1)


@dataclass
class ImportResult:
    """What an import did: rows read, newly registered, already on the register, rejected (first errors kept)."""

    read: int = 0
    registered: int = 0
    already_registered: int = 0
    rejected: int = 0
    errors: list[Invalid] = field(default_factory=list)


def _error(line: int, heading: str, reason: str) -> Invalid:
    return Invalid(reason, record=f"{line}行目", field=heading)


def read_lines(path: Path, encoding: str) -> Iterator[tuple[int, list[str] | Invalid, str]]:
    """(line number, fields or the decoding error, raw text) for each data line after the heading."""
    if encoding not in ENCODINGS:
        raise Invalid(f"文字コードは {' / '.join(ENCODINGS)} のいずれかです", field="encoding")
    with path.open("rb") as handle:
        heading_raw = handle.readline()
        try:
            heading = heading_raw.decode(encoding).lstrip("\ufeff").rstrip("\r\n")
        except UnicodeDecodeError:
            raise _error(1, "見出し", f"見出し行を {encoding} として読めません") from None
        columns = next(csv.reader([heading]), [])
        if tuple(c.strip() for c in columns) != HEADINGS:
            raise _error(1, "見出し", f"見出しが一致しません。期待: {','.join(HEADINGS)}")
        for number, line in enumerate(handle, start=2):
            raw = line.rstrip(b"\r\n")
            if not raw.strip():
                continue
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                yield number, _undecodable(number, raw, encoding), raw.decode(encoding, errors="replace")
                continue
            # Most rows have no quotes: a plain split is exact for them and several times faster.
            yield number, (text.split(",") if '"' not in text else next(csv.reader([text]))), text


def _undecodable(line: int, raw: bytes, encoding: str) -> Invalid:
    # CP932 trail bytes never take the value of ',' (0x2C), so splitting the raw bytes finds the field.
    for index, part in enumerate(raw.split(b",")):
        try:
            part.decode(encoding)
        except UnicodeDecodeError:
            heading = HEADINGS[index] if index < len(HEADINGS) else f"{index + 1}列目"
            if encoding == "cp932" and _is_utf8(part):
                return _error(
                    line,
                    heading,
                    "cp932 で表せない文字が含まれています（UTF-8 の文字: 文字コードが混在しています）",
                )
            return _error(line, heading, f"{encoding} で表せない文字が含まれています")
    return _error(line, "行", f"{encoding} として読めません")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _date(value: str, line: int, heading: str, today: dt.date) -> dt.date:
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise _error(line, heading, "日付の形式が不正です（YYYY-MM-DD）") from None
    if date < _EARLIEST:
        raise _error(line, heading, "明治6年より前の日付は扱えません")
    if date > today:
        raise _error(line, heading, "未来の日付です")
    return date


def parse_row(
    line: int,
    fields: list[str],
    *,
    lg_code: str,
    known_lg_codes: frozenset[str],
    today: dt.date | None = None,
    encoding: str = "utf-8",
    gaiji: GaijiTable | None = None,
) -> ResidentRow:
    """Validate one row; the first problem is raised as Invalid naming the line and the field.

    `today` (default: the clock's) is read once per file by the importer: reading the clock per date was a
    tenth of the parsing cost.
    """
    if today is None:
        today = clock.today()
    if len(fields) != len(HEADINGS):
        raise _error(line, "行", f"列の数が{len(HEADINGS)}ではありません（{len(fields)}列）")
    v = [f.strip() for f in fields]
    if not all(v):
        raise _error(line, HEADINGS[v.index("")], "必須項目が空です")
    (
        atena,
        household,
        rel,
        surname,
        given,
        surname_kana,
        given_kana,
        birth,
        sex,
        postal,
        address,
        since,
        code,
    ) = v
    record = f"{line}行目"
    surname = clean_field(surname, record=record, field="氏", encoding=encoding, table=gaiji)
    given = clean_field(given, record=record, field="名", encoding=encoding, table=gaiji)
    address = clean_field(address, record=record, field="住所", encoding=encoding, table=gaiji)
    if not _DIGITS.fullmatch(atena):
        raise _error(line, "宛名番号", f"15桁以内の半角数字ではありません: {atena!r}")
    if not _DIGITS.fullmatch(household):
        raise _error(line, "世帯番号", f"15桁以内の半角数字ではありません: {household!r}")
    if rel not in _RELATIONSHIPS:
        raise _error(line, "続柄", f"不明な続柄です: {rel!r}")
    if len(surname) > 50 or len(given) > 50:
        raise _error(line, "氏" if len(surname) > 50 else "名", "50文字を超えています")
    if not _KANA.fullmatch(surname_kana) or len(surname_kana) > 100:
        raise _error(line, "氏カナ", "全角カタカナではありません")
    if not _KANA.fullmatch(given_kana) or len(given_kana) > 100:
        raise _error(line, "名カナ", "全角カタカナではありません")
    birth_date = _date(birth, line, "生年月日", today)
    sex_code = _SEX.get(sex)
    if sex_code is None:
        raise _error(line, "性別", f"不明な性別です（男・女・1・2）: {sex!r}")
    if not _POSTAL.fullmatch(postal):
        raise _error(line, "郵便番号", "7桁の郵便番号ではありません")
    if len(address) > 200:
        raise _error(line, "住所", "200文字を超えています")
    resident_since = _date(since, line, "住民となった日", today)
    if resident_since < birth_date:
        raise _error(line, "住民となった日", "生年月日より前です")
    if code != lg_code:
        try:
            code = ids.validate_lg_code(code)
        except Invalid as exc:
            raise _error(line, "団体コード", exc.message) from None
    if code not in known_lg_codes:
        raise _error(line, "団体コード", f"住基ネットに未登録の団体コードです: {code}")
    if code != lg_code:
        raise _error(line, "団体コード", f"取込先の団体（{lg_code}）と異なります: {code}")
    return ResidentRow(
        atena_number=atena.zfill(ids.ATENA_WIDTH),
        household_number=household.zfill(10),
        relationship=rel,
        surname=surname,
        given_name=given,
        surname_kana=surname_kana,
        given_name_kana=given_kana,
        birth_date=birth_date,
        sex=sex_code,
        postal_code=postal.replace("-", ""),
        address=address,
        resident_since=resident_since,
        line=line,
    )


def _rows(
    path: Path,
    encoding: str,
    *,
    lg_code: str,
    known: frozenset[str],
    result: ImportResult,
    rejects: Any | None,
    gaiji: GaijiTable | None = None,
) -> Iterator[list[ResidentRow]]:
    """Valid rows in chunks; each bad row is counted, kept in `result.errors` (up to a limit) and written out."""
    chunk: list[ResidentRow] = []
    seen: set[str] = set()
    today = clock.today()
    for line, fields, text in read_lines(path, encoding):
        result.read += 1
        try:
            if isinstance(fields, Invalid):
                raise fields
            row = parse_row(
                line,
                fields,
                lg_code=lg_code,
                known_lg_codes=known,
                today=today,
                encoding=encoding,
                gaiji=gaiji,
            )
            if row.atena_number in seen:
                raise _error(line, "宛名番号", f"ファイル内で宛名番号が重複しています: {row.atena_number}")
        except Invalid as error:
            result.rejected += 1
            if len(result.errors) < KEEP_ERRORS:
                result.errors.append(error)
            if rejects is not None:
                rejects.writerow([line, error.field, error.message, text])
            continue
        seen.add(row.atena_number)
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
            seen = set()
    if chunk:
        yield chunk


@contextmanager
def _sparse_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a file is imported.

    A chunk allocates hundreds of thousands of short-lived objects (rows, tuples, ciphertexts); at the default
    threshold (700) the collector ran about 900 times per 20,000 residents and re-scanned everything the
    process holds (SQLAlchemy and pydantic structures) in the older generations: 15–20 % of the CPU time.
    Most of those objects are freed by reference counting anyway; cyclic garbage is still collected, every
    50,000 net allocations, so memory stays bounded. The previous thresholds come back afterwards.
    """
    previous = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def exclusive_import(sessions: Callable[[], AbstractContextManager[Session]], lg_code: str) -> Iterator[None]:
    """One import per municipality at a time, across processes: a second one is refused at once.

    Two imports at once used to race: the second died on a unique key after 住基ネット had registered its people,
    leaving 住基ネット with residents the municipality did not have. PostgreSQL: a session advisory lock on the
    municipal database; SQLite: an exclusive flock on a lock file beside the database file.
    """
    busy = Conflict(
        f"団体 {lg_code} への住民記録の取込が別に実行中です。終わってから実行してください"
        "（同時の取込は、住基ネットと住民記録が食い違わないよう開始前に止めます）",
        record=lg_code,
        field="municipality",
    )
    with sessions() as session:
        bind = session.get_bind()
        if bind.dialect.name == "postgresql":
            key = zlib.crc32(f"residents-import|{lg_code}".encode()) & 0x7FFFFFFF
            if not session.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar_one():
                raise busy
            try:
                yield
            finally:
                session.execute(sa.select(sa.func.pg_advisory_unlock(key)))
            return
        database = str(bind.engine.url.database or "")
    if not database or database == ":memory:":
        yield
        return
    path = Path(database.removeprefix("file:")).with_name(f".import-{lg_code}.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def import_file(
    sessions: Callable[[], AbstractContextManager[Session]],
    *,
    path: Path,
    lg_code: str,
    jukinet: JukinetClient,
    settings: Settings,
    encoding: str = "utf-8",
    on_error: OnError = "abort",
    rejects: Path | None = None,
    after_chunk: Callable[[Session, list[Registered]], object] | None = None,
    gaiji: GaijiTable | None = None,
) -> ImportResult:
    """Import a population file; each chunk is one transaction opened with `sessions()` (safe to re-run).

    Names and addresses with private-use characters (外字) are refused unless `gaiji` maps them; undecodable or
    mixed-encoding bytes are refused (`renkei.core.gaiji`).

    `after_chunk` runs inside each chunk's transaction with the newly registered (the addressee's 付番 uses it,
    so a resident and their 統合宛名番号 commit together).
    """
    lg_code = ids.validate_lg_code(lg_code)
    if on_error not in ("abort", "skip"):
        raise Invalid("--on-error は abort か skip です", field="on_error")
    with _sparse_collections(), exclusive_import(sessions, lg_code):
        known = frozenset(m.lg_code for m in jukinet.municipalities())
        if lg_code not in known:
            raise Invalid(f"住基ネットに未登録の団体です: {lg_code}", field="地方公共団体コード")
        if on_error == "abort":
            check = ImportResult()
            for _ in _rows(
                path, encoding, lg_code=lg_code, known=known, result=check, rejects=None, gaiji=gaiji
            ):
                pass
            if check.rejected:
                raise BatchRejected(f"{path.name}: {check.rejected} 行に誤りがあります", check.errors)
        result = ImportResult()
        handle: IO[str] | None = None
        writer = None
        try:
            if on_error == "skip" and rejects is not None:
                handle = rejects.open("w", encoding="utf-8", newline="")
                writer = csv.writer(handle, lineterminator="\r\n")
                writer.writerow(["行番号", "項目", "理由", "元の行"])
            for chunk in _rows(
                path, encoding, lg_code=lg_code, known=known, result=result, rejects=writer, gaiji=gaiji
            ):
                with sessions() as session:
                    registered = register_residents(
                        session, lg_code=lg_code, rows=chunk, jukinet=jukinet, settings=settings
                    )
                    if after_chunk is not None and registered:
                        after_chunk(session, registered)
                result.registered += len(registered)
                result.already_registered += len(chunk) - len(registered)
        finally:
            if handle is not None:
                handle.close()
    return result
