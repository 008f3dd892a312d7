"""証明書発行サーバ use cases: issue a sealed certificate for the center, answer verification codes, fees, 課税.

Each issuance and its record are one transaction; the number is per municipality and month. Decision 0086.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import secrets

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from renkei.certificates import documents, seal
from renkei.certificates.models import (
    CertificatesFee,
    CertificatesIssuance,
    CertificatesSealKey,
    CertificatesTax,
)
from renkei.core import clock, ids, wareki
from renkei.core.clock import JST
from renkei.core.errors import Conflict, Forbidden, Invalid, NotFound
from renkei.core.settings import Settings
from renkei.protocol.kiosk import KIND_LABELS, CodeCheck, IssuedDocument, IssueRequest
from renkei.residents import service as residents

# 交付手数料 when the municipality has set none (円; many municipalities charge 200–300 at a kiosk: decision 0086).
DEFAULT_FEES = {"juminhyo": 200, "inkan": 200, "kazei": 300}
_PREFIX = {"juminhyo": "J", "inkan": "I", "kazei": "K"}
_SEX = {"1": "男", "2": "女"}
TAX_HEADINGS = ("宛名番号", "年度", "総所得金額等", "市町村民税額", "道府県民税額")


class IssuanceView(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    number: str
    kind: str
    resident_id: int
    name: str
    channel: str
    kiosk_id: str | None
    copies: int
    fee: int
    verification_code: str
    sha256: str
    issued_at: dt.datetime

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def fee(session: Session, *, lg_code: str, kind: str) -> int:
    row = session.get(CertificatesFee, (lg_code, kind))
    return DEFAULT_FEES[kind] if row is None else row.amount


def fees(session: Session, *, lg_code: str) -> dict[str, int]:
    return {kind: fee(session, lg_code=lg_code, kind=kind) for kind in KIND_LABELS}


def set_fee(session: Session, *, lg_code: str, kind: str, amount: int) -> None:
    if kind not in KIND_LABELS:
        raise Invalid("証明書の種類は juminhyo, inkan, kazei です", record=kind, field="種類")
    if not 0 <= amount <= 10_000:
        raise Invalid("手数料は0〜10,000円です", record=kind, field="手数料")
    session.merge(CertificatesFee(lg_code=ids.validate_lg_code(lg_code), kind=kind, amount=amount))
    session.flush()


def load_tax(session: Session, *, data: bytes) -> int:
    """課税 figures from the tax system's CSV (TAX_HEADINGS; UTF-8 or CP932); a bad line rejects the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != TAX_HEADINGS:
        raise Invalid(f"見出し行は {','.join(TAX_HEADINGS)} にしてください", record="1行目", field="見出し")
    count = 0
    for line, row in enumerate(reader, start=2):
        where = f"{line}行目"
        try:
            resident = residents.find_by_atena_number(session, atena_number=row["宛名番号"])
        except NotFound:
            raise NotFound("住民記録にない宛名番号です", record=where, field="宛名番号") from None
        values = {}
        for name in TAX_HEADINGS[1:]:
            try:
                values[name] = int(row[name].replace(",", ""))
            except ValueError:
                raise Invalid("数字で書いてください", record=where, field=name) from None
        session.merge(
            CertificatesTax(
                resident_id=resident.id,
                fiscal_year=values["年度"],
                income=values["総所得金額等"],
                municipal_tax=values["市町村民税額"],
                prefectural_tax=values["道府県民税額"],
            )
        )
        count += 1
    session.flush()
    return count


def _number(session: Session, lg_code: str, kind: str) -> str:
    month = clock.now().astimezone(JST).strftime("%Y%m")
    prefix = f"{_PREFIX[kind]}{month}-"
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(CertificatesIssuance)
        .where(CertificatesIssuance.lg_code == lg_code, CertificatesIssuance.number.startswith(prefix))
    )
    return f"{prefix}{int(count or 0) + 1:06d}"


