"""The legal basis of every use of the My Number: 別表第一 (as data) or a 条例's 独自利用事務 (番号法第9条第2項).

The integrated addressee system reveals or links a My Number only for a 事務 whose basis holds on that day; a
refusal is written to the access log and kept (`Refused` commits it, docs/decisions/0130). The 条例 registry and
the 独自利用計画 (plan view, Excel export) live here too; the 届出 to the commission is filed by the node
(renkei.intermediate.service.local_use) and its outcome recorded back with `record_notification`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.addressee.models import (
    AddresseeAccessLog,
    AddresseeJimuBasis,
    AddresseeLocalJimu,
    AddresseeOrdinance,
)
from renkei.addressee.schemas import PLAN_STATUSES, SYSTEMS, Basis, OrdinanceView, PlanRow
from renkei.addressee.service.series import allocate, check_system
from renkei.core import clock, ids
from renkei.core.errors import Conflict, Invalid, NotFound, Refused
from renkei.layouts import loader

BEPPYO1 = "beppyo1.csv"
LOCAL_SERIES = "local_jimu"
# 住基 is the register itself (番号法第7条・第8条: 指定 and 通知), not a 別表第一 事務.
REGISTER_SYSTEM = "juki"
PLAN_LABELS = PLAN_STATUSES


# --- 別表第一 as data ------------------------------------------------------------------------------------
def beppyo1_rows() -> list[dict[str, str]]:
    """The shipped rows of 別表第一 for a municipality's business systems (区分, 項番, 事務コード, 事務名, 業務システム).

    One row of 区分 法律 covers the register itself (住民基本台帳法第7条第8号の2: the number on the 住民票), which is
    not a 別表第一 利用事務 but is a use the addressee system must allow.
    """
    text = resources.files("renkei.addressee").joinpath("data", BEPPYO1).read_text(encoding="utf-8-sig")
    return [dict(row) for row in csv.DictReader(io.StringIO(text))]


def ensure_default_bases(session: Session) -> None:
    """Seed each business system's 別表第一 事務 once (idempotent on (system, 事務コード))."""
    present = {
        (b.system, b.jimu_code)
        for b in session.scalars(sa.select(AddresseeJimuBasis).where(AddresseeJimuBasis.basis_kind != "条例"))
    }
    added = False
    for row in beppyo1_rows():
        key = (row["業務システム"], row["事務コード"])
        if key in present:
            continue
        session.add(
            AddresseeJimuBasis(
                system=row["業務システム"],
                jimu_code=row["事務コード"],
                jimu_name=row["事務名"],
                basis_kind=row["区分"],
                beppyo1_item=row["項番"],
            )
        )
        added = True
    if added:
        session.flush()


# --- 条例 registry ------------------------------------------------------------------------------------------
def _ordinance_view(o: AddresseeOrdinance) -> OrdinanceView:
    return OrdinanceView.model_validate(o)


def register_ordinance(
    session: Session,
    *,
    number: str,
    title: str,
    start_on: dt.date,
    end_on: dt.date | None = None,
    adopted_on: dt.date | None = None,
) -> OrdinanceView:
    """Add a 条例 or update its dates (keyed by its number, so a retry changes nothing)."""
    number, title = number.strip(), title.strip()
    if not number:
        raise Invalid("条例番号を入力してください", field="条例番号")
    if not title:
        raise Invalid("条例の題名を入力してください", record=number, field="題名")
    if end_on is not None and end_on < start_on:
        raise Invalid(
            f"失効日 {end_on.isoformat()} が施行日 {start_on.isoformat()} より前です",
            record=number,
            field="失効日",
        )
    if adopted_on is not None and adopted_on > start_on:
        raise Invalid(
            f"公布日 {adopted_on.isoformat()} が施行日 {start_on.isoformat()} より後です",
            record=number,
            field="公布日",
        )
    ordinance = session.scalar(sa.select(AddresseeOrdinance).where(AddresseeOrdinance.number == number))
    if ordinance is None:
        ordinance = AddresseeOrdinance(number=number)
        session.add(ordinance)
    ordinance.title = title
    ordinance.start_on, ordinance.end_on, ordinance.adopted_on = start_on, end_on, adopted_on
    ordinance.updated_at = clock.now()
    session.flush()
    return _ordinance_view(ordinance)


