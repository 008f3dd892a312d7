"""The permission table (番号法 別表第二 / 主務省令) as data: read from CSV files, loaded idempotently, checked per query.

A file has the header 項番,情報照会者,事務コード,事務名,事務手続コード,事務手続名,情報提供者,特定個人情報名コード,
特定個人情報名 (UTF-8, with or without BOM, or CP932). 情報照会者／情報提供者 hold an agency kind (市町村長 …) or a
16-digit 機関コード; an empty 事務手続コード admits every 事務手続 of the 事務. The shipped sample
(data/beppyo2.csv) carries the rows of mynumber-reference §5.2 with the codes chosen in docs/decisions/0032.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from renkei import layouts
from renkei.core import clock
from renkei.core.errors import BatchRejected, Invalid, NotFound
from renkei.hub.models import HubAgency, HubLocalUseNotification, HubLocalUsePermission, HubPermission
from renkei.hub.schemas import PermissionRow
from renkei.protocol.messages import refusal_not_permitted
from renkei.protocol.permissions import AllowedQueries, AllowedQuery

DEFAULT_SOURCE = "beppyo2.csv"
COLUMNS = {
    "項番": "item",
    "情報照会者": "requester",
    "事務コード": "jimu_code",
    "事務名": "jimu_name",
    "事務手続コード": "procedure_code",
    "事務手続名": "procedure_name",
    "情報提供者": "provider",
    "特定個人情報名コード": "tm_code",
    "特定個人情報名": "tm_name",
}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("文字コードを判別できません（UTF-8 または CP932 にしてください）", field="file")


def parse_permissions(data: bytes, *, source: str) -> list[PermissionRow]:
    """Every row of a permission file, or `BatchRejected` listing each bad row (line and column)."""
    reader = csv.DictReader(io.StringIO(_decode(data)))
    missing = [name for name in COLUMNS if name not in (reader.fieldnames or [])]
    if missing:
        raise Invalid(f"見出し行に必要な列がありません: {', '.join(missing)}", record=source, field="header")
    rows: list[PermissionRow] = []
    errors: list[Invalid] = []
    for line, raw in enumerate(reader, start=2):
        values = {COLUMNS[k]: (raw.get(k) or "") for k in COLUMNS}
        try:
            rows.append(PermissionRow(**values))
        except ValidationError as exc:
            for error in exc.errors():
                column = next(k for k, v in COLUMNS.items() if v == error["loc"][0])
                message = str(error["msg"]).removeprefix("Value error, ")
                errors.append(Invalid(message, record=f"{source}:{line}", field=column))
    if errors:
        raise BatchRejected(f"許可表 {source} に {len(errors)} 件の誤りがあります", errors)
    return rows


def default_rows() -> list[PermissionRow]:
    data = resources.files("renkei.hub").joinpath("data", DEFAULT_SOURCE).read_bytes()
    return parse_permissions(data, source=DEFAULT_SOURCE)


def load_permissions(session: Session, *, rows: Iterable[PermissionRow], source: str) -> tuple[int, int]:
    """Add the rows not yet in the table (idempotent on the 5-column key); returns (added, already present)."""
    existing = {
        (p.requester, p.jimu_code, p.procedure_code, p.provider, p.tm_code)
        for p in session.scalars(sa.select(HubPermission))
    }
    added = kept = 0
    now = clock.now()
    for row in rows:
        if row.key in existing:
            kept += 1
            continue
        existing.add(row.key)
        session.add(HubPermission(**row.model_dump(), source=source, loaded_at=now))
        added += 1
    session.flush()
    return added, kept


def read_permission_file(path: Path) -> list[PermissionRow]:
    """The rows of a permission file; an operator adds them to the table (renkei.hub.operators.add_permissions)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"ファイルを読めません: {exc.strerror}", record=str(path), field="file") from exc
    return parse_permissions(data, source=path.name)


def ensure_default_permissions(session: Session) -> None:
    """Seed the shipped sample of 別表第二 into an empty table (the hub is usable out of the box)."""
    if session.scalar(sa.select(sa.func.count()).select_from(HubPermission)) == 0:
        load_permissions(session, rows=default_rows(), source=DEFAULT_SOURCE)


