"""Pydantic shapes of the hub's own data: permission rows and delivery reports (protocol messages are in protocol)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from renkei.protocol.operator import PermissionEntry


class PermissionRow(PermissionEntry):
    """One row of 別表第二 (or a 主務省令 row): 情報照会者 | 事務 (| 事務手続) | 情報提供者 | 特定個人情報, and the last
    day it admits queries (none: in force). The same model as the rows an operator adds over the wire."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)


class DeliveryReport(BaseModel):
    """What one round of `deliver_pending` did."""

    delivered: int = 0  # deliveries attempted this round: answered + refused + retrying
    answered: int = 0
    refused: int = 0
    retrying: int = 0