def _code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def issue(
    session: Session,
    *,
    lg_code: str,
    municipality: str,
    request: IssueRequest,
    settings: Settings,
    channel: str = "kiosk",
) -> IssuedDocument:
    """The certificate the center asked for, sealed; refused with the message the kiosk shows when not issuable."""
    lg_code = ids.validate_lg_code(lg_code)
    resident = residents.get_resident(session, resident_id=request.resident_id)
    if resident.status != "active":
        raise Forbidden(
            "この市区町村に住民登録のない方には交付できません。お住まいの市区町村にお問い合わせください",
            record=str(request.resident_id),
            field="status",
        )
    order = request.order
    number, code, today = _number(session, lg_code, order.kind), _code(), clock.today()
    kiosk = request.kiosk_id if channel == "kiosk" else None
    if order.kind == "juminhyo":
        members = (
            residents.household_members(session, household_number=resident.household_number)
            if order.household
            else [resident]
        )
        members = [m for m in members if m.status == "active"]
        head = next((m.name for m in members if m.relationship == "世帯主"), resident.name)
        if not order.household and resident.relationship != "世帯主":
            household = residents.household_members(session, household_number=resident.household_number)
            head = next((m.name for m in household if m.relationship == "世帯主"), head)
        pdf = documents.juminhyo(
            number=number,
            code=code,
            kiosk_id=kiosk,
            municipality=municipality,
            head=head,
            persons=[
                {
                    "name": m.name,
                    "kana": m.name_kana,
                    "birth": wareki.to_wareki(m.birth_date),
                    "sex": _SEX.get(m.sex, m.sex),
                    "relationship": m.relationship,
                    "since": wareki.to_wareki(m.resident_since),
                    "address": m.address,
                }
                for m in members
            ],
            issued_on=today,
        )
    elif order.kind == "inkan":
        registered = residents.current_seal(session, resident_id=resident.id)
        if registered is None:
            raise Forbidden(
                "印鑑登録がありません。市区町村の窓口で印鑑登録をしてください",
                record=str(resident.id),
                field="印鑑登録",
            )
        pdf = documents.inkan(
            number=number,
            code=code,
            kiosk_id=kiosk,
            municipality=municipality,
            seal_number=registered.number,
            impression=registered.impression,
            name=resident.name,
            birth=wareki.to_wareki(resident.birth_date),
            address=resident.address,
            issued_on=today,
        )
    else:
        year = order.fiscal_year or today.year - (today.month < 6)
        tax = session.get(CertificatesTax, (resident.id, year))
        if tax is None:
            raise Forbidden(
                f"{year}年度の課税情報がありません。市区町村の窓口にお問い合わせください",
                record=str(resident.id),
                field="年度",
            )
        pdf = documents.kazei(
            number=number,
            code=code,
            kiosk_id=kiosk,
            municipality=municipality,
            fiscal_year=year,
            name=resident.name,
            address=resident.address,
            income=tax.income,
            municipal_tax=tax.municipal_tax,
            prefectural_tax=tax.prefectural_tax,
            issued_on=today,
        )
    key = seal.ensure_seal(session, lg_code=lg_code, municipality=municipality, settings=settings)
    sealed = seal.seal_pdf(key, pdf, settings=settings, reason=f"{KIND_LABELS[order.kind]}の交付（{number}）")
    amount = fee(session, lg_code=lg_code, kind=order.kind) * order.copies
    now = clock.now()
    session.add(
        CertificatesIssuance(
            lg_code=lg_code,
            number=number,
            kind=order.kind,
            resident_id=resident.id,
            name=resident.name,
            channel=channel,
            kiosk_id=kiosk,
            copies=order.copies,
            fee=amount,
            verification_code=code,
            sha256=hashlib.sha256(sealed).hexdigest(),
            issued_at=now,
        )
    )
    session.flush()
    return IssuedDocument(
        number=number,
        kind=order.kind,
        pdf=base64.b64encode(sealed).decode(),
        verification_code=code,
        fee=amount,
        issued_at=now,
    )


def check_code(session: Session, *, code: str) -> CodeCheck:
    """証明書確認: a verification code printed on a certificate → what was issued (never more than the paper shows)."""
    row = session.scalar(
        sa.select(CertificatesIssuance).where(CertificatesIssuance.verification_code == code.strip().upper())
    )
    if row is None:
        return CodeCheck(found=False, message="この証明書確認番号で交付された証明書はありません")
    return CodeCheck(
        found=True,
        number=row.number,
        kind=row.kind,  # type: ignore[arg-type]
        issued_at=row.issued_at,
        name=row.name,
        sha256=row.sha256,
        message=f"{KIND_LABELS[row.kind]} 第{row.number}号として交付された証明書です",
    )


def history(session: Session, *, resident_id: int) -> list[IssuanceView]:
    rows = session.scalars(
        sa.select(CertificatesIssuance)
        .where(CertificatesIssuance.resident_id == resident_id)
        .order_by(CertificatesIssuance.id.desc())
    )
    return [IssuanceView.model_validate(r) for r in rows]


def issued_in(session: Session, *, start: dt.datetime, end: dt.datetime) -> list[IssuanceView]:
    rows = session.scalars(
        sa.select(CertificatesIssuance)
        .where(CertificatesIssuance.issued_at >= start, CertificatesIssuance.issued_at < end)
        .order_by(CertificatesIssuance.id)
    )
    return [IssuanceView.model_validate(r) for r in rows]


def seal_root(session: Session, *, lg_code: str) -> bytes:
    """The root certificate (DER) a verifier installs to check this municipality's seals."""
    row = session.get(CertificatesSealKey, ids.validate_lg_code(lg_code))
    if row is None:
        raise Conflict("まだ電子公印がありません（証明書を一度交付すると作られます）", record=lg_code)
    return row.root_der
