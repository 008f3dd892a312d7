"""`renkei residents import`: stream a population CSV (UTF-8 or CP932) onto the register in chunks.

Every bad row is named by line, field and reason. `abort` (the default) validates the whole file first (staging
the parsed rows, so it is parsed once) and keeps none of it if any row is bad; `skip` keeps the good rows and writes the bad ones, with the reason, to a rejects
file. Rows whose 宛名番号 is already on the register are left alone, so importing a file twice changes nothing.
Memory stays flat: the file is read line by line and registered a chunk (one transaction) at a time.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import fcntl
import gc
import marshal
import re
import tempfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.bulk import sparse_collections
from renkei.core.errors import BatchRejected, Conflict, Invalid
from renkei.core.gaiji import GaijiTable, clean_field
from renkei.core.settings import Settings
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import rules
from renkei.residents.population import ENCODINGS, HEADINGS
from renkei.residents.schemas import RELATIONSHIPS, Registered, ResidentRow
from renkei.residents.service.registration import (
    NumberedRows,
    find_conflicts,
    identity_text,
    not_yet_registered,
    request_numbers,
    store_numbered,
)

OnError = Literal["abort", "skip"]
CHUNK = 5_000
_COLLECT_EVERY = 4  # chunks between full garbage collections during an import
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
    already_registered: int = (
        0  # the same person with the same identity data: importing twice changes nothing
    )
    rejected: int = 0  # bad rows and conflicts
    conflicts: int = 0  # a 宛名番号 on the register with different identity data
    errors: list[Invalid] = field(default_factory=list)
    encoding: str = ""
    encoding_note: str = ""


def detect_encoding(path: Path, *, sample: int = 1 << 20) -> tuple[str, str]:
    """(encoding, why) for a population file: UTF-8 with a BOM, UTF-8, or CP932 (Shift_JIS as Windows writes it).

    Strict decoding decides: a BOM is certain; text that decodes as UTF-8 is UTF-8 (CP932 kanji almost never
    form valid UTF-8 sequences); otherwise CP932 if it decodes as CP932. The first `sample` bytes are read.
    """
    with path.open("rb") as handle:
        head = handle.read(sample)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", "BOM付きUTF-8（先頭のBOMで判定）"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < sample)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", "UTF-8（UTF-8として読めたため）"
    try:
        codecs.getincrementaldecoder("cp932")().decode(head, final=len(head) < sample)
    except UnicodeDecodeError:
        raise Invalid(
            f"{path.name}: 文字コードを判定できません（UTF-8 でも CP932 でもありません）", field="encoding"
        ) from None
    return "cp932", "CP932（UTF-8として読めず、CP932として読めたため）"


def rejects_encoding(encoding: str) -> str:
    """The rejects file speaks the input's encoding; UTF-8 gets a BOM so that Excel opens it as UTF-8."""
    return "cp932" if encoding == "cp932" else "utf-8-sig"


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
    try:
        postal = rules.check_address(postal, address, lg_code=lg_code, record=f"{line}行目")
    except Invalid as exc:
        raise _error(line, "住所" if exc.field == "住所" else "郵便番号", exc.message) from None
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
    texts: dict[int, str] | None = None,
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
                rejects.writerow([line, error.field, error.message, text, ""])
            continue
        seen.add(row.atena_number)
        chunk.append(row)
        if texts is not None:
            texts[line] = text
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
            seen = set()
    if chunk:
        yield chunk


def _stage(chunks: Iterator[list[ResidentRow]], spool: IO[bytes]) -> None:
    """Write validated chunks to a spool file as plain tuples (marshal): one parse pass, memory flat."""
    for chunk in chunks:
        marshal.dump(
            [
                (
                    r.atena_number,
                    r.household_number,
                    r.relationship,
                    r.surname,
                    r.given_name,
                    r.surname_kana,
                    r.given_name_kana,
                    r.birth_date.toordinal(),
                    r.sex,
                    r.postal_code,
                    r.address,
                    r.resident_since.toordinal(),
                    r.line,
                )
                for r in chunk
            ],
            spool,
        )


def _unstage(spool: IO[bytes]) -> Iterator[list[ResidentRow]]:
    spool.seek(0)
    day = dt.date.fromordinal
    while True:
        try:
            staged = marshal.load(spool)  # noqa: S302 - our own spool, written above by this process
        except EOFError:
            return
        yield [
            ResidentRow(
                t[0], t[1], t[2], t[3], t[4], t[5], t[6], day(t[7]), t[8], t[9], t[10], day(t[11]), t[12]
            )
            for t in staged
        ]


