"""Vendor migration in the 中間標準レイアウト: the register, the 統合宛名 and the 副本 out of one node, into another.

The package is a zip of CSV files, one per data kind, with a header row of item names, the items typed and bounded as
the layout declares them, dates as 西暦 YYYYMMDD (the birth date also as 年号コード + 和暦 YYMMDD, as the 住基 layouts
carry it), and a MANIFEST.json naming the layout version, the 団体コード, each file's row count and SHA-256. The My
Number and 住民票コード never appear in clear: each is sealed with AES-256-GCM under a key derived (scrypt) from a
migration passphrase, bound to its file, record and item; the importing node opens them and seals them again under
its own keys. Every value that does not fit the layout (too long, a character outside JIS X 0208, kana that is not
full-width katakana) is listed in 取込注意.csv and carried unchanged, so the register arrives identical and the
receiving vendor knows which records its system may not hold, against the character set the receiving system
declares: JIS X 0208 (the legacy vendor's) or JIS X 0213:2004 (decisions 0074, 0075).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy.orm import Session

from renkei.addressee.service import migration as addressee_migration
from renkei.connectors.migration_layout import (
    CHANGE_ITEMS,
    CHANGES,
    CHARSETS,
    COPIES,
    COPY_ITEMS,
    COUNTER_ITEMS,
    COUNTERS,
    JUMIN,
    JUMIN_ITEMS,
    LAYOUT,
    LINK_ITEMS,
    LINKS,
    MANIFEST,
    PEOPLE,
    PEOPLE_ITEMS,
    REPORT,
    Charset,
    Misfit,
    csv_bytes,
    date_text,
    era_fields,
    fit,
    json_text,
    parse_date,
)
from renkei.core.errors import Invalid
from renkei.core.ids import validate_lg_code
from renkei.core.settings import Settings
from renkei.intermediate import service as intermediate
from renkei.intermediate.schemas import CopyInput
from renkei.intermediate.service import migration as intermediate_migration
from renkei.residents.service import migration as residents_migration

# The names callers read from here (the layout itself lives in renkei.connectors.migration_layout).
__all__ = [
    "CHANGES", "CHARSETS", "COPIES", "COUNTERS", "JUMIN", "LAYOUT", "LINKS", "MANIFEST", "PEOPLE", "REPORT",
    "Charset", "Exported", "Imported", "Misfit", "export_package", "import_package",
]  # fmt: skip


def _key(passphrase: str, salt: bytes) -> AESGCM:
    if len(passphrase) < 12:
        raise Invalid("移行パスフレーズは12文字以上にしてください", field="パスフレーズ")
    return AESGCM(Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(passphrase.encode()))


def _seal(aead: AESGCM, value: str, aad: str) -> str:
    if not value:
        return ""
    nonce = os.urandom(12)
    return base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), aad.encode())).decode()


def _open(aead: AESGCM, text: str, aad: str, *, record: str, item: str) -> str:
    from cryptography.exceptions import InvalidTag

    if not text:
        return ""
    try:
        blob = base64.b64decode(text, validate=True)
        return aead.decrypt(blob[:12], blob[12:], aad.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise Invalid(
            "封緘を開けません（パスフレーズが違うか、ファイルが改変されています）", record=record, field=item
        ) from exc


@dataclass(frozen=True)
class Exported:
    data: bytes  # the zip
    counts: dict[str, int]
    misfits: list[Misfit]


def export_package(
    session: Session, *, lg_code: str, settings: Settings, passphrase: str, charset: Charset = "jisx0208"
) -> Exported:
    """The municipality's register, its 異動履歴 and 統合宛名 as a migration package (read only: nothing changes on
    this node); misfits are reported against the receiving system's `charset`."""
    lg_code = validate_lg_code(lg_code)
    if charset not in CHARSETS:
        raise Invalid(f"文字集合は {' / '.join(CHARSETS)} です（入力値: {charset!r}）", field="charset")
    salt = os.urandom(16)
    aead = _key(passphrase, salt)
    residents = residents_migration.export_residents(session, settings=settings)
    atena_of = {r.resident_id: r.atena_number for r in residents}
    people, counters = addressee_migration.export_people(
        session, settings=settings, atena_of_resident=atena_of
    )
    misfits: list[Misfit] = []
    jumin_rows = []
    for r in residents:
        era_code, era_date = era_fields(r.birth_date)
        row = {
            "団体コード": lg_code, "宛名番号": r.atena_number, "世帯番号": r.household_number, "続柄": r.relationship,
            "氏": r.surname, "名": r.given_name, "氏_カナ": r.surname_kana, "名_カナ": r.given_name_kana,
            "旧氏": r.former_surname, "生年月日": date_text(r.birth_date), "生年月日_年号コード": era_code,
            "生年月日_和暦": era_date, "性別コード": r.sex, "郵便番号": r.postal_code, "住所": r.address,
            "世帯の住所": r.household_address, "住民となった年月日": date_text(r.resident_since),
            "消除年月日": date_text(r.removed_on), "住民状態": r.status, "前住所地_団体コード": r.previous_lg_code,
            "個人番号_封緘": _seal(aead, r.mynumber, f"{JUMIN}:{r.atena_number}:個人番号"),
            "住民票コード_封緘": _seal(aead, r.juminhyo_code, f"{JUMIN}:{r.atena_number}:住民票コード"),
        }  # fmt: skip
        misfits += fit(JUMIN, r.atena_number, JUMIN_ITEMS, row, charset)
        jumin_rows.append(row)
    people_rows, link_rows = [], []
    for p in people:
        row = {
            "統合宛名番号": p.integrated_number, "住基宛名番号": p.resident_atena, "区分": p.kind, "氏名": p.name,
            "氏名_カナ": p.name_kana, "生年月日": date_text(p.birth_date), "性別コード": p.sex, "住所": p.address,
            "状態": p.status, "個人番号_封緘": _seal(aead, p.mynumber, f"{PEOPLE}:{p.integrated_number}:個人番号"),
        }  # fmt: skip
        misfits += fit(PEOPLE, p.integrated_number, PEOPLE_ITEMS, row, charset)
        people_rows.append(row)
        link_rows += [
            {"統合宛名番号": p.integrated_number, "業務システム": s, "宛名番号": a} for s, a in p.links
        ]
    change_rows = [
        {
            "宛名番号": c.atena_number,
            "異動事由コード": c.reason_code,
            "異動の種類": c.kind,
            "届出年月日": date_text(c.notified_on),
            "異動年月日": date_text(c.effective_on),
            "記録日時": c.recorded_at.isoformat(),
            "異動前": json_text(c.before),
            "異動後": json_text(c.after),
        }
        for c in residents_migration.export_changes(session)
    ]
    counter_rows = [{"系列": k, "次の値": str(v)} for k, v in sorted(counters.items())]
    copy_rows = [
        {
            "レコード識別番号": c.record_id,
            "統合宛名番号": c.integrated_number,
            "特定個人情報名コード": c.tm_code,
            "データセット番号": c.dataset_no,
            "データセットレコードキー": c.dataset_record_key,
            "版": c.version,
            "公開開始日": date_text(c.published_from),
            "公開終了日": date_text(c.published_to),
            "データ項目": json.dumps((c.data or {}).get("items", {}), ensure_ascii=False, sort_keys=True),
            "NULL理由": json.dumps((c.data or {}).get("null", {}), ensure_ascii=False, sort_keys=True),
        }
        for c in intermediate_migration.copies_in_force(session, lg_code=lg_code)
    ]
    files = {
        JUMIN: csv_bytes(JUMIN_ITEMS, jumin_rows),
        CHANGES: csv_bytes(CHANGE_ITEMS, change_rows),
        PEOPLE: csv_bytes(PEOPLE_ITEMS, people_rows),
        LINKS: csv_bytes(LINK_ITEMS, link_rows),
        COUNTERS: csv_bytes(COUNTER_ITEMS, counter_rows),
        COPIES: csv_bytes(COPY_ITEMS, copy_rows),
    }
    report = io.StringIO()
    writer = csv.writer(report, lineterminator="\r\n")
    writer.writerow(["ファイル", "レコード", "項目", "理由"])
    writer.writerows([m.file, m.record, m.item, m.reason] for m in misfits)
    files[REPORT] = report.getvalue().encode("utf-8")
    counts = {
        JUMIN: len(jumin_rows),
        CHANGES: len(change_rows),
        PEOPLE: len(people_rows),
        LINKS: len(link_rows),
        COUNTERS: len(counter_rows),
    }
    manifest = {
        "layout": LAYOUT,
        "lg_code": lg_code,
        "encoding": "UTF-8",
        "charset": CHARSETS[charset][1],  # what the misfit report checked against
        "kdf": {"name": "scrypt", "salt": base64.b64encode(salt).decode(), "n": 2**14, "r": 8, "p": 1},
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "rows": counts.get(name)}
            for name, data in files.items()
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for name, data in files.items():
            archive.writestr(name, data)
    return Exported(buffer.getvalue(), counts, misfits)