def list_permissions(session: Session) -> list[PermissionRow]:
    ensure_default_permissions(session)
    found = session.scalars(sa.select(HubPermission).order_by(HubPermission.id))
    return [
        PermissionRow.model_validate(
            {name: getattr(p, name) for name in PermissionRow.model_fields}, from_attributes=False
        )
        for p in found
    ]


def allowed_queries(session: Session, *, agency_code: str, on: dt.date | None = None) -> AllowedQueries:
    """What `agency_code` may ask: the rows naming it as 情報照会者 (by its kind or its code), then the entries of
    its accepted 独自利用事務 届出 in force on `on` (today) — the same rows `refusal_reason` admits by."""
    agency = session.get(HubAgency, agency_code)
    if agency is None:
        raise NotFound("ハブに登録されていない機関です", record=agency_code, field="agency_code")
    ensure_default_permissions(session)
    day = on or clock.today()
    table = session.scalars(
        sa.select(HubPermission)
        .where(HubPermission.requester.in_([agency.kind, agency.agency_code]))
        .order_by(HubPermission.id)
    )
    rows = [
        AllowedQuery(
            basis="table",
            item=p.item,
            jimu_code=p.jimu_code,
            jimu_name=p.jimu_name,
            procedure_code=p.procedure_code,
            procedure_name=p.procedure_name,
            provider=p.provider,
            tm_code=p.tm_code,
            tm_name=p.tm_name,
        )
        for p in table
    ]
    local = session.execute(
        sa.select(HubLocalUsePermission, HubLocalUseNotification)
        .join(HubLocalUseNotification, HubLocalUseNotification.id == HubLocalUsePermission.notification_pk)
        .where(HubLocalUsePermission.requester_code == agency.agency_code)
        .order_by(HubLocalUsePermission.id)
    )
    rows += [
        AllowedQuery(
            basis="local_use",
            item=n.notification_id,
            jimu_code=p.jimu_code,
            jimu_name=n.jimu_name,
            provider=p.provider,
            tm_code=p.tm_code,
            tm_name=_tm_name(p.tm_code),
            valid_to=p.valid_to,
        )
        for p, n in local
        if _in_period(p, day)
    ]
    return AllowedQueries(agency_code=agency.agency_code, kind=agency.kind, on=day, rows=rows)


def _tm_name(tm_code: str) -> str:
    try:
        return layouts.tm_name(tm_code)
    except NotFound:
        return ""


def _in_table(
    session: Session,
    *,
    requester: HubAgency,
    provider: HubAgency,
    jimu_code: str,
    procedure_code: str,
    tm_code: str,
    on: dt.date,
) -> bool:
    ensure_default_permissions(session)
    p = HubPermission
    query = sa.select(p.id).where(
        p.requester.in_([requester.kind, requester.agency_code]),
        p.jimu_code == jimu_code,
        p.procedure_code.in_(["", procedure_code]),
        p.provider.in_([provider.kind, provider.agency_code]),
        p.tm_code == tm_code,
        sa.or_(
            p.valid_to.is_(None), p.valid_to >= on
        ),  # a row an operator ended admits nothing after its day
    )
    return session.scalar(query.limit(1)) is not None


def refusal_reason(
    session: Session,
    *,
    requester: HubAgency,
    provider: HubAgency,
    jimu_code: str,
    procedure_code: str,
    tm_code: str,
    on: dt.date | None = None,
) -> str | None:
    """None when the query is admitted, else the refusal to record and answer.

    Admitted by a row of the table (番号法第19条第8号 / 主務省令), or by an entry of an accepted 独自利用事務 届出 of
    this very requester in force on `on` (第19条第9号; the 届出 are in renkei.hub.local_use). An expired, returned or pending
    届出 is refused with its own reason, and so is a query to a provider an operator has retired.
    """
    on = on or clock.today()
    if provider.retired_at is not None:
        return f"情報提供者の機関コード「{provider.agency_code}」は廃止されています。"
    if _in_table(
        session,
        requester=requester,
        provider=provider,
        jimu_code=jimu_code,
        procedure_code=procedure_code,
        tm_code=tm_code,
        on=on,
    ):
        return None
    verdict = judge(
        session, requester=requester, provider=provider, jimu_code=jimu_code, tm_code=tm_code, on=on
    )
    if verdict is not None:
        return None if verdict.permitted else verdict.reason
    return unknown_code(session, jimu_code=jimu_code, procedure_code=procedure_code, tm_code=tm_code) or (
        refusal_not_permitted(tm_code)
    )