def _drop_conflicts(
    session: Session,
    chunk: list[ResidentRow],
    result: ImportResult,
    rejects: Any | None,
    texts: dict[int, str],
) -> list[ResidentRow]:
    """The chunk without rows that contradict the register; each is reported with both versions."""
    found = find_conflicts(session, chunk)
    if not found:
        return chunk
    kept = []
    for row in chunk:
        if row.atena_number not in found:
            kept.append(row)
            continue
        differ, stored = found[row.atena_number]
        error = Conflict(
            f"宛名番号 {row.atena_number} は別の内容で登録済みです（{'・'.join(differ)}が異なります）。"
            f"登録済み: {stored} / ファイル: {identity_text(row)}",
            record=f"{row.line}行目",
            field="・".join(differ),
        )
        result.rejected += 1
        result.conflicts += 1
        if len(result.errors) < KEEP_ERRORS:
            result.errors.append(error)  # type: ignore[arg-type]
        if rejects is not None:
            rejects.writerow([row.line, error.field, error.message, texts.get(row.line or 0, ""), stored])
    return kept


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
    encoding: str = "auto",
    on_error: OnError = "abort",
    rejects: Path | None = None,
    after_chunk: Callable[[Session, list[Registered]], object] | None = None,
    progress: Callable[[int], object] | None = None,
    gaiji: GaijiTable | None = None,
) -> ImportResult:
    """Import a population file; each chunk is one transaction opened with `sessions()` (safe to re-run).

    `encoding` is utf-8, cp932 or auto (`detect_encoding`; the result says which was chosen and why). A row
    whose 宛名番号 is on the register with different identity data is a conflict, reported with both
    versions, never counted as already registered; with `abort` a conflict refuses the whole file.

    Names and addresses with private-use characters (外字) are refused unless `gaiji` maps them; undecodable or
    mixed-encoding bytes are refused (`renkei.core.gaiji`). A second import into the same municipality while one
    runs is refused at once (`exclusive_import`).

    The file is parsed once (decision 0111). `abort` validates it whole while staging the parsed rows in a
    temporary spool file, and registers from the spool only if no row was bad. 付番 at 住基ネット for the next
    chunk runs in a worker thread while this chunk is written to the register (and, over HTTP, while
    `renkei serve jukinet` works in its own process), so both cores work.

    `after_chunk` runs inside each chunk's transaction with the newly registered (the addressee's 付番 uses it,
    so a resident and their 統合宛名番号 commit together). `progress` is called with the rows read so far.
    """
    lg_code = ids.validate_lg_code(lg_code)
    if on_error not in ("abort", "skip"):
        raise Invalid("--on-error は abort か skip です", field="on_error")
    if encoding == "auto":
        encoding, note = detect_encoding(path)
    else:
        note = "指定どおり"
    with sparse_collections(), exclusive_import(sessions, lg_code), ExitStack() as stack:
        known = frozenset(m.lg_code for m in jukinet.municipalities())
        if lg_code not in known:
            raise Invalid(f"住基ネットに未登録の団体です: {lg_code}", field="地方公共団体コード")
        result = ImportResult(encoding=encoding, encoding_note=note)
        writer = None
        if on_error == "skip" and rejects is not None:
            # In the input's encoding with CRLF, as the system that wrote the input (and Excel) reads it.
            handle = stack.enter_context(
                rejects.open("w", encoding=rejects_encoding(encoding), errors="replace", newline="")
            )
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(["行番号", "項目", "理由", "元の行", "登録済みの内容"])
        texts: dict[int, str] = {}
        chunks = _rows(
            path,
            encoding,
            lg_code=lg_code,
            known=known,
            result=result,
            rejects=writer,
            texts=texts if on_error == "skip" else None,  # the original lines, for the rejects file
            gaiji=gaiji,
        )
        if on_error == "abort":
            spool = stack.enter_context(tempfile.TemporaryFile(prefix="renkei-import-"))
            _stage(chunks, spool)
            for staged in _unstage(spool):  # conflicts with the register refuse the whole file too
                with sessions() as session:
                    _drop_conflicts(session, staged, result, None, {})
            if result.rejected:
                raise BatchRejected(f"{path.name}: {result.rejected} 行に誤りがあります", result.errors)
            chunks = _unstage(spool)

        def number(chunk: list[ResidentRow]) -> tuple[int, NumberedRows]:
            with sessions() as session:
                new = not_yet_registered(session, chunk)
            return len(chunk), request_numbers(lg_code, new, jukinet) if new else NumberedRows([], [], [])

        def store(size: int, numbered: NumberedRows) -> None:
            with sessions() as session:
                # A row numbered while an earlier chunk was being stored may have become registered since
                # (the same 宛名番号 in two chunks): it is left alone like any row already on the register.
                fresh = {r.atena_number for r in not_yet_registered(session, numbered.rows)}
                if len(fresh) < len(numbered.rows):
                    keep = [i for i, r in enumerate(numbered.rows) if r.atena_number in fresh]
                    numbered = NumberedRows(
                        [numbered.rows[i] for i in keep],
                        [numbered.codes[i] for i in keep],
                        [numbered.mynumbers[i] for i in keep],
                    )
                registered = store_numbered(session, lg_code=lg_code, numbered=numbered, settings=settings)
                if after_chunk is not None and registered:
                    after_chunk(session, registered)
            result.registered += len(registered)
            result.already_registered += size - len(registered)
            if progress is not None:
                progress(result.read)

        pool = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="renkei-numbering"))
        pending: Future[tuple[int, NumberedRows]] | None = None
        for index, read in enumerate(chunks):
            chunk = read
            if on_error == "skip":  # conflicts are dropped here, in this thread, before 付番 is asked
                with sessions() as session:
                    chunk = _drop_conflicts(session, read, result, writer, texts)
            texts.clear()
            ahead = pool.submit(number, chunk)
            if pending is not None:
                store(*pending.result())
            pending = ahead
            if index % _COLLECT_EVERY == _COLLECT_EVERY - 1:
                # With the sparse thresholds, cyclic garbage that reached the oldest generation waited for a
                # collection that rarely came: over HTTP each chunk's request and response (httpx objects in a
                # cycle, ~1 MB of buffers) stayed, 0.2 KB per resident. A full collection now and then bounds it.
                gc.collect()
        if pending is not None:
            store(*pending.result())
    return result
