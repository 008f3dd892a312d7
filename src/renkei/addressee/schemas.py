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