def list_ordinances(session: Session) -> list[OrdinanceView]:
    rows = session.scalars(
        sa.select(AddresseeOrdinance).order_by(AddresseeOrdinance.start_on, AddresseeOrdinance.id)
    )
    return [_ordinance_view(o) for o in rows]


def _ordinance(session: Session, number: str) -> AddresseeOrdinance:
    found = session.scalar(sa.select(AddresseeOrdinance).where(AddresseeOrdinance.number == number.strip()))
    if found is None:
        raise NotFound(f"条例「{number}」は登録されていません", record=number, field="条例番号")
    return found


def local_jimu_code(lg_code: str, serial: int) -> str:
    """A 独自利用事務's 事務コード: JM09 + 団体コード + 6-digit serial (docs/decisions/0131)."""
    return ids.validate_jm(f"JM09{ids.validate_lg_code(lg_code)}{serial:06d}")


def define_local_jimu(
    session: Session,
    *,
    lg_code: str,
    ordinance_number: str,
    article: str,
    jimu_name: str,
    system: str,
    tm_codes: Iterable[str],
    similar_jimu_code: str = "",
) -> PlanRow:
    """A 独自利用事務 that an article of a registered 条例 defines, with the 特定個人情報 it uses.

    Gets its own 事務コード and becomes a 事務 of `system` whose basis is that 条例. Keyed by (条例, 条, 事務名):
    a retry returns the same 事務.
    """
    ordinance = _ordinance(session, ordinance_number)
    article, jimu_name = article.strip(), jimu_name.strip()
    record = f"{ordinance.number} {article}"
    if not article:
        raise Invalid("条例の条項を入力してください", record=ordinance.number, field="条項")
    if not jimu_name:
        raise Invalid("事務の名称を入力してください", record=record, field="事務名")
    check_system(system)
    if system == REGISTER_SYSTEM:
        raise Invalid("住基は独自利用事務の業務システムにできません", record=record, field="業務システム")
    codes = [c.strip() for c in tm_codes if c.strip()]
    if not codes:
        raise Invalid(
            "事務で利用する特定個人情報を1つ以上指定してください", record=record, field="特定個人情報"
        )
    for code in codes:
        ids.validate_tm(code)
        try:
            loader.tm_name(code)
        except NotFound as exc:
            raise Invalid(exc.message, record=record, field="特定個人情報") from None
    similar = ids.validate_jm(similar_jimu_code, field="準ずる法定事務") if similar_jimu_code.strip() else ""
    existing = session.scalar(
        sa.select(AddresseeLocalJimu).where(
            AddresseeLocalJimu.ordinance_id == ordinance.id,
            AddresseeLocalJimu.article == article,
            AddresseeLocalJimu.jimu_name == jimu_name,
        )
    )
    if existing is None:
        (serial,) = allocate(session, LOCAL_SERIES, 1)
        existing = AddresseeLocalJimu(
            ordinance_id=ordinance.id,
            article=article,
            jimu_code=local_jimu_code(lg_code, serial),
            jimu_name=jimu_name,
            notification_status="",
            notification_reasons="",
        )
        session.add(existing)
    elif existing.notification_status == "accepted" and (
        existing.system != system or list(existing.tm_codes) != codes or existing.similar_jimu_code != similar
    ):
        raise Conflict(
            "届出が受理された独自利用事務は変更の届出なしに変更できません",
            record=existing.jimu_code,
            field="事務",
        )
    existing.system, existing.tm_codes, existing.similar_jimu_code = system, codes, similar
    session.flush()
    basis = session.scalar(
        sa.select(AddresseeJimuBasis).where(AddresseeJimuBasis.local_jimu_id == existing.id)
    )
    if basis is None:
        basis = AddresseeJimuBasis(local_jimu_id=existing.id, basis_kind="条例", beppyo1_item="")
        session.add(basis)
    basis.system, basis.jimu_code, basis.jimu_name = system, existing.jimu_code, jimu_name
    session.flush()
    return _plan_row(existing, ordinance, on=clock.today())


