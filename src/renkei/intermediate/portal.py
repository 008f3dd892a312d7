"""The municipality's side of the portal: a 取得番号 for its 利用者登録 (0090), お知らせ (0093), the inbox (0094).

The request must be signed with the key the hub has registered for an agency of kind 情報提供等記録開示システム,
and jpki must confirm that the 利用者証明用 certificate named in it is held by that very resident: the portal can
only ask for the person who has just logged in with their card.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from renkei.core import clock
from renkei.core.errors import Forbidden, Invalid, RenkeiError
from renkei.core.settings import Settings
from renkei.intermediate.service.node import node_keys
from renkei.protocol import signing
from renkei.protocol.cms import verify_detached
from renkei.protocol.hub import HubClient
from renkei.protocol.jpki import JpkiClient, unb64
from renkei.protocol.jukinet import JukinetClient
from renkei.protocol.portal import (
    PORTAL_KIND,
    ApplicationRecord,
    DecisionRequest,
    InboxRequest,
    NoticeSubmission,
    PortalAcquisitionNumber,
    PortalAcquisitionRequest,
)
from renkei.protocol.relying import CertificateChecker, OcspEvidence
from renkei.residents import service as residents


def check_portal_request(
    *, lg_code: str, request: PortalAcquisitionRequest, hub: HubClient, jpki: JpkiClient
) -> None:
    """Refuse unless the portal signed the request and the certificate is this resident's (network calls only)."""
    record = f"{request.lg_code}/{request.resident_id}"
    if request.lg_code != lg_code:
        raise Forbidden("他の団体の住民についての要求です", record=record, field="lg_code")
    agency = hub.agency(request.agency_code)
    if agency.kind != PORTAL_KIND:
        raise Forbidden("情報提供等記録開示システム以外からの要求です", record=request.agency_code)
    request.verify(agency.signing_public_key, record=request.agency_code)
    holder = jpki.certificate_holder(serial=request.auth_serial)
    if (holder.lg_code, holder.resident_id) != (request.lg_code, request.resident_id):
        raise Forbidden("利用者証明用電子証明書の保有者ではありません", record=record, field="auth_serial")


def portal_acquisition_number(
    session: Session, *, settings: Settings, request: PortalAcquisitionRequest, jukinet: JukinetClient
) -> PortalAcquisitionNumber:
    numbers = residents.issue_acquisition_numbers(
        session, resident_ids=[request.resident_id], jukinet=jukinet, settings=settings
    )
    return PortalAcquisitionNumber(acquisition_number=numbers[request.resident_id])


# -- お知らせ (decision 0093) -----------------------------------------------------------------------------------
TARGETS = {
    "person": "指定した住民（宛名番号）",
    "child_under_3": "3歳未満の子がいる世帯の18歳以上の世帯員（児童手当のご案内など）",
}


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def notice_recipients(session: Session, *, target: str, atena_number: str | None = None) -> list[int]:
    """Resident ids of the chosen residents (active only), from this municipality's own register."""
    if target == "person":
        if not atena_number:
            raise Invalid("宛名番号を入力してください", field="宛名番号")
        resident = residents.find_by_atena_number(session, atena_number=atena_number)
        if resident.status != "active":
            raise Invalid("住民票に記載のある方ではありません", record=atena_number, field="宛名番号")
        return [resident.id]
    if target != "child_under_3":
        raise Invalid("送信先の条件が不明です", record=target, field="送信先")
    today = clock.today()
    households: dict[str, list[Any]] = defaultdict(list)
    offset = 0
    while batch := residents.list_residents(session, status="active", limit=1000, offset=offset):
        offset += len(batch)
        for person in batch:
            households[person.household_number].append(person)
    chosen = [
        p.id
        for members in households.values()
        if any(_age(m.birth_date, today) < 3 for m in members)
        for p in members
        if _age(p.birth_date, today) >= 18
    ]
    if not chosen:
        raise Invalid("条件に当てはまる住民がいません", record=TARGETS[target], field="送信先")
    return sorted(chosen)


