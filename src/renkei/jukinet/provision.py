"""本人確認情報の提供 (住基法第30条の9): recipients, the 別表第一 table, 照会 by code or 基本4情報, disclosure.

Every 照会 — provided, not found or refused — is one entry of the provision log (a hash chain with signed tree
heads, `renkei.protocol.ledger`), in the same transaction as the answer. The entry names the person by 住民票コード
(jukinet's own key), the recipient, the 事務 and the items handed over, never their values. Decisions 0080, 0081.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import unicodedata
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from renkei.core import clock, ids
from renkei.core.crypto import derive_key
from renkei.core.errors import Conflict, Invalid, NotFound
from renkei.jukinet.models import PROVISIONS, JukinetIdentityChange, JukinetPerson, JukinetRecipient
from renkei.jukinet.numbering import NumberingKeys
from renkei.protocol import signing
from renkei.protocol.jukinet import IdentityChange
from renkei.protocol.provision import (
    Affair,
    Disclosure,
    DisclosureEntry,
    IdentityQuery,
    LedgerCheck,
    ProvidedIdentity,
    ProvisionAnswer,
    ProvisionRequest,
    QueryResult,
    Recipient,
    RecipientRegistration,
)

PROVIDER = "地方公共団体情報システム機構（全国サーバ）"
# 提供状況 is kept, and disclosed, for 7 years from the provision (as the 都道府県 pages state).
RETENTION_YEARS = 7


def signing_key(master: bytes) -> signing.Ed25519PrivateKey:
    """The key that signs the provision log's tree heads, derived from `jukinet_key`."""
    return signing.signing_key_from_seed(
        derive_key(master, "jukinet provision records signing key (Ed25519)")
    )


@functools.cache
def affairs() -> tuple[Affair, ...]:
    """住基法 別表第一 as renkei carries it (jukinet/data/juki_beppyo1.csv; decision 0080)."""
    text = resources.files("renkei.jukinet").joinpath("data/juki_beppyo1.csv").read_text("utf-8")
    return tuple(
        Affair(
            number=row["項番"],
            recipient_name=row["提供を受ける者"],
            code=row["事務コード"],
            name=row["事務"],
            basis=row["根拠"],
            items=row["提供項目"].split("|"),  # type: ignore[arg-type]
        )
        for row in csv.DictReader(text.splitlines())
    )


def _affairs_of(name: str) -> list[Affair]:
    return [a for a in affairs() if a.recipient_name == name]


def _recipient(row: JukinetRecipient) -> Recipient:
    return Recipient(code=row.code, name=row.name, affairs=_affairs_of(row.name))


def register_recipient(session: Session, *, registration: RecipientRegistration) -> Recipient:
    """Register a national body named in 別表第一; registering the same code and name again is a no-op."""
    if not _affairs_of(registration.name):
        raise Invalid(
            "住民基本台帳法別表第一に掲げる者ではありません", record=registration.name, field="name"
        )
    existing = session.get(JukinetRecipient, registration.code)
    if existing is not None:
        if existing.name != registration.name:
            raise Conflict(
                f"この機関コードは「{existing.name}」として登録済みです",
                record=registration.code,
                field="code",
            )
        return _recipient(existing)
    row = JukinetRecipient(code=registration.code, name=registration.name, registered_at=clock.now())
    session.add(row)
    session.flush()
    return _recipient(row)


def recipients(session: Session) -> list[Recipient]:
    return [
        _recipient(r) for r in session.scalars(sa.select(JukinetRecipient).order_by(JukinetRecipient.code))
    ]


def _normal(text: str | None) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def _validate(query: IdentityQuery, index: int) -> None:
    where = query.ref or f"{index + 1}件目"
    if query.juminhyo_code is not None:
        ids.validate_juminhyo_code(query.juminhyo_code)
        return
    if not (query.name and query.name.strip()):
        raise Invalid("住民票コードか氏名を指定してください", record=where, field="氏名")
    if query.birth_date is None:
        raise Invalid("基本4情報による照会には生年月日が必要です", record=where, field="生年月日")
    if query.sex is None:
        raise Invalid("基本4情報による照会には性別が必要です", record=where, field="性別")


def _find(session: Session, query: IdentityQuery) -> tuple[JukinetPerson | None, str]:
    if query.juminhyo_code is not None:
        person = session.get(JukinetPerson, query.juminhyo_code)
        return person, "" if person else "該当する本人確認情報がありません"
    candidates = session.scalars(
        sa.select(JukinetPerson).where(
            JukinetPerson.birth_date == query.birth_date, JukinetPerson.sex == query.sex
        )
    ).all()
    name = _normal(query.name)
    hits = [p for p in candidates if _normal(p.name) == name]
    if query.address:
        address = _normal(query.address)
        hits = [p for p in hits if _normal(p.address) == address]
    if not hits:
        return None, "該当する本人確認情報がありません"
    if len(hits) > 1:
        return None, f"該当者が{len(hits)}名います。住所または住民票コードで特定してください"
    return hits[0], ""


