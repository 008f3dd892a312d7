"""Pydantic faces of 団体内統合宛名: a person by 統合宛名番号, a link, a 名寄せ candidate group."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

# Business systems and their own 宛名番号 series (decision 0014). 住基 numbers come from the resident register.
SYSTEMS: dict[str, str] = {
    "juki": "住基",
    "tax": "税務",
    "kokuho": "国保",
    "kaigo": "介護",
    "jidoteate": "児童手当",
    "seiho": "生活保護",
}
LINKABLE_SYSTEMS = tuple(s for s in SYSTEMS if s != "juki")  # 住基 numbers come from the register, not a link
SERIES_START: dict[str, int] = {
    "tax": 2_000_000_001,
    "kokuho": 3_000_000_001,
    "kaigo": 4_000_000_001,
    "jidoteate": 5_000_000_001,
    "seiho": 6_000_000_001,
}
KIND_LABELS = {"resident": "住民", "non_resident": "住登外者"}
STATUS_LABELS = {"active": "現存", "moved_out": "転出", "deceased": "死亡"}


class LinkView(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    system: str
    atena_number: str

    @property
    def system_label(self) -> str:
        return SYSTEMS.get(self.system, self.system)


class AddresseeView(BaseModel):
    """A person in the integrated addressee system, without the My Number (shown only through reveal)."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    integrated_number: str
    resident_id: int | None
    kind: str
    name: str
    name_kana: str
    birth_date: dt.date
    sex: str
    address: str
    status: str
    has_mynumber: bool
    links: list[LinkView] = []

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class DuplicateGroup(BaseModel):
    """名寄せ candidates: several 統合宛名番号 that may be one person, and why they were grouped."""

    reason: str
    integrated_numbers: list[str]
    name_kana: str
    birth_date: dt.date | None


# --- legal basis per use (番号法第9条; docs/decisions/0130) ---------------------------------------------
BASIS_KINDS = ("別表第一", "法律", "条例")
PLAN_STATUSES = {"planned": "計画中", "adopted": "制定済（施行前）", "in_force": "施行中", "ended": "終了"}
NOTIFICATION_LABELS = {"": "未届出", "filed": "届出中", "accepted": "受理", "returned": "返戻"}


class OrdinanceView(BaseModel):
    """A 条例 that defines 独自利用事務."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    number: str
    title: str
    adopted_on: dt.date | None
    start_on: dt.date
    end_on: dt.date | None


class Basis(BaseModel):
    """The legal basis a 事務 names, and whether it holds on a given day."""

    model_config = ConfigDict(frozen=True)

    system: str
    jimu_code: str
    jimu_name: str
    kind: str  # 別表第一 / 法律 / 条例
    label: str  # 番号法別表第一 十六の項 / 令和7年千代田区条例第12号 第3条
    valid: bool
    reason: str = ""  # why not, when not valid


class PlanRow(BaseModel):
    """One line of the 独自利用計画: a 独自利用事務 with its 条例 and where it stands on the day asked."""

    model_config = ConfigDict(frozen=True)

    ordinance: OrdinanceView
    article: str
    jimu_code: str
    jimu_name: str
    system: str
    similar_jimu_code: str
    tm_codes: list[str]
    status: str  # planned / adopted / in_force / ended
    notification_id: str | None
    notification_status: str
    notification_reasons: str

    @property
    def status_label(self) -> str:
        return PLAN_STATUSES[self.status]

    @property
    def notification_label(self) -> str:
        return NOTIFICATION_LABELS.get(self.notification_status, self.notification_status)
