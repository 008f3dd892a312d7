"""被災者支援 in and out: damage levels (内閣府 被害認定基準), 要配慮者 reasons, views of each ledger row."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from renkei.core import clock

# 損害割合 (the economic damage to the main structural elements, %) → 被害の程度, 内閣府「災害に係る住家の被害認定
# 基準運用指針」as revised in 令和2年 (中規模半壊 added) and 令和元年 (準半壊 added). Decision 0085.
DAMAGE_LEVELS = (
    (50, "全壊"),
    (40, "大規模半壊"),
    (30, "中規模半壊"),
    (20, "半壊"),
    (10, "準半壊"),
    (1, "準半壊に至らない（一部損壊）"),
    (0, "被害なし"),
)
UNSURVEYED = "未調査"
STRUCTURES = ("木造", "非木造")
LEDGERS = {"victims": "被災者台帳", "houses": "被災住家等台帳"}  # the two ledgers an export can write
KINDS = ("地震", "風水害", "土砂災害", "火災", "津波", "その他")
SUPPORT_KINDS = {
    "relief": "救援物資",
    "housing": "応急仮設住宅",
    "money": "義援金・支援金",
    "other": "その他",
}
# 要配慮者 (災対法第8条第2項第15号: 高齢者, 障害者, 乳幼児その他の特に配慮を要する者). Age-based ones come from the
# register; the rest are entered by the office.
CARE_REASONS = ("高齢者", "乳幼児", "障害者", "要介護者", "難病患者", "妊産婦", "外国人", "その他")
ELDERLY_AGE = 65
INFANT_AGE = 6


def damage_level(ratio: int) -> str:
    if not 0 <= ratio <= 100:
        raise ValueError(ratio)
    return next(level for low, level in DAMAGE_LEVELS if ratio >= low)


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class DisasterView(_View):
    id: int
    lg_code: str
    name: str
    kind: str
    occurred_on: dt.date
    areas: list[str]
    declared_by: str
    declared_at: dt.datetime


class HouseView(_View):
    id: int
    disaster_id: int
    address: str
    structure: str | None
    damage_ratio: int | None
    damage_level: str
    surveyed_on: dt.date | None
    surveyor: str | None
    note: str | None


class VictimView(_View):
    """A row of the 被災者台帳 (no My Number, no 住民票コード: the register keeps them)."""

    id: int
    disaster_id: int
    resident_id: int
    house_id: int
    household_number: str
    relationship: str
    name: str
    name_kana: str
    birth_date: dt.date
    sex: str
    address: str
    residence: str | None
    phone: str | None
    care_reasons: list[str]

    @property
    def age(self) -> int:
        return age_on(self.birth_date, clock.today())


class ShelterView(_View):
    id: int
    disaster_id: int
    name: str
    address: str
    capacity: int
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    present: int = 0


class StayView(_View):
    id: int
    shelter_id: int
    victim_id: int
    arrived_at: dt.datetime
    left_at: dt.datetime | None


class SupportView(_View):
    id: int
    victim_id: int
    kind: str
    item: str
    quantity: int
    given_on: dt.date
    given_by: str


class CertificateView(_View):
    id: int
    number: str
    victim_id: int
    house_id: int
    damage_level: str
    issued_on: dt.date
    issued_by: str
    pdf_sha256: str


class Declaration(BaseModel):
    """A disaster as the office declares it; `service.declare` checks each field and names the one at fault."""

    name: str
    kind: str
    occurred_on: dt.date
    areas: list[str]


class Summary(BaseModel):
    disaster: DisasterView
    victims: int
    households: int
    cared: int
    houses_by_level: dict[str, int]
    sheltered: int
    certificates: int
