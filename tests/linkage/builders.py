"""Small builders shared by the linkage tests: two municipalities, a few residents, tax copies."""

from __future__ import annotations

import datetime as dt

from renkei.addressee import service as addressee
from renkei.intermediate.schemas import CopyInput
from renkei.protocol.jukinet import JukinetClient
from renkei.residents import service as residents
from renkei.residents.schemas import ResidentRow
from renkei.runtime import Runtime

CHIYODA = "131016"  # A
SETAGAYA = "131121"  # B
TAX = "TM00000000000002"
# 地方税関係情報 items of renkei's layout TM00000000000002 版0002 (real TK codes are unpublished)
INCOME = "TK00000200000190"  # 合計所得金額
TAX_ITEMS = {
    "TK00000200000010": "2025",  # 課税年度
    "TK00000200000020": "3",  # 課税区分: 課税（所得割・均等割）
    INCOME: "3512345",
    "TK00000200000310": "3500",  # 市町村民税均等割額
    "TK00000200000320": "208234",  # 市町村民税所得割額
}


def as_text(items: dict[str, object]) -> dict[str, str]:
    """Items as the files carry them (the store keeps them typed by the layout)."""
    return {k: str(v) for k, v in items.items()}


FAMILY = [
    ("山田", "太郎", "ヤマダ", "タロウ", dt.date(1985, 4, 1), "1", "世帯主"),
    ("山田", "花子", "ヤマダ", "ハナコ", dt.date(1987, 6, 2), "2", "妻"),
    ("山田", "一郎", "ヤマダ", "イチロウ", dt.date(2018, 9, 3), "1", "子"),
]
OTHERS = [("佐藤", "次郎", "サトウ", "ジロウ", dt.date(1970, 1, 5), "1", "世帯主")]


def rows(
    lg_code: str, people: list[tuple[str, str, str, str, dt.date, str, str]], *, household: str, start: int
) -> list[ResidentRow]:
    return [
        ResidentRow(
            atena_number=f"{start + i:015d}",
            household_number=household,
            relationship=rel,
            surname=s,
            given_name=g,
            surname_kana=sk,
            given_name_kana=gk,
            birth_date=born,
            sex=sex,
            postal_code="1000001" if lg_code == CHIYODA else "1540001",
            address="東京都千代田区千代田一丁目1番" if lg_code == CHIYODA else "東京都世田谷区池尻一丁目1番",
            resident_since=dt.date(2020, 4, 1),
        )
        for i, (s, g, sk, gk, born, sex, rel) in enumerate(people)
    ]


def populate(runtime: Runtime, lg_code: str, people: list[ResidentRow]) -> dict[str, str]:
    """Register residents and their 統合宛名番号; returns 宛名番号 → 統合宛名番号."""
    jukinet = JukinetClient(runtime.transport)
    jukinet.register_municipality(lg_code)
    with runtime.municipal_session(lg_code) as session:
        registered = residents.register_residents(
            session, lg_code=lg_code, rows=people, jukinet=jukinet, settings=runtime.settings
        )
        addressee.register_residents(session, registered=registered, settings=runtime.settings)
        return {
            r.atena_number: addressee.integrated_number_of_resident(session, resident_id=r.resident_id)
            for r in registered
        }


def tax_copy(integrated_number: str, record_id: str, **items: str) -> CopyInput:
    return CopyInput(
        source=f"test {record_id}",
        record_id=record_id,
        integrated_number=integrated_number,
        tm_code=TAX,
        dataset_no="0101",
        dataset_record_key="2025",
        version="0002",
        published_from=dt.date(2025, 6, 1),
        items={**TAX_ITEMS, **items},
    )
