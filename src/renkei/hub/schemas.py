"""Pydantic shapes of the hub's own data: permission rows and delivery reports (protocol messages are in protocol)."""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, field_validator

from renkei.core.errors import Invalid
from renkei.core.ids import validate_jm, validate_jt, validate_tm

_AGENCY_CODE = re.compile(r"[0-9]{16}")


def _party(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("機関種別または16桁の機関コードを指定してください")
    if value.isdigit() and not _AGENCY_CODE.fullmatch(value):
        raise ValueError(f"機関コードは16桁です: {value}")
    return value


def _code(check: Callable[[str], str], value: str) -> str:
    # pydantic reports ValueError with the field's location; the file reader turns that into line and column.
    try:
        return check(value)
    except Invalid as exc:
        raise ValueError(exc.message) from None


class PermissionRow(BaseModel):
    """One row of 別表第二 (or a 主務省令 row): 情報照会者 | 事務 (| 事務手続) | 情報提供者 | 特定個人情報."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    item: str
    requester: str
    jimu_code: str
    jimu_name: str
    procedure_code: str = ""
    procedure_name: str = ""
    provider: str
    tm_code: str
    tm_name: str

    _parties = field_validator("requester", "provider")(_party)

    @field_validator("jimu_code")
    @classmethod
    def _jm(cls, value: str) -> str:
        return _code(validate_jm, value)

    @field_validator("procedure_code")
    @classmethod
    def _jt(cls, value: str) -> str:
        return _code(validate_jt, value) if value else ""

    @field_validator("tm_code")
    @classmethod
    def _tm(cls, value: str) -> str:
        return _code(validate_tm, value)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.requester, self.jimu_code, self.procedure_code, self.provider, self.tm_code)


class DeliveryReport(BaseModel):
    """What one round of `deliver_pending` did."""

    delivered: int = 0  # deliveries attempted this round: answered + refused + retrying
    answered: int = 0
    refused: int = 0
    retrying: int = 0
