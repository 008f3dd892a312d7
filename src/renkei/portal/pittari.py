"""ぴったりサービス: service search by municipality and life event, and electronic applications signed on the card.

An application's content (service, municipality, applicant, fields, time) is signed as a detached CMS with the
署名用 certificate after its PIN (6–16 characters, 5 tries, counted on the card). Before it is kept, the portal
checks the CMS, that the signer holds the card the person logged in with, the chain and the status by OCSP;
the signed OCSP answer is kept so the municipality can check the status at signing time itself (decision 0094).
The municipality reads its inbox and decides over the protocol; the person sees the status.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.ids import municipality_agency_code
from renkei.portal.models import PortalApplication, PortalUser
from renkei.protocol import signing
from renkei.protocol.cms import SignedDocument
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import b64
from renkei.protocol.portal import ApplicationRecord, DecisionRequest, InboxRequest
from renkei.protocol.relying import CheckedCertificate


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text | date | digits
    max_length: int = 100
    help: str = ""


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    life_event: str
    description: str
    fields: tuple[Field, ...]


LIFE_EVENTS = ("妊娠・出産", "子育て", "引越し")
SERVICES = (
    Service(
        "jidoteate-nintei",
        "児童手当 認定請求",
        "妊娠・出産",
        "児童手当を受けるための認定請求（出生・転入の日の翌日から15日以内）。",
        (
            Field("child_name", "児童の氏名", "text", 50),
            Field("child_birth_date", "児童の生年月日", "date"),
            Field("bank_account", "振込先口座番号（7桁）", "digits", 7),
        ),
    ),
    Service(
        "jidoteate-genkyo",
        "児童手当 現況届",
        "子育て",
        "受給者の現況の届出。",
        (Field("child_name", "児童の氏名", "text", 50),),
    ),
    Service(
        "tenshutsu",
        "転出届",
        "引越し",
        "他の市区町村への引越しの届出（転出予定日の14日前から）。",
        (
            Field("destination_address", "転出先の住所", "text", 200),
            Field("move_date", "転出予定日", "date"),
        ),
    ),
)
BY_CODE = {s.code: s for s in SERVICES}
SIGN_PIN = re.compile(r"^[A-Z0-9]{6,16}$")


def search(*, lg_code: str | None, life_event: str | None) -> list[Service]:
    """Every present municipality offers every service of the catalogue (decision 0094)."""
    if life_event and life_event not in LIFE_EVENTS:
        raise Invalid("ライフイベントが不明です", record=life_event, field="life_event")
    return [s for s in SERVICES if not life_event or s.life_event == life_event]


def service(code: str) -> Service:
    found = BY_CODE.get(code)
    if found is None:
        raise NotFound("その手続はありません", record=code, field="service")
    return found


def validate(chosen: Service, form: dict[str, str]) -> dict[str, str]:
    """Each field checked by its kind; the error names the field."""
    values: dict[str, str] = {}
    today = clock.today()
    for f in chosen.fields:
        value = (form.get(f.name) or "").strip()
        if not value:
            raise Invalid(f"{f.label}を入力してください", record=chosen.name, field=f.label)
        if len(value) > f.max_length:
            raise Invalid(f"{f.label}は{f.max_length}文字までです", record=chosen.name, field=f.label)
        if f.kind == "digits" and (not value.isdigit() or len(value) != f.max_length):
            raise Invalid(f"{f.label}は{f.max_length}桁の数字です", record=chosen.name, field=f.label)
        if f.kind == "date":
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                raise Invalid(
                    f"{f.label}は YYYY-MM-DD の日付です", record=chosen.name, field=f.label
                ) from None
            if f.name == "child_birth_date" and not today - dt.timedelta(days=365 * 18) < day <= today:
                raise Invalid(f"{f.label}は今日以前で18年以内の日付です", record=chosen.name, field=f.label)
            if f.name == "move_date" and not today - dt.timedelta(days=14) <= day <= today + dt.timedelta(
                days=30
            ):
                raise Invalid(f"{f.label}は14日前から30日後までです", record=chosen.name, field=f.label)
        values[f.name] = value
    return values


def check_sign_pin(pin: str) -> str:
    if not SIGN_PIN.match(pin):
        raise Invalid("署名用PINは英大文字と数字の6〜16文字です", field="署名用PIN")
    return pin


def content(chosen: Service, *, user: PortalUser, values: dict[str, str]) -> dict[str, object]:
    """What is signed: the application as the municipality will read it."""
    return {
        "application_id": uuid.uuid4().hex,
        "service": chosen.code,
        "service_name": chosen.name,
        "lg_code": user.lg_code,
        "applicant": {"lg_code": user.lg_code, "resident_id": user.resident_id},
        "fields": values,
        "applied_at": clock.now().isoformat(),
    }


def store(
    session: Session,
    *,
    user_id: int,
    body: dict[str, object],
    cms: bytes,
    document: SignedDocument,
    checked: CheckedCertificate,
) -> PortalApplication:
    assert checked.evidence is not None
    application = PortalApplication(
        id=str(body["application_id"]),
        user_id=user_id,
        lg_code=str(body["lg_code"]),
        service_code=str(body["service"]),
        content=body,
        cms=cms,
        signer_serial=document.serial,
        ocsp_response=checked.evidence.response_der,
        ocsp_nonce=checked.evidence.nonce,
        ocsp_produced_at=checked.evidence.produced_at,
        status="submitted",
        note="",
        submitted_at=clock.now(),
    )
    session.add(application)
    session.flush()
    return application


def my_applications(session: Session, *, user_id: int) -> list[PortalApplication]:
    return list(
        session.scalars(
            sa.select(PortalApplication)
            .where(PortalApplication.user_id == user_id)
            .order_by(PortalApplication.submitted_at.desc())
        )
    )


def my_application(session: Session, *, user_id: int, application_id: str) -> PortalApplication:
    """Someone else's application is "not found", never shown."""
    found = session.get(PortalApplication, application_id)
    if found is None or found.user_id != user_id:
        raise NotFound("申請が見つかりません", record=application_id, field="application_id")
    return found


