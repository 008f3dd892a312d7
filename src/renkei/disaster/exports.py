"""The 被災者台帳 and 被災住家等台帳 as CSV and Excel, with the field names of the real ledgers (災対法施行規則
第8条の5 and the 内閣府 data-item examples); never the My Number. Decision 0085."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from sqlalchemy.orm import Session

from renkei.core.errors import Invalid
from renkei.disaster import service
from renkei.disaster.schemas import LEDGERS, SUPPORT_KINDS, age_on

VICTIM_HEADINGS = (
    "台帳番号",
    "世帯番号",
    "氏名",
    "ふりがな",
    "生年月日",
    "年齢",
    "性別",
    "続柄",
    "住所",
    "居所",
    "電話番号",
    "被害の状況",
    "要配慮者",
    "要配慮者に該当する事由",
    "避難先",
    "援護の実施の状況",
    "罹災証明書の交付の状況",
)
HOUSE_HEADINGS = (
    "住家番号",
    "所在地",
    "構造",
    "損害割合",
    "被害の程度",
    "調査日",
    "調査員",
    "居住世帯数",
    "居住者数",
    "備考",
)


def rows(session: Session, *, disaster_id: int, ledger: str) -> tuple[Sequence[str], list[list[object]]]:
    found = service.disaster(session, disaster_id=disaster_id)
    houses = {h.id: h for h in service.houses(session, disaster_id=disaster_id)}
    people = service.victims(session, disaster_id=disaster_id)
    if ledger == "houses":
        body: list[list[object]] = []
        for house in houses.values():
            living = [p for p in people if p.house_id == house.id]
            body.append(
                [
                    house.id,
                    house.address,
                    house.structure or "",
                    "" if house.damage_ratio is None else house.damage_ratio,
                    house.damage_level,
                    house.surveyed_on.isoformat() if house.surveyed_on else "",
                    house.surveyor or "",
                    len({p.household_number for p in living}),
                    len(living),
                    house.note or "",
                ]
            )
        return HOUSE_HEADINGS, body
    if ledger != "victims":
        raise ValueError(ledger)
    sheltered = service.where_sheltered(session, disaster_id=disaster_id)
    support: dict[int, list[str]] = {}
    for s in service.supports(session, disaster_id=disaster_id):
        support.setdefault(s.victim_id, []).append(
            f"{SUPPORT_KINDS[s.kind]}:{s.item}×{s.quantity}({s.given_on})"
        )
    issued: dict[int, list[str]] = {}
    for c in service.certificates(session, disaster_id=disaster_id):
        issued.setdefault(c.victim_id, []).append(f"{c.number} {c.damage_level} {c.issued_on}")
    body = [
        [
            p.id,
            p.household_number,
            p.name,
            p.name_kana,
            p.birth_date.isoformat(),
            age_on(p.birth_date, found.occurred_on),
            "男" if p.sex == "1" else "女",
            p.relationship,
            p.address,
            p.residence or "",
            p.phone or "",
            houses[p.house_id].damage_level,
            "該当" if p.care_reasons else "",
            "・".join(p.care_reasons),
            sheltered.get(p.id, ""),
            "、".join(support.get(p.id, [])),
            "、".join(issued.get(p.id, [])) or "未交付",
        ]
        for p in people
    ]
    return VICTIM_HEADINGS, body


def to_csv(headings: Sequence[str], body: list[list[object]]) -> bytes:
    """UTF-8 with BOM and CRLF, as spreadsheet software in municipal offices opens it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows(body)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, headings: Sequence[str], body: list[list[object]]) -> bytes:
    from openpyxl import Workbook  # only when a workbook is asked for

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(list(headings))
    for line in body:
        sheet.append(line)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(session: Session, *, disaster_id: int, ledger: str, fmt: str) -> tuple[str, bytes]:
    """(file name, bytes) of one ledger as csv or xlsx."""
    if ledger not in LEDGERS:
        raise Invalid("台帳は victims（被災者台帳）か houses（被災住家等台帳）です", field="ledger")
    headings, body = rows(session, disaster_id=disaster_id, ledger=ledger)
    title = LEDGERS[ledger]
    if fmt == "csv":
        return f"{title}-{disaster_id}.csv", to_csv(headings, body)
    if fmt == "xlsx":
        return f"{title}-{disaster_id}.xlsx", to_xlsx(title, headings, body)
    raise Invalid("形式は csv か xlsx です", field="format")