def _read(archive: zipfile.ZipFile, manifest: dict[str, object], name: str) -> list[dict[str, str]]:
    files = manifest.get("files")
    if not isinstance(files, dict) or name not in files:
        raise Invalid(f"移行パッケージに {name} がありません", record=MANIFEST, field=name)
    try:
        data = archive.read(name)
    except KeyError:
        raise Invalid(f"移行パッケージに {name} がありません", record=MANIFEST, field=name) from None
    if hashlib.sha256(data).hexdigest() != files[name]["sha256"]:
        raise Invalid(
            f"{name} の内容が MANIFEST の SHA-256 と一致しません（改変または破損）",
            record=name,
            field="sha256",
        )
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _changes(
    archive: zipfile.ZipFile, manifest: dict[str, object]
) -> list[residents_migration.MigrationChange]:
    """The 異動履歴 file, each line checked (dates, the recording time with its offset, the before/after JSON)."""
    changes = []
    for row in _read(archive, manifest, CHANGES):
        record = f"{CHANGES} {row['宛名番号']}"
        notified = parse_date(row["届出年月日"], record=record, item="届出年月日")
        effective = parse_date(row["異動年月日"], record=record, item="異動年月日")
        try:
            at = dt.datetime.fromisoformat(row["記録日時"])
            before, after = json.loads(row["異動前"]), json.loads(row["異動後"])
        except ValueError as exc:
            raise Invalid("記録日時または異動前後の内容が読めません", record=record, field="異動後") from exc
        if notified is None or effective is None or at.tzinfo is None or not isinstance(after, dict):
            raise Invalid(
                "届出年月日・異動年月日・記録日時（時差付き）・異動後は必須です",
                record=record,
                field="異動年月日",
            )
        changes.append(
            residents_migration.MigrationChange(
                atena_number=row["宛名番号"], kind=row["異動の種類"], reason_code=row["異動事由コード"],
                notified_on=notified, effective_on=effective, before=before, after=after, recorded_at=at,
            )
        )  # fmt: skip
    return changes


