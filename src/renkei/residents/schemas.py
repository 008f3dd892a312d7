"""Pydantic faces of 住民記録: a resident as other components see it, and the ResidentEvent of the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

EventKind = Literal["birth", "move_in", "move_out", "name_change", "address_change", "death"]
Status = Literal["active", "moved_out", "deceased"]

SEX_LABELS = {"1": "男", "2": "女"}
STATUS_LABELS = {"active": "住民", "moved_out": "転出", "deceased": "死亡"}
KIND_LABELS = {
    "birth": "出生",
    "move_in": "転入",
    "move_out": "転出",
    "name_change": "氏名変更",
    "address_change": "転居",
    "death": "死亡",
}
# 異動事由コード. The 住民記録システム標準仕様 code table is not public in a form we could confirm, so renkei uses
# its own small table (docs/decisions/0013-ido-reason-codes.md): A = 記載, B = 消除, C = 修正.
REASON_CODES = {
    "birth": "A11",
    "move_in": "A21",
    "move_out": "B31",
    "death": "B11",
    "name_change": "C11",
    "address_change": "C21",
}
RELATIONSHIPS = (
    "世帯主",
    "妻",
    "夫",
    "子",
    "父",
    "母",
    "孫",
    "祖父",
    "祖母",
    "兄",
    "弟",
    "姉",
    "妹",
    "子の妻",
    "子の夫",
    "縁故者",
    "同居人",
)


class ResidentEvent(BaseModel):
    """One 異動 announced through the outbox: the person's 基本4情報 after it; never the My Number or 住民票コード."""

    model_config = ConfigDict(frozen=True)

    event_id: str
    kind: EventKind
    lg_code: str
    resident_id: int
    occurred_at: dt.datetime
    effective_on: dt.date
    name: str
    name_kana: str
    former_surname: str | None
    address: str
    birth_date: dt.date
    sex: str
    previous_lg_code: str | None = None
    previous_resident_id: int | None = None


class ResidentView(BaseModel):
    """A resident as shown to staff and other components (no My Number, no 住民票コード)."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    atena_number: str
    household_number: str
    relationship: str
    name: str
    name_kana: str
    surname: str
    given_name: str
    surname_kana: str
    given_name_kana: str
    former_surname: str | None
    birth_date: dt.date
    sex: str
    postal_code: str
    address: str
    status: Status
    resident_since: dt.date
    removed_on: dt.date | None

    @property
    def sex_label(self) -> str:
        return SEX_LABELS.get(self.sex, self.sex)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


class ChangeView(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    kind: str
    reason_code: str
    notified_on: dt.date
    effective_on: dt.date
    recorded_at: dt.datetime

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True, slots=True)
class ResidentRow:
    """One validated row of a population file (or a birth/move-in), before registration."""

    atena_number: str
    household_number: str
    relationship: str
    surname: str
    given_name: str
    surname_kana: str
    given_name_kana: str
    birth_date: dt.date
    sex: str
    postal_code: str
    address: str
    resident_since: dt.date
    line: int = 0


@dataclass(frozen=True, slots=True)
class Registered:
    """A resident just registered, with the My Number jukinet issued, handed to the addressee in memory only."""

    resident_id: int
    atena_number: str
    name: str
    name_kana: str
    birth_date: dt.date
    sex: str
    address: str
    mynumber: str

    def __repr__(self) -> str:  # never print the My Number by accident
        return f"Registered(resident_id={self.resident_id}, atena_number={self.atena_number!r})"


@dataclass(frozen=True, slots=True)
class TransferCertificate:
    """転出証明: what the municipality moved out of hands the one moved into (the caller carries it, in memory).

    It carries the 住民票コード and My Number, as the real 転出証明書 does; `repr` hides both.
    """

    lg_code: str
    resident_id: int
    juminhyo_code: str
    mynumber: str
    surname: str
    given_name: str
    surname_kana: str
    given_name_kana: str
    former_surname: str | None
    birth_date: dt.date
    sex: str
    destination_lg_code: str
    moved_out_on: dt.date

    def __repr__(self) -> str:
        return f"TransferCertificate(lg_code={self.lg_code!r}, resident_id={self.resident_id})"
