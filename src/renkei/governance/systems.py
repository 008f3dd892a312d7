"""業務システムの可視化: the body's inventory of business systems, with vendor, contract, cost, files and zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core.errors import Invalid, NotFound
from renkei.governance import network, register
from renkei.governance.models_cloud import GovernanceSystem

KINDS = ("パッケージ", "独自開発")
# Customisation of a package, lightest first; 独自開発 counts as 大 for the readiness check.
CUSTOMIZATIONS = ("なし", "軽微", "中", "大")
HOSTINGS = ("庁舎内", "データセンター", "クラウド")


@dataclass(frozen=True)
class SystemInput:
    """One row of the inventory as entered (a form, the workbook or the demo)."""

    code: str
    business: str
    name: str
    vendor: str
    kind: str
    customization: str
    contract_end: dt.date
    renewal_year: int
    annual_cost: int
    hosting: str
    zone: str
    files: tuple[str, ...] = ()
    note: str = ""


def _choice(value: str, choices: tuple[str, ...], *, record: str, field: str) -> str:
    value = value.strip()
    if value not in choices:
        raise Invalid(
            f"{field}は {' / '.join(choices)} のいずれかです（入力値: {value!r}）", record=record, field=field
        )
    return value


def check(row: SystemInput) -> SystemInput:
    """The row with its text trimmed, or `Invalid` naming the system and the field."""
    code = row.code.strip()
    if not code:
        raise Invalid("システム番号が空です", field="システム番号")
    record = f"業務システム {code}"
    for value, field in ((row.business, "業務"), (row.name, "システム名"), (row.vendor, "事業者")):
        if not value.strip():
            raise Invalid(f"{field}が空です", record=record, field=field)
    if not 1989 <= row.renewal_year <= 2200:
        raise Invalid(
            f"更新年度は西暦で入力してください（入力値: {row.renewal_year}）", record=record, field="更新年度"
        )
    if row.annual_cost < 0:
        raise Invalid(f"年間経費は0以上です（入力値: {row.annual_cost}）", record=record, field="年間経費")
    renewal_start = dt.date(row.renewal_year, 4, 1)
    if row.contract_end >= renewal_start + dt.timedelta(days=365):
        raise Invalid(
            f"契約満了日 {row.contract_end} が更新年度 {row.renewal_year} より後です",
            record=record,
            field="契約満了日",
        )
    return SystemInput(
        code=code,
        business=row.business.strip(),
        name=row.name.strip(),
        vendor=row.vendor.strip(),
        kind=_choice(row.kind, KINDS, record=record, field="種別"),
        customization=_choice(row.customization, CUSTOMIZATIONS, record=record, field="カスタマイズ"),
        contract_end=row.contract_end,
        renewal_year=row.renewal_year,
        annual_cost=row.annual_cost,
        hosting=_choice(row.hosting, HOSTINGS, record=record, field="設置形態"),
        zone=_choice(row.zone, network.ZONES, record=record, field="ネットワーク区分"),
        files=tuple(dict.fromkeys(f.strip() for f in row.files if f.strip())),
        note=row.note,
    )


def upsert_system(session: Session, row: SystemInput) -> GovernanceSystem:
    """Add or update a system by its number; the files it names must be registered 特定個人情報ファイル."""
    row = check(row)
    for name in row.files:
        try:
            register.get_file(session, name=name)
        except NotFound as exc:
            raise Invalid(
                exc.message, record=f"業務システム {row.code}", field="特定個人情報ファイル"
            ) from exc
    system = session.scalar(sa.select(GovernanceSystem).where(GovernanceSystem.code == row.code))
    if system is None:
        system = GovernanceSystem(code=row.code)
        session.add(system)
    system.business, system.name, system.vendor = row.business, row.name, row.vendor
    system.kind, system.customization = row.kind, row.customization
    system.contract_end, system.renewal_year, system.annual_cost = (
        row.contract_end,
        row.renewal_year,
        row.annual_cost,
    )
    system.hosting, system.zone, system.files, system.note = row.hosting, row.zone, list(row.files), row.note
    session.flush()
    return system


def list_systems(session: Session) -> list[GovernanceSystem]:
    return list(
        session.scalars(
            sa.select(GovernanceSystem).order_by(GovernanceSystem.business, GovernanceSystem.code)
        )
    )


def get_system(session: Session, *, code: str) -> GovernanceSystem:
    system = session.scalar(sa.select(GovernanceSystem).where(GovernanceSystem.code == code.strip()))
    if system is None:
        raise NotFound(f"登録されていない業務システムです: {code}", record=code, field="システム番号")
    return system


def delete_system(session: Session, *, code: str) -> None:
    session.delete(get_system(session, code=code))
    session.flush()


def as_input(system: GovernanceSystem) -> SystemInput:
    return SystemInput(
        code=system.code,
        business=system.business,
        name=system.name,
        vendor=system.vendor,
        kind=system.kind,
        customization=system.customization,
        contract_end=system.contract_end,
        renewal_year=system.renewal_year,
        annual_cost=system.annual_cost,
        hosting=system.hosting,
        zone=system.zone,
        files=tuple(system.files or ()),
        note=system.note,
    )


def heavily_customized(system: GovernanceSystem | SystemInput) -> bool:
    """独自開発, or a package customised 中 or 大: the EA work the seed says must come before a joint cloud."""
    return system.kind == "独自開発" or CUSTOMIZATIONS.index(system.customization) >= 2