# --- checking a use ------------------------------------------------------------------------------------------
def ordinance_status(ordinance: AddresseeOrdinance | OrdinanceView, *, on: dt.date) -> str:
    """planned (not 公布) / adopted (公布, not yet 施行) / in_force / ended (past its 失効日)."""
    if ordinance.adopted_on is None or on < ordinance.adopted_on:
        return "planned"
    if on < ordinance.start_on:
        return "adopted"
    if ordinance.end_on is not None and on > ordinance.end_on:
        return "ended"
    return "in_force"


def _basis(session: Session, row: AddresseeJimuBasis, *, on: dt.date) -> Basis:
    if row.basis_kind != "条例":
        label = f"番号法別表第一 {row.beppyo1_item}の項" if row.basis_kind == "別表第一" else row.beppyo1_item
        return Basis(
            system=row.system,
            jimu_code=row.jimu_code,
            jimu_name=row.jimu_name,
            kind=row.basis_kind,
            label=label,
            valid=True,
        )
    local = session.get(AddresseeLocalJimu, row.local_jimu_id)
    ordinance = session.get(AddresseeOrdinance, local.ordinance_id) if local else None
    if local is None or ordinance is None:
        return Basis(
            system=row.system,
            jimu_code=row.jimu_code,
            jimu_name=row.jimu_name,
            kind=row.basis_kind,
            label="",
            valid=False,
            reason="根拠となる条例が登録されていません",
        )
    label = f"{ordinance.number} {local.article}（{ordinance.title}）"
    status = ordinance_status(ordinance, on=on)
    reasons = {
        "planned": f"{ordinance.number}は未公布です（計画中）",
        "adopted": f"{ordinance.number}は{ordinance.start_on.isoformat()}施行で、まだ施行されていません",
        "ended": f"{ordinance.number}は{ordinance.end_on.isoformat() if ordinance.end_on else ''}で失効しています",
    }
    return Basis(
        system=row.system,
        jimu_code=row.jimu_code,
        jimu_name=row.jimu_name,
        kind=row.basis_kind,
        label=label,
        valid=status == "in_force",
        reason=reasons.get(status, ""),
    )


def list_bases(session: Session, *, on: dt.date | None = None, system: str | None = None) -> list[Basis]:
    """Every 事務 run with the My Number, with its basis and whether it holds on `on` (today by default)."""
    ensure_default_bases(session)
    query = sa.select(AddresseeJimuBasis).order_by(AddresseeJimuBasis.system, AddresseeJimuBasis.jimu_code)
    if system is not None:
        query = query.where(AddresseeJimuBasis.system == system)
    day = on or clock.today()
    return [_basis(session, row, on=day) for row in session.scalars(query)]


def basis_for(
    session: Session, *, jimu_code: str, system: str | None = None, on: dt.date | None = None
) -> Basis:
    """The basis of one 事務 (of `system` when given); a 事務 nobody registered gets an invalid basis."""
    ensure_default_bases(session)
    query = sa.select(AddresseeJimuBasis).where(AddresseeJimuBasis.jimu_code == jimu_code.strip())
    if system is not None:
        query = query.where(AddresseeJimuBasis.system == system)
    row = session.scalars(query.order_by(AddresseeJimuBasis.id)).first()
    if row is None:
        where = f"{SYSTEMS.get(system, system)}の" if system else ""
        return Basis(
            system=system or "",
            jimu_code=jimu_code,
            jimu_name="",
            kind="",
            label="",
            valid=False,
            reason=f"事務「{jimu_code}」は{where}個人番号利用事務として登録されていません（根拠なし）",
        )
    return _basis(session, row, on=on or clock.today())


def require_basis(
    session: Session,
    *,
    integrated_number: str,
    action: str,
    jimu_code: str,
    system: str | None,
    staff_id: str,
    staff_name: str,
    reason: str = "",
) -> Basis:
    """The basis that allows `action` today, or the refusal written to the access log and raised as `Refused`."""
    if not jimu_code.strip():
        basis = Basis(
            system=system or "",
            jimu_code="",
            jimu_name="",
            kind="",
            label="",
            valid=False,
            reason="個人番号を利用する事務が指定されていません（根拠なし）",
        )
    else:
        basis = basis_for(session, jimu_code=jimu_code, system=system)
    if basis.valid:
        return basis
    note = f"拒否: {basis.reason}" + (f" / 理由: {reason.strip()}" if reason.strip() else "")
    session.add(
        AddresseeAccessLog(
            integrated_number=integrated_number,
            action=f"refused_{action}",
            staff_id=str(staff_id)[:40],
            staff_name=staff_name[:100],
            reason=note[:400],
            accessed_at=clock.now(),
        )
    )
    session.flush()
    raise Refused(basis.reason, record=integrated_number, field="事務コード")