def record(application: PortalApplication) -> ApplicationRecord:
    return ApplicationRecord(
        application_id=application.id,
        service_code=application.service_code,
        service_name=BY_CODE[application.service_code].name if application.service_code in BY_CODE else "",
        lg_code=application.lg_code,
        content=application.content,
        cms=b64(application.cms),
        ocsp_response=b64(application.ocsp_response),
        ocsp_nonce=b64(application.ocsp_nonce),
        ocsp_produced_at=application.ocsp_produced_at,
        status=application.status,  # type: ignore[arg-type]
        note=application.note,
        submitted_at=application.submitted_at,
        decided_at=application.decided_at,
    )


def check_municipality(request: InboxRequest | DecisionRequest, *, hub: HubClient) -> None:
    """Signed by the municipality's registered key, for its own inbox (network: no session held)."""
    if request.agency_code != municipality_agency_code(request.lg_code):
        raise Forbidden("他の団体の申請は見られません", record=request.agency_code, field="lg_code")
    request.verify(hub.agency(request.agency_code).signing_public_key, record=request.agency_code)


def inbox(session: Session, *, lg_code: str) -> list[ApplicationRecord]:
    rows = session.scalars(
        sa.select(PortalApplication)
        .where(PortalApplication.lg_code == lg_code)
        .order_by(PortalApplication.submitted_at.desc())
    )
    return [record(a) for a in rows]


def decide(session: Session, *, request: DecisionRequest) -> ApplicationRecord:
    application = session.get(PortalApplication, request.application_id)
    if application is None or application.lg_code != request.lg_code:
        raise NotFound("申請が見つかりません", record=request.application_id, field="application_id")
    if application.status != "submitted":
        if application.status == request.decision:
            return record(application)  # the same decision again (a retry)
        raise Conflict("この申請は処理済みです", record=application.id, field="status")
    application.status = request.decision
    application.note = request.note
    application.decided_at = request.decided_at
    application.decided_by = request.decided_by
    session.flush()
    return record(application)


def canonical(body: dict[str, object]) -> bytes:
    return signing.canonical_json(body)