def unknown_code(session: Session, *, jimu_code: str, procedure_code: str, tm_code: str) -> str | None:
    """A code no row of the permission table (or of an accepted 独自利用事務) names is unknown, which is its own
    refusal: the requester mistyped or used a code this table does not have, not a query the law forbids."""
    p, local = HubPermission, HubLocalUsePermission

    def known(*conditions: sa.ColumnElement[bool], also: sa.ColumnElement[bool] | None = None) -> bool:
        if session.scalar(sa.select(p.id).where(*conditions).limit(1)) is not None:
            return True
        return also is not None and session.scalar(sa.select(local.id).where(also).limit(1)) is not None

    if not known(p.jimu_code == jimu_code, also=local.jimu_code == jimu_code):
        return f"指定された事務コード「{jimu_code}」は許可表にありません（不明なコード）。"
    if (
        procedure_code
        and not known(p.jimu_code == jimu_code, p.procedure_code.in_(["", procedure_code]))
        and not known(p.procedure_code == procedure_code, also=local.jimu_code == jimu_code)
    ):
        return f"指定された事務手続コード「{procedure_code}」は許可表にありません（不明なコード）。"
    if not known(p.tm_code == tm_code, also=local.tm_code == tm_code):
        return f"指定された特定個人情報名コード「{tm_code}」は許可表にありません（不明なコード）。"
    return None


def is_permitted(
    session: Session,
    *,
    requester: HubAgency,
    provider: HubAgency,
    jimu_code: str,
    procedure_code: str,
    tm_code: str,
    on: dt.date | None = None,
) -> bool:
    """Does some row admit (requester, 事務, 事務手続, provider, 特定個人情報)? (番号法第21条第2項第1号)"""
    return (
        refusal_reason(
            session,
            requester=requester,
            provider=provider,
            jimu_code=jimu_code,
            procedure_code=procedure_code,
            tm_code=tm_code,
            on=on,
        )
        is None
    )


# --- 独自利用事務 entries (番号法第19条第9号; docs/decisions/0132) -------------------------------------------
def _in_period(p: HubLocalUsePermission, day: dt.date) -> bool:
    return p.valid_from <= day and (p.valid_to is None or day <= p.valid_to)


@dataclass(frozen=True)
class Verdict:
    permitted: bool
    reason: str = ""


def judge(
    session: Session, *, requester: HubAgency, provider: HubAgency, jimu_code: str, tm_code: str, on: dt.date
) -> Verdict | None:
    """Whether an accepted 届出 of this very requester admits the query on `on`, with the reason when not;
    None when no 独自利用 entry or 届出 of the requester concerns this 事務 (the permission table's refusal applies)."""
    entries = list(
        session.scalars(
            sa.select(HubLocalUsePermission).where(
                HubLocalUsePermission.requester_code == requester.agency_code,
                HubLocalUsePermission.jimu_code == jimu_code,
                HubLocalUsePermission.tm_code == tm_code,
                HubLocalUsePermission.provider.in_([provider.kind, provider.agency_code]),
            )
        )
    )
    if any(_in_period(p, on) for p in entries):
        return Verdict(True)
    if entries:
        p = entries[0]
        period = f"{p.valid_from.isoformat()}〜{p.valid_to.isoformat() if p.valid_to else ''}"
        return Verdict(
            False,
            f"独自利用事務「{jimu_code}」の情報連携は届出の期間外です（期間: {period}、照会日: {on.isoformat()}）。",
        )
    notified = session.scalars(
        sa.select(HubLocalUseNotification)
        .where(
            HubLocalUseNotification.requester_code == requester.agency_code,
            HubLocalUseNotification.jimu_code == jimu_code,
        )
        .order_by(HubLocalUseNotification.id.desc())
    ).first()
    if notified is None or notified.status == "accepted":
        return None  # no 届出, or one that does not cover this (provider, 特定個人情報)
    if notified.status == "returned":
        why = "；".join(notified.reasons)
        return Verdict(
            False,
            f"独自利用事務「{jimu_code}」の届出 {notified.notification_id} は返戻されています（{why}）。",
        )
    return Verdict(
        False, f"独自利用事務「{jimu_code}」の届出 {notified.notification_id} はまだ受理されていません。"
    )