def require_system_basis(
    session: Session, *, integrated_number: str, system: str, jimu_code: str | None = None
) -> Basis:
    """Linking a business system's 宛名番号 is a use of the My Number by that system: it needs a 事務 of the
    system with a basis today (the one named, or any of the system's 事務 when none is named)."""
    if jimu_code:
        return require_basis(
            session,
            integrated_number=integrated_number,
            action="link",
            jimu_code=jimu_code,
            system=system,
            staff_id="system",
            staff_name=SYSTEMS.get(system, system),
        )
    bases = list_bases(session, system=system)
    for basis in bases:
        if basis.valid:
            return basis
    why = bases[0].reason if bases else "根拠のある個人番号利用事務が登録されていません"
    label = SYSTEMS.get(system, system)
    session.add(
        AddresseeAccessLog(
            integrated_number=integrated_number,
            action="refused_link",
            staff_id="system",
            staff_name=label,
            reason=f"拒否: {label}: {why}"[:400],
            accessed_at=clock.now(),
        )
    )
    session.flush()
    raise Refused(f"{label}: {why}", record=integrated_number, field="業務システム")


# --- the 独自利用計画 --------------------------------------------------------------------------------------------
def _plan_row(local: AddresseeLocalJimu, ordinance: AddresseeOrdinance, *, on: dt.date) -> PlanRow:
    return PlanRow(
        ordinance=_ordinance_view(ordinance),
        article=local.article,
        jimu_code=local.jimu_code,
        jimu_name=local.jimu_name,
        system=local.system,
        similar_jimu_code=local.similar_jimu_code,
        tm_codes=list(local.tm_codes),
        status=ordinance_status(ordinance, on=on),
        notification_id=local.notification_id,
        notification_status=local.notification_status,
        notification_reasons=local.notification_reasons,
    )


def plan(session: Session, *, on: dt.date | None = None) -> list[PlanRow]:
    """Every 独自利用事務 with its 条例, planned / adopted / in force / ended on `on` (today by default)."""
    day = on or clock.today()
    rows = session.execute(
        sa.select(AddresseeLocalJimu, AddresseeOrdinance)
        .join(AddresseeOrdinance, AddresseeOrdinance.id == AddresseeLocalJimu.ordinance_id)
        .order_by(AddresseeOrdinance.start_on, AddresseeLocalJimu.jimu_code)
    )
    return [_plan_row(local, ordinance, on=day) for local, ordinance in rows]


def local_jimu(session: Session, *, jimu_code: str) -> PlanRow:
    local = session.scalar(
        sa.select(AddresseeLocalJimu).where(AddresseeLocalJimu.jimu_code == jimu_code.strip())
    )
    if local is None:
        raise NotFound(
            f"独自利用事務「{jimu_code}」は登録されていません", record=jimu_code, field="事務コード"
        )
    ordinance = session.get(AddresseeOrdinance, local.ordinance_id)
    assert ordinance is not None
    return _plan_row(local, ordinance, on=clock.today())


def record_notification(
    session: Session, *, jimu_code: str, notification_id: str, status: str, reasons: str = ""
) -> PlanRow:
    """Keep what the commission answered to this 事務's 届出 (filed / accepted / returned with reasons)."""
    if status not in ("filed", "accepted", "returned"):
        raise Invalid(f"届出の状態が不正です: {status}", record=jimu_code, field="届出状況")
    local = session.scalar(sa.select(AddresseeLocalJimu).where(AddresseeLocalJimu.jimu_code == jimu_code))
    if local is None:
        raise NotFound(
            f"独自利用事務「{jimu_code}」は登録されていません", record=jimu_code, field="事務コード"
        )
    local.notification_id, local.notification_status = notification_id, status
    local.notification_reasons, local.notified_at = reasons, clock.now()
    session.flush()
    return local_jimu(session, jimu_code=jimu_code)