def _provided(
    session: Session, person: JukinetPerson, affair: Affair, keys: NumberingKeys
) -> ProvidedIdentity:
    items = set(affair.items)
    changes: list[IdentityChange] = []
    if "異動情報" in items:
        changes = [
            IdentityChange(
                juminhyo_code=h.juminhyo_code,
                kind=h.kind,  # type: ignore[arg-type]
                lg_code=h.lg_code,
                effective_on=h.effective_on,
                name=h.name,
                name_kana=h.name_kana,
                former_surname=h.former_surname,
                address=h.address,
            )
            for h in session.scalars(
                sa.select(JukinetIdentityChange)
                .where(JukinetIdentityChange.juminhyo_code == person.juminhyo_code)
                .order_by(JukinetIdentityChange.id)
            )
        ]
    mynumber = None
    if "個人番号" in items:
        code = person.juminhyo_code
        mynumber = keys.sealer().decrypt(person.mynumber_sealed, code.encode()).decode()
    return ProvidedIdentity(
        juminhyo_code=person.juminhyo_code if "住民票コード" in items else None,
        mynumber=mynumber,
        name=person.name,
        name_kana=person.name_kana,
        former_surname=person.former_surname,
        birth_date=person.birth_date,
        sex=person.sex,  # type: ignore[arg-type]
        address=person.address,
        status=person.status,  # type: ignore[arg-type]
        changes=changes,
    )


def provide(
    session: Session,
    *,
    request: ProvisionRequest,
    keys: NumberingKeys,
    key: signing.Ed25519PrivateKey,
) -> ProvisionAnswer:
    """Answer a 照会 (one, or a whole file) for one recipient and one 事務; record each query, refused or not.

    A recipient not registered, or a 事務 not in its rows of 別表第一, is refused: the answer says why, and each
    query is recorded as refused (with the person it named, when jukinet knows them) so the person sees it.
    Malformed queries reject the whole request before anything is recorded.
    """
    for index, query in enumerate(request.queries):
        _validate(query, index)
    recipient = session.get(JukinetRecipient, request.recipient_code)
    affair = next(
        (a for a in affairs() if a.code == request.affair_code),
        None,
    )
    refusal = ""
    if recipient is None:
        refusal = f"本人確認情報の提供先として登録のない機関です: {request.recipient_code}"
    elif affair is None or affair.recipient_name != recipient.name:
        refusal = (
            f"「{recipient.name}」に住民基本台帳法別表第一で提供が認められた事務ではありません: "
            f"{request.affair_code}"
        )
    query_kinds = ["住民票コード" if q.juminhyo_code else "基本4情報" for q in request.queries]
    bodies: list[dict[str, Any]] = []
    found: list[tuple[JukinetPerson | None, str]] = [_find(session, q) for q in request.queries]
    for query, kind, (person, message) in zip(request.queries, query_kinds, found, strict=True):
        bodies.append(
            {
                "kind": "refused" if refusal else ("provided" if person else "not_found"),
                "recipient_code": request.recipient_code,
                "recipient_name": recipient.name if recipient else None,
                "affair_code": request.affair_code,
                "affair_name": affair.name if affair else None,
                "method": request.method,
                "query_kind": kind,
                "ref": query.ref,
                "juminhyo_code": person.juminhyo_code if person else None,
                "items": [] if refusal or person is None or affair is None else list(affair.items),
                "reason": refusal or message,
            }
        )
    seqs = PROVISIONS.append_many(session, bodies, key=key)
    if refusal:
        return ProvisionAnswer(
            status="refused",
            message=refusal,
            recipient_code=request.recipient_code,
            affair_code=request.affair_code,
            results=[
                QueryResult(ref=q.ref, found=False, message=refusal, record_seq=s)
                for q, s in zip(request.queries, seqs, strict=True)
            ],
        )
    assert affair is not None
    results = []
    for query, (person, message), seq in zip(request.queries, found, seqs, strict=True):
        results.append(
            QueryResult(
                ref=query.ref,
                found=person is not None,
                message=message or "提供しました",
                record_seq=seq,
                identity=_provided(session, person, affair, keys) if person else None,
            )
        )
    provided = sum(1 for r in results if r.found)
    return ProvisionAnswer(
        status="provided",
        message=f"{len(results)}件中{provided}件を提供しました",
        recipient_code=request.recipient_code,
        affair_code=request.affair_code,
        results=results,
    )


def disclosure(session: Session, *, juminhyo_code: str) -> Disclosure:
    """本人確認情報の提供状況: who received (or was refused) this person's information, when, for which 事務."""
    code = ids.validate_juminhyo_code(juminhyo_code)
    if session.get(JukinetPerson, code) is None:
        raise NotFound("住基ネットに登録のない住民票コードです", record=code, field="住民票コード")
    today = clock.today()
    try:
        since = today.replace(year=today.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        since = today.replace(year=today.year - RETENTION_YEARS, day=28)
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    model = PROVISIONS.entry_model
    rows = session.scalars(
        sa.select(model).where(model.juminhyo_code == code, model.recorded_at >= start).order_by(model.seq)
    )
    entries = [
        DisclosureEntry(
            seq=row.seq,
            provided_at=row.recorded_at,
            method=row.body["method"],
            query_kind=row.body["query_kind"],
            affair_code=row.body["affair_code"],
            affair_name=row.body.get("affair_name") or "（別表にない事務）",
            provider=PROVIDER,
            recipient_code=row.body["recipient_code"],
            recipient_name=row.body.get("recipient_name") or "（未登録の機関）",
            status="refused" if row.body["kind"] == "refused" else "provided",
            items=list(row.body.get("items", [])),
        )
        for row in rows
    ]
    return Disclosure(juminhyo_code=code, since=since, entries=entries)


def verify_records(session: Session, *, key: signing.Ed25519PrivateKey) -> LedgerCheck:
    """Recompute the provision log; name every entry edited or deleted."""
    PROVISIONS.sign_root(session, key=key)
    report = PROVISIONS.verify(session, public_key=key.public_key())
    return LedgerCheck(
        log=report.log_id,
        entries=report.entries,
        signed_heads=report.roots,
        unsigned_tail=report.unsigned_tail,
        problems=[str(p) for p in report.problems],
    )