def prepare_notice(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    title: str,
    body: str,
    target: str,
    atena_number: str | None,
    sent_by: str,
) -> NoticeSubmission:
    """The signed submission for the portal (the caller sends it after this transaction)."""
    recipients = notice_recipients(session, target=target, atena_number=atena_number)
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    try:
        submission = NoticeSubmission(
            notice_id=uuid.uuid4().hex,
            agency_code=keys.agency_code,
            lg_code=lg_code,
            title=title.strip(),
            body=body.strip(),
            condition=TARGETS[target],
            recipients=recipients,
            sent_by=sent_by,
            sent_at=clock.now(),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        name = {"title": "件名", "body": "本文"}.get(str(first["loc"][0]), str(first["loc"][0]))
        raise Invalid(f"{name}: 1文字以上、上限以内で入力してください", field=name) from None
    signed: NoticeSubmission = submission.signed(keys.signing_key)
    return signed


# -- ぴったりサービス: the municipality's inbox at the portal (decision 0094) ----------------------------------------
@dataclass(frozen=True)
class ApplicationCheck:
    """What the clerk sees about an application's signature, checked here and not taken from the portal."""

    signature_ok: bool
    signer_serial: str | None
    signing_time: dt.datetime | None
    status_at_signing: str | None  # good | hold | revoked | unknown, from the responder's signed answer
    signer_is_applicant: bool
    problems: list[str]

    @property
    def ok(self) -> bool:
        return self.signature_ok and self.status_at_signing == "good" and self.signer_is_applicant


def inbox_request(session: Session, *, lg_code: str, settings: Settings) -> InboxRequest:
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    request = InboxRequest(agency_code=keys.agency_code, lg_code=lg_code, requested_at=clock.now())
    signed: InboxRequest = request.signed(keys.signing_key)
    return signed


def decision_request(
    session: Session,
    *,
    lg_code: str,
    settings: Settings,
    application_id: str,
    decision: str,
    note: str,
    decided_by: str,
) -> DecisionRequest:
    if decision not in ("accepted", "returned"):
        raise Invalid("処理は「受理」か「返戻」です", record=application_id, field="処理")
    if decision == "returned" and not note.strip():
        raise Invalid("返戻の理由を入力してください", record=application_id, field="理由")
    keys = node_keys(session, lg_code=lg_code, settings=settings)
    request = DecisionRequest(
        agency_code=keys.agency_code,
        lg_code=lg_code,
        application_id=application_id,
        decision=decision,  # type: ignore[arg-type]
        note=note.strip()[:500],
        decided_by=decided_by,
        decided_at=clock.now(),
    )
    signed: DecisionRequest = request.signed(keys.signing_key)
    return signed


def check_application(
    record: ApplicationRecord, *, checker: CertificateChecker, jpki: JpkiClient
) -> ApplicationCheck:
    """Verify the CMS over the content, the OCSP answer kept from signing time, and that the signer is the applicant."""
    problems: list[str] = []
    try:
        document = verify_detached(
            unb64(record.cms), signing.canonical_json(record.content), record=record.application_id
        )
    except RenkeiError as exc:
        return ApplicationCheck(False, None, None, None, False, [exc.message])
    status: str | None = None
    try:
        evidence = OcspEvidence(
            unb64(record.ocsp_response), unb64(record.ocsp_nonce), record.ocsp_produced_at
        )
        status = checker.status_at(document.certificate_der, evidence, role="sign")
    except RenkeiError as exc:
        problems.append(f"署名時点の証明書の状態を確認できません: {exc.message}")
    applicant = record.content.get("applicant") or {}
    holder = jpki.certificate_holder(serial=document.serial, kind="sign")
    matches = (holder.lg_code, holder.resident_id) == (applicant.get("lg_code"), applicant.get("resident_id"))
    if not matches:
        problems.append("署名者が申請者本人ではありません")
    if status not in (None, "good"):
        problems.append(f"署名時点で証明書が有効ではありませんでした（{status}）")
    return ApplicationCheck(True, document.serial, document.signing_time, status, matches, problems)
