"""LGWAN-ASP registry use cases: apply, review item by item, register when every item passes, abolish."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.lgwan.models import LgwanAspService, LgwanReviewItem
from renkei.protocol.lgwan import (
    CATEGORIES,
    CHECKLIST,
    CONNECTION_FORMS,
    PROVIDER_KINDS,
    STATUSES,
    Application,
    AspService,
    ReviewItem,
)


def _view(session: Session, row: LgwanAspService) -> AspService:
    items = {
        i.code: i
        for i in session.scalars(sa.select(LgwanReviewItem).where(LgwanReviewItem.service_id == row.id))
    }
    return AspService(
        id=row.id,
        registration_number=row.registration_number,
        provider=row.provider,
        provider_kind=row.provider_kind,
        name=row.name,
        category=row.category,
        connection_form=row.connection_form,
        description=row.description,
        status=row.status,
        applied_at=row.applied_at,
        registered_at=row.registered_at,
        abolished_at=row.abolished_at,
        checklist=[
            ReviewItem(
                code=code,
                label=label,
                result=items[code].result if code in items else "未確認",  # type: ignore[arg-type]
                note=items[code].note if code in items else "",
            )
            for code, label in CHECKLIST.items()
        ],
    )


def _get(session: Session, service_id: int) -> LgwanAspService:
    row = session.get(LgwanAspService, service_id)
    if row is None:
        raise NotFound("LGWAN-ASPサービスが見つかりません", record=str(service_id), field="id")
    return row


def apply(session: Session, *, application: Application) -> AspService:
    """申請; the same provider and service name again returns the application already made."""
    for value, allowed, field in (
        (application.provider_kind, PROVIDER_KINDS, "提供者の種別"),
        (application.category, CATEGORIES, "サービス区分"),
        (application.connection_form, CONNECTION_FORMS, "接続形態"),
    ):
        if value not in allowed:
            raise Invalid(
                f"{field}は {'・'.join(allowed)} のいずれかです", record=application.name, field=field
            )
    existing = session.scalar(
        sa.select(LgwanAspService).where(
            LgwanAspService.provider == application.provider, LgwanAspService.name == application.name
        )
    )
    if existing is not None:
        return _view(session, existing)
    row = LgwanAspService(
        provider=application.provider,
        provider_kind=application.provider_kind,
        name=application.name,
        category=application.category,
        connection_form=application.connection_form,
        description=application.description,
        status="申請",
        applied_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return _view(session, row)


def start_review(session: Session, *, service_id: int) -> AspService:
    row = _get(session, service_id)
    if row.status == "申請":
        row.status = "審査中"
        session.flush()
    elif row.status != "審査中":
        raise Conflict(f"{row.status}のサービスは審査できません", record=row.name, field="status")
    return _view(session, row)


def check(session: Session, *, service_id: int, code: str, result: str, note: str = "") -> AspService:
    """Record one checklist item; only while 審査中."""
    row = _get(session, service_id)
    if row.status != "審査中":
        raise Conflict("審査中のサービスだけ審査項目を記録できます", record=row.name, field="status")
    if code not in CHECKLIST:
        raise Invalid(f"審査項目は {', '.join(CHECKLIST)} です", record=code, field="審査項目")
    if result not in ("適合", "不適合", "未確認"):
        raise Invalid("結果は 適合・不適合・未確認 です", record=code, field="結果")
    session.merge(
        LgwanReviewItem(
            service_id=row.id, code=code, result=result, note=note.strip()[:200], checked_at=clock.now()
        )
    )
    session.flush()
    return _view(session, row)


def register(session: Session, *, service_id: int) -> AspService:
    """登録: every checklist item must be 適合; a registration number is given."""
    row = _get(session, service_id)
    if row.status == "登録":
        return _view(session, row)
    if row.status != "審査中":
        raise Conflict(
            f"{row.status}のサービスは登録できません（先に審査を開始してください）",
            record=row.name,
            field="status",
        )
    view = _view(session, row)
    failing = [i.code for i in view.checklist if i.result != "適合"]
    if failing:
        raise Conflict(
            f"適合していない審査項目があります: {', '.join(failing)}", record=row.name, field="審査項目"
        )
    count = session.scalar(sa.select(sa.func.count()).where(LgwanAspService.registration_number.is_not(None)))
    row.registration_number = f"ASP-{int(count or 0) + 1:06d}"
    row.status = "登録"
    row.registered_at = clock.now()
    session.flush()
    return _view(session, row)


def abolish(session: Session, *, service_id: int) -> AspService:
    row = _get(session, service_id)
    if row.status != "廃止":
        row.status = "廃止"
        row.abolished_at = clock.now()
        session.flush()
    return _view(session, row)


def services(session: Session, *, status: str | None = None) -> list[AspService]:
    if status is not None and status not in STATUSES:
        raise Invalid(f"状態は {'・'.join(STATUSES)} のいずれかです", record=status, field="状態")
    query = sa.select(LgwanAspService).order_by(LgwanAspService.id)
    if status:
        query = query.where(LgwanAspService.status == status)
    return [_view(session, r) for r in session.scalars(query)]