@dataclass(frozen=True)
class Imported:
    residents: int
    people: int
    misfits: int
    copies: int = 0
    changes: int = 0


def import_package(
    session: Session, *, lg_code: str, data: bytes, settings: Settings, passphrase: str
) -> Imported:
    """Restore a package into this (empty) node, all or nothing: any bad record rejects the whole package."""
    lg_code = validate_lg_code(lg_code)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        manifest = json.loads(archive.read(MANIFEST))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Invalid("移行パッケージ（zip と MANIFEST.json）として読めません", field="ファイル") from exc
    if manifest.get("layout") != LAYOUT:
        raise Invalid(
            f"対応していないレイアウトです: {manifest.get('layout')!r}（対応: {LAYOUT}）",
            record=MANIFEST,
            field="layout",
        )
    if manifest.get("lg_code") != lg_code:
        raise Invalid(
            f"団体コードが違います（パッケージ: {manifest.get('lg_code')}、移行先: {lg_code}）",
            record=MANIFEST,
            field="lg_code",
        )
    kdf = manifest["kdf"]
    aead = _key(passphrase, base64.b64decode(kdf["salt"]))
    rows = []
    for row in _read(archive, manifest, JUMIN):
        atena = row["宛名番号"]
        record = f"{JUMIN} {atena}"
        birth = parse_date(row["生年月日"], record=record, item="生年月日")
        since = parse_date(row["住民となった年月日"], record=record, item="住民となった年月日")
        if birth is None or since is None:
            raise Invalid("生年月日と住民となった年月日は必須です", record=record, field="生年月日")
        if era_fields(birth) != (row["生年月日_年号コード"], row["生年月日_和暦"]):
            raise Invalid("生年月日の和暦が西暦と一致しません", record=record, field="生年月日_和暦")
        if row["団体コード"] != lg_code:
            raise Invalid(f"団体コードが違います: {row['団体コード']}", record=record, field="団体コード")
        rows.append(
            residents_migration.MigrationResident(
                atena_number=atena, household_number=row["世帯番号"], household_address=row["世帯の住所"],
                relationship=row["続柄"], surname=row["氏"], given_name=row["名"], surname_kana=row["氏_カナ"],
                given_name_kana=row["名_カナ"], former_surname=row["旧氏"], birth_date=birth, sex=row["性別コード"],
                postal_code=row["郵便番号"], address=row["住所"], status=row["住民状態"], resident_since=since,
                removed_on=parse_date(row["消除年月日"], record=record, item="消除年月日"),
                previous_lg_code=row["前住所地_団体コード"],
                mynumber=_open(aead, row["個人番号_封緘"], f"{JUMIN}:{atena}:個人番号", record=record, item="個人番号_封緘"),
                juminhyo_code=_open(aead, row["住民票コード_封緘"], f"{JUMIN}:{atena}:住民票コード", record=record, item="住民票コード_封緘"),
            )
        )  # fmt: skip
    links: dict[str, list[tuple[str, str]]] = {}
    for row in _read(archive, manifest, LINKS):
        links.setdefault(row["統合宛名番号"], []).append((row["業務システム"], row["宛名番号"]))
    people = []
    for row in _read(archive, manifest, PEOPLE):
        number = row["統合宛名番号"]
        record = f"{PEOPLE} {number}"
        birth = parse_date(row["生年月日"], record=record, item="生年月日")
        if birth is None:
            raise Invalid("生年月日は必須です", record=record, field="生年月日")
        people.append(
            addressee_migration.MigrationPerson(
                integrated_number=number, resident_atena=row["住基宛名番号"], kind=row["区分"], name=row["氏名"],
                name_kana=row["氏名_カナ"], birth_date=birth, sex=row["性別コード"], address=row["住所"],
                status=row["状態"],
                mynumber=_open(aead, row["個人番号_封緘"], f"{PEOPLE}:{number}:個人番号", record=record, item="個人番号_封緘"),
                links=tuple(links.get(number, [])),
            )
        )  # fmt: skip
    counters = {row["系列"]: int(row["次の値"]) for row in _read(archive, manifest, COUNTERS)}
    misfits = len(_read(archive, manifest, REPORT))
    ids_by_atena = residents_migration.restore_residents(
        session, lg_code=lg_code, rows=rows, settings=settings
    )
    changes = _changes(archive, manifest)
    residents_migration.restore_changes(session, rows=changes, resident_ids=ids_by_atena)
    restored = addressee_migration.restore_people(
        session, people=people, counters=counters, resident_ids=ids_by_atena, settings=settings
    )
    entries = []
    for row in _read(archive, manifest, COPIES):
        record = f"{COPIES} {row['レコード識別番号']}"
        try:
            items, nulls = json.loads(row["データ項目"]), json.loads(row["NULL理由"])
        except ValueError as exc:
            raise Invalid("データ項目が JSON として読めません", record=record, field="データ項目") from exc
        entries.append(
            CopyInput(
                source=record, record_id=row["レコード識別番号"], tm_code=row["特定個人情報名コード"],
                dataset_no=row["データセット番号"], dataset_record_key=row["データセットレコードキー"], version=row["版"],
                integrated_number=row["統合宛名番号"],
                published_from=parse_date(row["公開開始日"], record=record, item="公開開始日"),
                published_to=parse_date(row["公開終了日"], record=record, item="公開終了日"),
                items=items, null_reasons=nulls,
            )
        )  # fmt: skip
    if entries:
        intermediate.register_copies(session, lg_code=lg_code, entries=entries, on_error="abort")
    return Imported(len(rows), restored, misfits, len(entries), len(changes))
